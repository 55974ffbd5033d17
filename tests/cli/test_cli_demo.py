"""`ledger demo`: worked example, synthetic county, projections, dashboard table, verify; re-run appends nothing."""

from __future__ import annotations

from tests.cli.cli_support import head

from generator.model import generate_county_year

SCALE, SEED = "0.002", "5"


def _row(table: str, figure: str) -> list[str]:
    line = next(line for line in table.splitlines() if line.startswith(f"│ {figure}"))
    return [cell.strip() for cell in line.strip("│").split("│")]


def test_demo_loads_projects_prints_the_dashboard_and_verifies(invoke, sqlite_url: str) -> None:
    plan = generate_county_year(int(SEED), scale=float(SCALE))
    result = invoke("demo", "--scale", SCALE, "--seed", SEED)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "P-2.3-B#1  inpatient at 安徽省立医院 (province)" in out
    assert "(72000.00 - deductible 1000) x 0.70 = 49700.00" in out
    commands = next(line for line in out.splitlines() if line.startswith(f"{len(plan.patients)} patients, "))
    assert f"{len(plan.visits)} visits: " in commands and ", 1 already done)" in commands  # the policy of step 1
    assert "┃ figure" in out and "Langxi x 0.002" in out
    # the projection counts the synthetic visits and the worked example's two admissions
    assert _row(out, "person-times 人次") == ["person-times 人次", str(len(plan.visits) + 2), str(round(23586 * 0.002))]
    assert _row(out, "actual compensation ratio")[2] == "0.8876"
    assert out.rstrip().endswith("P-2.3/2018: 2 settlements re-derived from raw facts: identical to the fen")
    # 琼中: both policies published, the 大病集中救治 worked case capped, its county dashboard, verified
    assert "341821/langxi-2018.1" in out and "469030/hainan-2017.1" in out
    # the shipped catalogues are published as catalogue versions (step 1), and the lines classified by them
    assert "catalogue 341821/langxi-catalogue-2016.1 (effective 2016-01-01)" in out
    assert "catalogue 469030/" in out
    assert "single-disease standard 50000 (from 2017-08-11); billed 58000.00 - standard = 8000.00 hospital-borne" in out
    assert _row(out, "  hpsi")[1] == "0.00"  # Langxi's dashboard: none of 琼中's payers
    assert "county dashboard 469030 (琼中)" in out
    assert "QZ-E1/2018: 1 settlement re-derived from raw facts: identical to the fen" in out

    before = head(sqlite_url)
    again = invoke("demo", "--scale", SCALE, "--seed", SEED)
    assert again.exit_code == 0, again.stderr
    assert "(0 appended, " in again.stdout and head(sqlite_url) == before
