"""python -m generator --seed 1 --scale 0.05 --database-url sqlite:///var/county.db

Generates a synthetic Langxi-like county plan, loads it through the ledger (idempotent: a second
run appends nothing), and prints the Langxi comparison table computed from the settlements.
`--dry-run` settles the plan in memory instead (no database).
"""

from __future__ import annotations

import argparse
import sys
import time

from generator.dryrun import dry_rows
from generator.load import load_plan
from generator.model import generate_county_year
from generator.summary import figures_from, format_comparison, summarise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=0.05, help="1.0 = Langxi-sized (about 23,600 visits)")
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--months", type=int, default=7, help="January to this month")
    parser.add_argument("--database-url", default=None, help="default: LEDGER_DATABASE_URL or sqlite:///var/ledger.db")
    parser.add_argument("--dry-run", action="store_true", help="settle in memory; do not touch a database")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    plan = generate_county_year(args.seed, args.scale, args.year, args.months)
    print(f"plan {plan.prefix}: {plan.counts()} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
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


if __name__ == "__main__":
    sys.exit(main())
