"""Ledger benchmarks: medians (or p50/p99), and ratios against baselines measured in the same run.

  python -m bench [settle] [--database-url URL] [--operations N]    settlement, aggregate get, cascade
  python -m bench appends      [--postgres-url URL] [--visits N] ...  HTTP appends vs bare library, INSERT, COPY
  python -m bench group-commit [--threads 16] [--per-thread 40]      the same commands in-process, group commit off/on
  python -m bench replay       [--admissions 50] [--repeats N]        auditor replay of a patient-year, p50/p99
  python -m bench rebuild      [--scale S]                            projection rebuild vs read + decode
  python -m bench recalc       [--scale 1.0] [--copies 1 2 6]         county-/province-year recalculation, peak RSS
  python -m bench dashboard    [--scale S] [--repeats N]              dashboard read latency vs GET /health
  python -m bench all          [--quick]                              every bench above on PostgreSQL

PostgreSQL benches use --postgres-url, else $LEDGER_BENCH_POSTGRES_URL, else
postgresql://postgres@127.0.0.1:5432/postgres; each run uses fresh `bench_*` schemas, dropped afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from bench import pgschema

QUICK = {
    "visits": 40,
    "clients": 4,
    "batch_size": 50,
    "workers": [1],
    "baseline_seconds": 1.0,
    "admissions": 5,
    "repeats": 20,
    "rebuild_scale": 0.01,
    "recalc_scale": 0.01,
    "copies": [1, 2],
    "dashboard_scale": 0.01,
}


def _settle(args: argparse.Namespace) -> Iterable[str]:
    from bench.settle import bench_cascade, bench_store

    urls = args.database_url or [f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
    yield from bench_cascade(2000)
    for url in urls:
        yield from bench_store(url, args.operations)


def _appends(args: argparse.Namespace) -> Iterable[str]:
    from bench import appends

    return appends.run(
        pgschema.server_url(args.postgres_url),
        scale=args.scale,
        visits=args.visits,
        clients=args.clients,
        batch_size=args.batch_size,
        bulk_clients=args.bulk_clients,
        workers=args.workers,
        baseline_seconds=args.baseline_seconds,
        profile_dir=Path(args.profile_dir) if getattr(args, "profile_dir", None) else None,
    )


def _group_commit(args: argparse.Namespace) -> Iterable[str]:
    from bench import group_commit

    return group_commit.run(pgschema.server_url(args.postgres_url), threads=args.threads, per_thread=args.per_thread)


def _replay(args: argparse.Namespace) -> Iterable[str]:
    from bench import replay

    return replay.run(
        pgschema.server_url(args.postgres_url),
        admissions=args.admissions,
        repeats=args.repeats,
        profile=Path(args.profile) if getattr(args, "profile", None) else None,
    )


def _rebuild(args: argparse.Namespace) -> Iterable[str]:
    from bench import rebuild

    return rebuild.run(
        pgschema.server_url(args.postgres_url),
        scale=args.scale,
        batch_size=args.batch_size,
        profile=getattr(args, "profile", None),
        workers=getattr(args, "workers", None) or [1, 2],
    )


def _recalc(args: argparse.Namespace) -> Iterable[str]:
    from bench import province

    return province.run(
        pgschema.server_url(args.postgres_url), scale=args.scale, copies=args.copies, profile=args.profile
    )


def _dashboard(args: argparse.Namespace) -> Iterable[str]:
    from bench import dashboard

    return dashboard.run(pgschema.server_url(args.postgres_url), scale=args.scale, repeats=args.repeats)


def _all(args: argparse.Namespace) -> Iterable[str]:
    q = QUICK if args.quick else {}
    url = args.postgres_url
    steps: list[tuple[str, Callable[[argparse.Namespace], Iterable[str]], dict[str, object]]] = [
        (
            "appends",
            _appends,
            {
                "scale": 0.05,
                "visits": q.get("visits", 400),
                "clients": q.get("clients", 16),
                "batch_size": q.get("batch_size", 200),
                "bulk_clients": 2,
                "workers": q.get("workers", [1, 2]),
                "baseline_seconds": q.get("baseline_seconds", 5.0),
            },
        ),
        ("replay", _replay, {"admissions": q.get("admissions", 50), "repeats": q.get("repeats", 300)}),
        ("rebuild", _rebuild, {"scale": q.get("rebuild_scale", 0.1), "batch_size": 1000}),
        ("dashboard", _dashboard, {"scale": q.get("dashboard_scale", 0.1), "repeats": q.get("repeats", 300)}),
        ("recalc", _recalc, {"scale": q.get("recalc_scale", 1.0), "copies": q.get("copies", [1]), "profile": None}),
    ]
    with_targets: list[str] = []
    for _, func, options in steps:
        for line in func(argparse.Namespace(postgres_url=url, **options)):
            if "target" in line:
                with_targets.append(line)
            yield line
    yield "[summary] every figure with a target, from this one run (ratios are against baselines of the same run):"
    yield from (f"[summary] {line}" for line in with_targets)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.set_defaults(func=_settle)
    parser.add_argument("--database-url", action="append", help="(settle, the default bench) store(s) to measure")
    parser.add_argument("--operations", type=int, default=200, help="(settle) operations per measurement")
    sub = parser.add_subparsers(dest="bench")

    def add(name: str, func: Callable[[argparse.Namespace], Iterable[str]], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(func=func)
        if name != "settle":
            p.add_argument("--postgres-url", help="PostgreSQL server (no schema; a fresh one is made per run)")
        return p

    p = add("settle", _settle, "settlement command, aggregate get, pure cascade (SQLite by default)")
    p.add_argument("--database-url", action="append", help="store(s) to measure; default: a temporary SQLite file")
    p.add_argument("--operations", type=int, default=200)
    p = add("appends", _appends, "single-command and bulk appends over HTTP vs baselines")
    p.add_argument("--scale", type=float, default=0.05, help="county plan scale (12 months)")
    p.add_argument("--visits", type=int, default=400, help="visits appended per configuration")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--batch-size", type=int, default=200)
    p.add_argument("--bulk-clients", type=int, default=2)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="uvicorn worker counts to try")
    p.add_argument("--baseline-seconds", type=float, default=5.0)
    p.add_argument("--profile-dir", help="py-spy the server of each single-command run; summaries land here")
    p = add("group-commit", _group_commit, "in-process appends from threads, group commit off/on, vs bare library")
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--per-thread", type=int, default=40)
    p = add("replay", _replay, "auditor replay of one patient-year, p50/p99")
    p.add_argument("--admissions", type=int, default=50)
    p.add_argument("--repeats", type=int, default=300)
    p.add_argument("--profile", help="py-spy the server during the HTTP reads: collapsed stacks here, summary .txt")
    p = add("rebuild", _rebuild, "projection rebuild vs read + decode")
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--batch-size", type=int, default=1000)
    p.add_argument("--profile", help="write a pyinstrument profile of the rebuild here")
    p.add_argument("--workers", type=int, nargs="+", help="rebuild processes, one run each (default: 1 2)")
    p = add("recalc", _recalc, "county-/province-year retroactive recalculation with peak RSS")
    p.add_argument("--scale", type=float, default=1.0, help="county plan scale (1.0 = Langxi-sized year)")
    p.add_argument("--copies", type=int, nargs="+", default=[1], help="counties per run (1 = a county-year)")
    p.add_argument("--profile", help="write a pyinstrument profile of the first size's recalculation here")
    p = add("dashboard", _dashboard, "dashboard read latency vs GET /health")
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--repeats", type=int, default=300)
    p = add("all", _all, "every PostgreSQL bench (fixed sizes; --quick for a smoke run)")
    p.add_argument("--quick", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for field in ("visits", "clients", "batch_size", "operations", "admissions", "repeats", "threads", "per_thread"):
        if getattr(args, field, 1) < 1:
            print(f"python -m bench: error: --{field.replace('_', '-')} must be at least 1", file=sys.stderr)
            return 2
    began = time.perf_counter()
    for line in args.func(args):
        print(line, flush=True)
    print(f"# {args.bench or 'settle'} done in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
