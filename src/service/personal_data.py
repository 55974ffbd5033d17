"""Personal identifiers (name, resident ID card number): validated, then stored only encrypted.

A patient is known to the ledger by an opaque `patient_ref`. When a registry sends the patient's name
and ID card number, they are sealed with AES-256-GCM (the patient id as associated data, so a sealed
value cannot be moved to another patient) before the event is built; the store, the projections, the
logs and every dashboard see only the ciphertext. The command's idempotency fingerprint holds a keyed
HMAC of them, never a plain hash (an ID card number is guessable from a plain hash).

The key is `LEDGER_PII_KEY` (32 bytes, urlsafe base64), else the file `LEDGER_PII_KEY_FILE`
(default `var/pii.key`, created with mode 0600 on first use): keep it apart from the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.errors import ValidationError

KEY_FILE_DEFAULT = Path("var/pii.key")
NAME_LENGTH_MAX = 50
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def check_id_card_no(value: Any) -> str:
    """An 18-character resident ID card number (GB 11643) with a valid check character."""
    text = str(value).strip().upper() if isinstance(value, str) else ""
    if len(text) != 18 or not text[:17].isdigit() or text[17] not in "0123456789X":
        raise ValidationError("id_card_no: give the 18-character resident ID card number")
    if _ID_CHECK[sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True)) % 11] != text[17]:
        raise ValidationError("id_card_no: the check character does not match (a digit was mistyped)")
    return text


def check_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > NAME_LENGTH_MAX:
        raise ValidationError(f"name: give a non-empty name of at most {NAME_LENGTH_MAX} characters")
    return value.strip()


def masked_id_card_no(id_card_no: str) -> str:
    return id_card_no[:6] + "*" * 8 + id_card_no[-4:]


class PersonalDataCipher:
    """Seals and opens a patient's personal identifiers."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the personal-data key must be 32 bytes")
        self._aead = AESGCM(key)
        self._mac_key = hashlib.sha256(b"ledger-pii-fingerprint" + key).digest()

    @classmethod
    def from_environment(cls, env: Mapping[str, Any]) -> PersonalDataCipher:
        encoded = env.get("LEDGER_PII_KEY") or os.environ.get("LEDGER_PII_KEY")
        if encoded:
            return cls(base64.urlsafe_b64decode(str(encoded)))
        path = Path(str(env.get("LEDGER_PII_KEY_FILE") or os.environ.get("LEDGER_PII_KEY_FILE") or KEY_FILE_DEFAULT))
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        return cls(base64.urlsafe_b64decode(path.read_text().strip()))

    def seal(self, subject: str, personal: Mapping[str, str]) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, orjson.dumps(dict(personal), option=orjson.OPT_SORT_KEYS), subject.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, subject: str, sealed: str) -> dict[str, str]:
        raw = base64.urlsafe_b64decode(sealed)
        try:
            opened: dict[str, str] = orjson.loads(self._aead.decrypt(raw[:12], raw[12:], subject.encode()))
        except InvalidTag:
            raise ValidationError("personal data: cannot be opened with this key") from None
        return opened

    def fingerprint(self, personal: Mapping[str, str]) -> str:
        body = orjson.dumps(dict(personal), option=orjson.OPT_SORT_KEYS)
        return hmac.new(self._mac_key, body, hashlib.sha256).hexdigest()
