"""A size limit on every request body, enforced before anything parses it.

`Settings.body_limit_bytes` (LEDGER_BODY_LIMIT_BYTES, default 4 MiB): a request whose Content-Length is
larger, or whose streamed body grows larger, gets a 413 problem and reaches no route. The body is read
here (up to the limit) and handed on unchanged.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.responses import ProblemResponse

TYPE = "urn:benefit-ledger:problem:body-too-large"


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body is larger than {self.limit:,} bytes (LEDGER_BODY_LIMIT_BYTES); nothing was read"
        body: dict[str, Any] = {"type": TYPE, "title": "Request body too large", "status": 413, "detail": detail}
        response = ProblemResponse(body, status_code=413, headers={"Connection": "close"})
        await response(scope, receive, send)
