"""The 三目录 catalogue (drugs, treatment items, service facilities) and how a charge line is classified.

A catalogue version is policy data: a region, a version name, the day it takes effect, a confidence label
and its items. An item has a code, a name, a list (`drug`, `treatment`, `facility`), a class and an
optional unit price limit:

* class `a` (甲类): in the catalogue, compliant up to the price limit;
* class `b` (乙类): in the catalogue, the patient first pays `self_pay_share` of the priced amount (先自付);
* class `self_pay` (丙类 / 自费): out of the catalogue, never compliant.

A charge line is item code, quantity and unit price. `classify_line` splits its amount into the compliant
part, the part over the unit price limit (超限价), the class-B self-pay part and the out-of-catalogue part;
they add up to the amount exactly. A code the catalogue does not list is out of catalogue, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.money import ZERO, to_fen


class ItemClass(str, Enum):
    A = "a"  # 甲类
    B = "b"  # 乙类
    SELF_PAY = "self_pay"  # 丙类 / 自费


class ItemList(str, Enum):
    DRUG = "drug"  # 药品目录
    TREATMENT = "treatment"  # 诊疗项目目录
    FACILITY = "facility"  # 医疗服务设施目录


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    name: str
    list: ItemList
    item_class: ItemClass
    unit_price_limit: Decimal | None = None  # None: no limit
    self_pay_share: Decimal = Decimal("0")  # class b only: the share the patient pays first


@dataclass(frozen=True)
class Catalogue:
    """One version of a region's catalogue."""

    region: str
    version: str
    effective_from: date
    confidence: str
    title: str
    items: Mapping[str, CatalogueItem]

    def item(self, code: str) -> CatalogueItem | None:
        return self.items.get(code)


@dataclass(frozen=True)
class LineClassification:
    """Why a charge line is (partly) compliant: every part in fen; the parts add up to `amount`."""

    item_code: str
    item_name: str | None  # None: the catalogue does not list the code
    item_class: str | None
    catalogue_version: str
    quantity: Decimal
    unit_price: Decimal
    unit_price_limit: Decimal | None
    amount: Decimal
    compliant_amount: Decimal
    over_limit: Decimal  # 超限价
    self_pay: Decimal  # class b: 先自付
    out_of_catalogue: Decimal
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_code": self.item_code,
            "item_name": self.item_name,
            "item_class": self.item_class,
            "catalogue_version": self.catalogue_version,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "unit_price_limit": self.unit_price_limit,
            "amount": self.amount,
            "compliant_amount": self.compliant_amount,
            "over_limit": self.over_limit,
            "self_pay": self.self_pay,
            "out_of_catalogue": self.out_of_catalogue,
            "reason": self.reason,
        }


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return to_fen(quantity * unit_price)


def classify_line(catalogue: Catalogue, item_code: str, quantity: Decimal, unit_price: Decimal) -> LineClassification:
    """Split a charge line by the catalogue: compliant + over_limit + self_pay + out_of_catalogue = amount."""
    amount = line_amount(quantity, unit_price)
    item = catalogue.item(item_code)

    def result(
        compliant: Decimal, over: Decimal, self_pay: Decimal, outside: Decimal, reason: str
    ) -> LineClassification:
        return LineClassification(
            item_code=item_code,
            item_name=None if item is None else item.name,
            item_class=None if item is None else item.item_class.value,
            catalogue_version=catalogue.version,
            quantity=quantity,
            unit_price=unit_price,
            unit_price_limit=None if item is None else item.unit_price_limit,
            amount=amount,
            compliant_amount=compliant,
            over_limit=over,
            self_pay=self_pay,
            out_of_catalogue=outside,
            reason=reason,
        )

    if item is None:
        return result(
            ZERO, ZERO, ZERO, amount, f"{item_code} is not in catalogue {catalogue.version}: out of catalogue"
        )
    if item.item_class is ItemClass.SELF_PAY:
        return result(ZERO, ZERO, ZERO, amount, f"{item_code} {item.name} is a self-pay item (丙类): out of catalogue")
    limit = item.unit_price_limit
    priced = amount if limit is None or unit_price <= limit else min(amount, line_amount(quantity, limit))
    over = amount - priced
    reasons = [f"{item_code} {item.name} is class {item.item_class.value.upper()} in catalogue {catalogue.version}"]
    if over > ZERO:
        reasons.append(f"unit price {unit_price} over the limit {limit}: {over} over the price limit (超限价)")
    self_pay = ZERO
    if item.item_class is ItemClass.B and item.self_pay_share > 0:
        self_pay = to_fen(priced * item.self_pay_share)
        reasons.append(f"class B self-pay share {item.self_pay_share}: {self_pay} paid first (先自付)")
    return result(priced - self_pay, over, self_pay, ZERO, "; ".join(reasons))


