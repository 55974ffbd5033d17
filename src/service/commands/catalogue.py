"""Catalogue (三目录) versions: publishing one (admin); it may take effect before it is published.

The items are the fields of a catalogue file's `[[item]]` tables (docs/registries.md), checked here in
full (codes as refs, money fields, the class and list enums, a class-B self-pay share below 1, no code
twice), so a bad item changes nothing on any path.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from domain.registry.catalogue import (
    Catalogue,
    CatalogueError,
    ItemClass,
    ItemList,
    catalogue_tree,
    parse_catalogue,
    version_tree,
)
from service.commands.base import Command
from service.commands.fields import Day, Label, Money, Ref, Share, Text, _enum_schema, _member_of
from service.roles import Role

CATALOGUE_ROLES = frozenset({Role.ADMIN})
ITEMS_MAX = 20_000

ItemClassName = Annotated[ItemClass, BeforeValidator(_member_of(ItemClass)), _enum_schema(ItemClass)]
ItemListName = Annotated[ItemList, BeforeValidator(_member_of(ItemList)), _enum_schema(ItemList)]


class CatalogueItemIn(BaseModel):
    """One catalogue item, as in a catalogue file's `[[item]]` table."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True)

    code: Ref
    name: Text
    list: ItemListName
    """drug, treatment or facility"""
    item_class: ItemClassName = Field(alias="class")
    """a (甲类), b (乙类) or self_pay (丙类)"""
    unit_price_limit: Money | None = None
    """yuan; none: no limit"""
    self_pay_share: Share = Decimal("0")
    """class b only: the share the patient pays first, below 1"""


class PublishCatalogueVersion(Command):
    """Publish a catalogue version of a region; it may take effect before it is published (retroactive)."""

    roles: ClassVar[frozenset[Role]] = CATALOGUE_ROLES

    command: Literal["publish_catalogue_version"] = "publish_catalogue_version"
    region: Ref
    version: Ref
    effective_from: Day
    confidence: Label
    """e.g. ILLUSTRATIVE, OFFICIAL"""
    title: Text = ""
    items: Annotated[tuple[CatalogueItemIn, ...], Field(min_length=1, max_length=ITEMS_MAX)]

    @model_validator(mode="after")
    def _valid_catalogue(self) -> PublishCatalogueVersion:
        self.catalogue  # noqa: B018 - parses (and caches) the version; a CatalogueError refuses the command
        return self

    def tree(self) -> dict[str, Any]:
        """The TOML-shaped tree of the version (what the register records)."""
        return version_tree(self, self.items)

    @cached_property
    def catalogue(self) -> Catalogue:
        try:
            return parse_catalogue(self.tree())
        except CatalogueError as exc:
            raise ValueError(f"catalogue items: {exc}") from None

    @classmethod
    def of(cls, catalogue: Catalogue, *, command_id: str) -> PublishCatalogueVersion:
        """The command that publishes a version read from a catalogue file (e.g. a shipped one)."""
        tree = catalogue_tree(catalogue)
        return cls(command_id=command_id, **tree["meta"], items=tree["item"])
