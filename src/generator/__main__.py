"""python -m generator --seed 1 --scale 0.05 --database-url sqlite:///var/county.db

Generates a synthetic Langxi-like county plan (`--county 469030`: a 琼中, Hainan one), loads it through the ledger (idempotent: a second
run appends nothing), and prints the Langxi comparison table computed from the settlements.
`--dry-run` settles the plan in memory instead (no database).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from generator.dryrun import dry_rows
from generator.hainan import REGION as HAINAN_REGION
from generator.hainan import generate_qiongzhong_year
from generator.hainan_summary import format_hainan_summary, hainan_figures
from generator.load import load_plan
from generator.model import generate_county_year
from generator.plan import CountyPlan
from generator.summary import figures_from, format_comparison, settlement_rows, summarise

COUNTIES = ("341821", HAINAN_REGION)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__.splitlines()[0])
    parser.add_argument("--county", choices=COUNTIES, default=COUNTIES[0], help="341821 Langxi, 469030 琼中 (Hainan)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=0.05, help="1.0 = Langxi-sized (about 23,600 visits)")
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--months", type=int, default=7, help="January to this month")
    parser.add_argument("--database-url", default=None, help="default: LEDGER_DATABASE_URL or sqlite:///var/ledger.db")
    parser.add_argument("--dry-run", action="store_true", help="settle in memory; do not touch a database")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    hainan = args.county == HAINAN_REGION
    generate = generate_qiongzhong_year if hainan else generate_county_year
    plan = generate(args.seed, args.scale, args.year, args.months)
    print(f"plan {plan.prefix}: {plan.counts()} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if hainan:
        rows = dry_rows(plan) if args.dry_run else _loaded_rows(plan, args, started)
        print(format_hainan_summary(hainan_figures(rows)))
        return 0
    if args.dry_run:
        figures = figures_from(dry_rows(plan))
    else:
        from service.ledger import BenefitLedger
        from service.settings import Settings

        ledger = BenefitLedger.from_settings(Settings().replaced(database_url=args.database_url))
        step = max(1, (len(plan.patients) + len(plan.visits)) // 20)

        def progress(done: int, total: int) -> None:
            if not args.quiet and (done % step == 0 or done == total):
                print(f"  {done}/{total} ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)

        report = load_plan(ledger, plan, progress=progress)
        print(f"loaded: {report.describe()}", file=sys.stderr)
        figures = summarise(ledger, plan)
    print(format_comparison(figures, args.scale))
    return 0


def _loaded_rows(
    plan: CountyPlan, args: argparse.Namespace, started: float
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    from service.ledger import BenefitLedger
    from service.settings import Settings

    ledger = BenefitLedger.from_settings(Settings().replaced(database_url=args.database_url))
    try:
        step = max(1, (len(plan.patients) + len(plan.visits)) // 20)

        def progress(done: int, total: int) -> None:
            if not args.quiet and (done % step == 0 or done == total):
                print(f"  {done}/{total} ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)

        report = load_plan(ledger, plan, progress=progress)
        print(f"loaded: {report.describe()}", file=sys.stderr)
        return settlement_rows(ledger, plan)
    finally:
        ledger.close()


if __name__ == "__main__":
    sys.exit(main())
