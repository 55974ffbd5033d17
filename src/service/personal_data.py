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
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.errors import ValidationError

KEY_FILE_DEFAULT = Path("var/pii.key")


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
        encoded = env.get("LEDGER_PII_KEY")
        if encoded:
            return cls(base64.urlsafe_b64decode(str(encoded)))
        path = Path(str(env.get("LEDGER_PII_KEY_FILE") or KEY_FILE_DEFAULT))
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

    def name_key(self, name: str) -> str:
        """A keyed digest of a name for exact-match search (NFKC, spaces removed, case folded): the search
        index holds this, never the name; without the key it cannot be computed or reversed."""
        normal = "".join(unicodedata.normalize("NFKC", name).split()).casefold()
        search_key = hashlib.sha256(b"ledger-pii-name-search" + self._mac_key).digest()
        return hmac.new(search_key, normal.encode(), hashlib.sha256).hexdigest()

    def fingerprint(self, personal: Mapping[str, str]) -> str:
        body = orjson.dumps(dict(personal), option=orjson.OPT_SORT_KEYS)
        return hmac.new(self._mac_key, body, hashlib.sha256).hexdigest()
