"""The API's clients as the store knows them: `ApiClientDirectory` folds the ApiClient events of the log.

`refresh()` reads only the log's notifications after the last one it saw, filtered to the ApiClient
topics (one query). The API's StoreAccessPolicy (api.access_keys) calls it at most once a second, for
an unknown token, and after a key command it handled, so a client added, revoked or rotated by any
process (`ledger keys`, `POST /admin/api-keys`) counts within that second.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

TOPICS = ["ledger:ApiClient.Added", "ledger:ApiClient.Revoked", "ledger:ApiClient.Rotated"]
_PAGE = 1000


@dataclass(frozen=True)
class StoredClient:
    name: str
    role: str
    fund: str | None
    hospital: str | None
    token_sha256: str
    revoked: bool
    version: int


class ApiClientDirectory:
    def __init__(self, ledger: BenefitLedger) -> None:
        self.ledger = ledger
        self._last = 0
        self._by_id: dict[str, StoredClient] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            while True:
                page = self.ledger.recorder.select_notifications(start=self._last + 1, limit=_PAGE, topics=TOPICS)
                for notification in page:
                    self._apply(self.ledger.mapper.to_domain_event(notification))
                    self._last = notification.id
                if len(page) < _PAGE:
                    return

    def _apply(self, e: Any) -> None:
        kind = type(e).TOPIC.rsplit(".", 1)[-1]
        key = str(e.originator_id)
        if kind == "Added":
            self._by_id[key] = StoredClient(
                e.name, e.role, e.fund, e.hospital, e.token_sha256, False, e.originator_version
            )
            return
        known = self._by_id.get(key)
        if known is None:  # pragma: no cover - an Added event always comes first in a stream
            return
        changes: dict[str, Any] = {"version": e.originator_version}
        if kind == "Revoked":
            changes["revoked"] = True
        elif kind == "Rotated":
            changes["token_sha256"] = e.token_sha256
        self._by_id[key] = StoredClient(**{**known.__dict__, **changes})

    def clients(self) -> list[StoredClient]:
        """Every client in the store, revoked ones too, in the order they were added."""
        self.refresh()
        return list(self._by_id.values())

    def by_name(self, name: str) -> StoredClient | None:
        return next((c for c in self.clients() if c.name == name), None)
