"""How a parallel rebuild splits the projections between its processes (projections.rebuild._parts)."""

from __future__ import annotations

import pytest

from projections import catalog
from projections.rebuild import _cost, _parts


@pytest.mark.parametrize("workers", [1, 2, 3, 4, 9, 12])
def test_every_projection_is_rebuilt_by_exactly_one_part(workers: int) -> None:
    projections = catalog.select(None)
    parts = _parts(projections, workers)
    names = [p.name for part in parts for p in part]
    assert sorted(names) == sorted(p.name for p in projections)
    assert 1 <= len(parts) <= min(workers, len(projections))
    assert all(parts)


def test_the_parts_are_balanced_by_measured_cost_not_by_count() -> None:
    """This process (the first part: no start-up) takes the heaviest projection, the audit trail, and some of the
    others: the audit trail alone against the eight others in a spawned process would cost more."""
    projections = catalog.select(None)
    parts = _parts(projections, 2)
    assert "audit_trail" in [p.name for p in parts[0]]
    costs = [_cost(part, spawned=n > 0) for n, part in enumerate(parts)]
    assert abs(costs[0] - costs[1]) < 0.1 * max(costs)
    audit = [p for p in projections if p.name == "audit_trail"]
    others = [p for p in projections if p.name != "audit_trail"]
    assert max(costs) < max(_cost(audit, spawned=False), _cost(others, spawned=True))


def test_a_single_projection_needs_no_second_process() -> None:
    assert [[p.name for p in part] for part in _parts(catalog.select(["annual_totals"]), 2)] == [["annual_totals"]]
