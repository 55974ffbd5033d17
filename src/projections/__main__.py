"""python -m projections run [--until-head] | rebuild NAME|all | status

Reads its settings once (service.settings.Settings: LEDGER_DATABASE_URL and the rest). Bad input gives a one-line error and exit code 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any, NoReturn

from pydantic import ValidationError as PydanticValidationError

from domain.errors import ValidationError
from projections import catalog
from projections.rebuild import rebuild, status
from projections.runner import ProjectionError, Runner, StaleProjectionError
from projections.store import open_store
from service.settings import Settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m projections", description="Build and follow the ledger's read models.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="follow the event log into the projections")
    run.add_argument("--until-head", action="store_true", help="stop once caught up with the log")
    run.add_argument("--batch-size", type=int, default=500)
    run.add_argument("--poll-interval", type=float, default=1.0)
    run.add_argument("--only", nargs="+", metavar="NAME", help="run only these projections")
    build = commands.add_parser("rebuild", help="rebuild into shadow tables and swap in (resumable)")
    build.add_argument("name", help=f"all or one of: {', '.join(catalog.PROJECTIONS)}")
    build.add_argument("--batch-size", type=int, default=1000)
    build.add_argument("--no-progress", action="store_true")
    commands.add_parser("status", help="positions and lag of every projection")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if getattr(args, "batch_size", 1) < 1:
            raise ValidationError("--batch-size must be at least 1")
        selected = catalog.select(args.name if args.command == "rebuild" else getattr(args, "only", None))
        settings = Settings()
        config = settings.store
    except (catalog.UnknownProjectionError, ValidationError, PydanticValidationError) as exc:
        return _fail(2, str(exc))
    from service.ledger import BenefitLedger

    try:
        ledger = BenefitLedger.from_settings(settings)
        store = open_store(config)
    except Exception as exc:
        return _fail(1, f"cannot open the store: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}")
    try:
        return _dispatch(args, ledger, store, selected)
    except (StaleProjectionError, ProjectionError) as exc:
        return _fail(1, str(exc))
    finally:
        store.close()
        ledger.close()


def _dispatch(args: argparse.Namespace, ledger: Any, store: Any, selected: list[Any]) -> int:
    if args.command == "status":
        for row in status(ledger, store):
            print(
                f"{row['projection']:<20} {row['state']:<16} position {row['position']}  head {row['head']}  "
                f"lag {row['lag']}"
                + (f"  rebuild at {row['rebuild_position']}" if row["rebuild_position"] is not None else "")
            )
        return 0
    if args.command == "rebuild":
        result = rebuild(
            ledger, store, [p.name for p in selected], batch_size=args.batch_size, progress=not args.no_progress
        )
        print(
            f"rebuilt {', '.join(result['projections'])}: {result['events']} events in {result['seconds']} s "
            f"({result['events_per_second']} events/s), position {result['position']}"
        )
        return 0
    runner = Runner(ledger, store, selected, batch_size=args.batch_size)
    if args.until_head:
        processed = runner.run_once(until_head=True)
        print(f"caught up: {processed} events, positions {runner.positions()}")
        return 0
    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    def stop_between_batches(position: int, head: int, count: int) -> None:
        if stopping:  # SIGTERM while catching up: stop after the batch just committed, not at the head
            raise _Stopped

    runner.on_batch = stop_between_batches
    try:
        runner.run_forever(args.poll_interval, should_stop=lambda: bool(stopping))
    except (KeyboardInterrupt, _Stopped):
        pass
    return 0


class _Stopped(Exception):
    """SIGTERM arrived: the worker stops between two batches (each batch is its own transaction)."""


def _fail(code: int, message: str) -> int:
    print(f"python -m projections: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
