"""The hash chain itself: genesis, links, the optional HMAC key. No I/O.

    hash_0 = H("ledger-chain/genesis/v1" || originator_id)
    hash_n = H(hash_{n-1} || originator_id || originator_version || topic || state)

H is SHA-256, or HMAC-SHA256 under LEDGER_CHAIN_KEY when that is set. Every variable-length field is
length-prefixed, so no two different rows hash the same bytes. `originator_id` is hashed in the form
the recorder stores it (UUID hex), so the writer and the verifier, which reads raw rows, agree.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from domain.errors import LedgerError

KEY_ENV = "LEDGER_CHAIN_KEY"
MIN_KEY_BYTES = 16
GENESIS_TAG = b"ledger-chain/genesis/v1\x00"
KEY_ID_TAG = b"ledger-chain/key-id/v1\x00"
UNKEYED = "sha256"


class ChainKeyError(LedgerError):
    """LEDGER_CHAIN_KEY is unusable, or is not the key the store's chain was written with."""

    status = 500
    title = "Tamper-evidence key does not match the store"


class ChainBrokenError(LedgerError):
    """A stream's chain cannot be extended because its stored chain was tampered with."""

    status = 500
    title = "Hash chain broken"


def stream_key(originator_id: UUID | str) -> str:
    """The originator id as hashed: the hex a recorder stores for a UUID, else the text itself."""
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


class ChainHasher:
    def __init__(self, key: bytes | None = None) -> None:
        if key is not None and len(key) < MIN_KEY_BYTES:
            raise ChainKeyError(f"{KEY_ENV} must be at least {MIN_KEY_BYTES} bytes (got {len(key)})")
        self._key = key
        self.key_id = UNKEYED if key is None else "hmac-sha256:" + hashlib.sha256(KEY_ID_TAG + key).hexdigest()[:16]

    @classmethod
    def from_env(cls, env: Mapping[str, Any]) -> ChainHasher:
        value = env.get(KEY_ENV)
        return cls(str(value).encode() if value else None)

    @property
    def keyed(self) -> bool:
        return self._key is not None

    def _digest(self, data: bytes) -> bytes:
        if self._key is None:
            return hashlib.sha256(data).digest()
        return hmac.new(self._key, data, hashlib.sha256).digest()

    def genesis(self, stream: str) -> bytes:
        return self._digest(GENESIS_TAG + stream.encode())

    def link(self, previous: bytes, stream: str, version: int, topic: str | None, state: bytes | None) -> bytes:
        oid = stream.encode()
        topic_bytes = (topic or "").encode()
        state_bytes = bytes(state or b"")
        return self._digest(
            b"".join(
                (
                    previous,
                    struct.pack(">I", len(oid)),
                    oid,
                    struct.pack(">q", version),
                    struct.pack(">I", len(topic_bytes)),
                    topic_bytes,
                    struct.pack(">Q", len(state_bytes)),
                    state_bytes,
                )
            )
        )


def check_key_id(stored: str | None, hasher: ChainHasher) -> None:
    """Refuse to write or verify a chain under another key than the one it was written with."""
    if stored is None or stored == hasher.key_id:
        return
    if hasher.keyed:
        raise ChainKeyError(
            f"{KEY_ENV} is not the key this store's hash chain was written with "
            f"(store: {stored}, configured: {hasher.key_id})"
        )
    raise ChainKeyError(f"this store's hash chain is keyed ({stored}): set {KEY_ENV} to its key")
