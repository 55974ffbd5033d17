"""Hainan's 慢病签约服务管理一批 parameters: the yearly schedule health management is counted against.

    [health_management]
    check_ups_per_year = 1                      # 每年开展1次健康体检 (seed 002 二(二)1)
    [health_management.follow_ups_per_year]     # 每年按管理规范安排面对面随访 (seed 002 二(二)3)
    high_risk = 12
    ordinary = 4

A contracted chronic patient is "on schedule" for a year when the follow-ups recorded in that year
reach the number the patient's risk class (high-risk / ordinary, on the family-doctor contract) asks for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.policy import parsing as p
from domain.vocabulary import ChronicRisk


@dataclass(frozen=True)
class HealthManagementRule:
    check_ups_per_year: int
    follow_ups_per_year: Mapping[ChronicRisk, int]

    def follow_ups_due(self, risk: ChronicRisk) -> int:
        return self.follow_ups_per_year[risk]

    def on_schedule(self, risk: ChronicRisk, follow_ups: int) -> bool:
        """Whether a year's follow-ups reach what the schedule asks of the risk class."""
        return follow_ups >= self.follow_ups_due(risk)


def _count(tree: Mapping[str, Any], key: str, path: str) -> int:
    value = tree.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 366:
        raise p.PolicyError(f"{path}.{key}: expected a whole number of times a year (0-366), got {value!r}")
    return value


def parse_health_management(tree: Mapping[str, Any], path: str) -> HealthManagementRule:
    schedule = p.section(tree, "follow_ups_per_year", path)
    where = f"{path}.follow_ups_per_year"
    unknown = sorted(set(schedule) - {risk.value for risk in ChronicRisk})
    if unknown:
        raise p.PolicyError(f"{where}: {', '.join(unknown)} is not a risk class (high_risk, ordinary)")
    return HealthManagementRule(
        check_ups_per_year=_count(tree, "check_ups_per_year", path),
        follow_ups_per_year={risk: _count(schedule, risk.value, where) for risk in ChronicRisk},
    )
