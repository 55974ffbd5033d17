"""One valid example of every command (its args as a batch entry takes them), for the table-driven tests.

They are the API's own request examples (`api.request_examples.COMMAND_ARGS`, shown in the OpenAPI schema),
so a new command gets its one example there and both the docs and the tests use it.
"""

from __future__ import annotations

from typing import Any

from api.request_examples import COMMAND_ARGS

EXAMPLES: dict[str, dict[str, Any]] = COMMAND_ARGS