class CatalogueError(ValueError):
    """A catalogue data file that does not fit the format."""


def _decimal(value: object, where: str) -> Decimal:
    if isinstance(value, bool | float) or not isinstance(value, str | int):
        raise CatalogueError(f'{where}: write a number as a string ("12.50"), not {type(value).__name__}')
    try:
        parsed = Decimal(str(value))
    except ArithmeticError:
        raise CatalogueError(f"{where}: {value!r} is not a number") from None
    if not parsed.is_finite() or parsed < 0:
        raise CatalogueError(f"{where}: {value!r} is not a non-negative number")
    return parsed


def parse_catalogue(tree: Mapping[str, Any]) -> Catalogue:
    """A catalogue version from its TOML tree: `[meta]` and `[[item]]` tables (docs/registries.md)."""
    meta = tree.get("meta")
    if not isinstance(meta, Mapping):
        raise CatalogueError("meta: missing section")
    try:
        region, version = str(meta["region"]), str(meta["version"])
        effective_from = date.fromisoformat(str(meta["effective_from"]))
        confidence = str(meta["confidence"])
    except (KeyError, ValueError) as exc:
        raise CatalogueError(f"meta: region, version, effective_from, confidence: {exc}") from None
    items: dict[str, CatalogueItem] = {}
    raw_items = tree.get("item", [])
    if not isinstance(raw_items, Sequence):
        raise CatalogueError("item: give [[item]] tables")
    for index, raw in enumerate(raw_items):
        where = f"item[{index}]"
        if not isinstance(raw, Mapping):
            raise CatalogueError(f"{where}: not a table")
        try:
            code, name = str(raw["code"]), str(raw["name"])
            item_list, item_class = ItemList(raw["list"]), ItemClass(raw["class"])
        except (KeyError, ValueError) as exc:
            raise CatalogueError(f"{where}: code, name, list, class: {exc}") from None
        if code in items:
            raise CatalogueError(f"{where}: code {code} is listed twice")
        limit = raw.get("unit_price_limit")
        share = _decimal(raw.get("self_pay_share", "0"), f"{where}.self_pay_share")
        if share >= 1 or (share > 0 and item_class is not ItemClass.B):
            raise CatalogueError(f"{where}: self_pay_share is for class b items, below 1")
        items[code] = CatalogueItem(
            code=code,
            name=name,
            list=item_list,
            item_class=item_class,
            unit_price_limit=None if limit is None else _decimal(limit, f"{where}.unit_price_limit"),
            self_pay_share=share,
        )
    return Catalogue(region, version, effective_from, confidence, str(meta.get("title", "")), items)


def catalogue_in_force(catalogues: Sequence[Catalogue], region: str, day: date) -> Catalogue | None:
    """The region's version with the latest effective_from on or before `day`."""
    candidates = [c for c in catalogues if c.region == region and c.effective_from <= day]
    return max(candidates, key=lambda c: c.effective_from, default=None)


def catalogue_tree(catalogue: Catalogue) -> dict[str, Any]:
    """The TOML-shaped tree of a catalogue version (the inverse of `parse_catalogue`; money as strings)."""
    return version_tree(catalogue, catalogue.items.values())


def version_tree(version: Any, items: Iterable[Any]) -> dict[str, Any]:
    """The TOML-shaped tree of `version` (region, version, effective_from, confidence, title) and `items` (code,
    name, list, item_class, unit_price_limit, self_pay_share): a Catalogue or a publishing command."""
    rows = []
    for item in items:
        raw: dict[str, Any] = {"code": item.code, "name": item.name, "list": item.list.value}
        raw["class"] = item.item_class.value
        if item.unit_price_limit is not None:
            raw["unit_price_limit"] = str(item.unit_price_limit)
        if item.self_pay_share:
            raw["self_pay_share"] = str(item.self_pay_share)
        rows.append(raw)
    meta = {
        "region": version.region,
        "version": version.version,
        "effective_from": version.effective_from.isoformat(),
        "confidence": version.confidence,
        "title": version.title,
    }
    return {"meta": meta, "item": rows}
