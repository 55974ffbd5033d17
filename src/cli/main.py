"""`ledger` command line: serve the API, run the demo, auditor replay and verify, policy versions.

Bad input gives a one-line message on stderr and exit status 2; nothing is changed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime

from domain.errors import LedgerError
from domain.money import InvalidAmountError
from domain.policy.loader import load_policy_file
from domain.policy.parsing import PolicyError


def _ledger(args: argparse.Namespace):  # noqa: ANN202 - BenefitLedger, imported lazily for a fast --help
    from service.ledger import BenefitLedger
    from service.settings import store_config

    return BenefitLedger.from_config(store_config(args.database_url))


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    if args.database_url:
        os.environ["LEDGER_DATABASE_URL"] = args.database_url
    uvicorn.run("api.main:app", host=args.host, port=args.port)
    return 0


def cmd_year(args: argparse.Namespace) -> int:
    from cli.output import year_lines

    ledger = _ledger(args)
    if args.as_of:
        account = ledger.benefit_year_as_of(args.patient_ref, args.year, datetime.fromisoformat(args.as_of))
    else:
        account = ledger.get_benefit_year(args.patient_ref, args.year)
    print("\n".join(year_lines(account)))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    ledger = _ledger(args)
    report = ledger.verify_benefit_year(args.patient_ref, args.year)
    print(f"{args.patient_ref}/{args.year}: {report['settlements']} settlements, "
          f"{'verified to the fen' if report['verified'] else 'DIFFERENCES FOUND'}")
    for d in report["differences"]:
        print(f"  {d['settlement_id']} {d['part']} {d['field']}: recorded {d['recorded']} derived {d['derived']}")
    return 0 if report["verified"] else 1


def cmd_policy_publish(args: argparse.Namespace) -> int:
    document = load_policy_file(args.file)
    result = _ledger(args).publish_policy_version(command_id=args.command_id or f"policy:{document.region}:"
                                                  f"{document.version}", document=document)
    print(f"published {result['region']}/{result['version']} ({'already there' if result['replayed'] else 'new'})")
    return 0


def cmd_policy_list(args: argparse.Namespace) -> int:
    for entry in _ledger(args).policy_register(args.region):
        print(f"{entry['version']:<28} effective {entry['effective_from']}  published {entry['published_at']}")
    return 0


def cmd_recalculate(args: argparse.Namespace) -> int:
    result = _ledger(args).recalculate_for_policy(command_id=args.command_id or f"recalculate:{args.region}:"
                                                  f"{args.version}", region=args.region, version=args.version)
    print(f"examined {result['examined']} patient-years; {len(result['changed'])} changed")
    for item in result["changed"]:
        print(f"  {item['patient_ref']}/{item['year']}: compensation owed {item['compensation_owed']}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from cli.demo import run_demo

    return run_demo(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ledger", description=__doc__)
    parser.add_argument("--database-url", default=None,
                        help="event store (default: $LEDGER_DATABASE_URL or sqlite:///var/ledger.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="the main job: a synthetic Langxi county, settled, projected, compared")
    p.add_argument("--scale", type=float, default=0.1, help="share of a Langxi-sized Jan-Jul (1.0 = 23,586 visits)")
    p.add_argument("--seed", type=int, default=2018)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("serve", help="run the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("year", help="an auditor's view of a patient-year, optionally as of a recorded time")
    p.add_argument("patient_ref")
    p.add_argument("year", type=int)
    p.add_argument("--as-of", help="recorded time, ISO 8601 with offset")
    p.set_defaults(func=cmd_year)
    p = sub.add_parser("verify", help="re-derive every settlement of a patient-year from raw facts")
    p.add_argument("patient_ref")
    p.add_argument("year", type=int)
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("publish-policy", help="publish a policy version from a TOML file")
    p.add_argument("file")
    p.add_argument("--command-id")
    p.set_defaults(func=cmd_policy_publish)
    p = sub.add_parser("policies", help="list a region's policy versions")
    p.add_argument("region")
    p.set_defaults(func=cmd_policy_list)
    p = sub.add_parser("recalculate", help="re-settle the patient-years a policy version affects")
    p.add_argument("region")
    p.add_argument("version")
    p.add_argument("--command-id")
    p.set_defaults(func=cmd_recalculate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (LedgerError, PolicyError, InvalidAmountError, ValueError, OSError) as exc:
        print(f"ledger: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
