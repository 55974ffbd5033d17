"""Policy versions: publishing one (it may take effect before it is published) and re-settling what it changes."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from domain.policy.loader import PolicyDocument, parse_document
from domain.policy.parsing import PolicyError
from service.commands.base import Command
from service.commands.fields import Day, JsonObject, Moment, Ref, Text
from service.roles import Role

POLICY_ROLES = frozenset({Role.ADMIN})


class PolicyMeta(BaseModel):
    """Which version this is, of which region, from when, published when."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    region: Ref
    version: Ref
    effective_from: Day
    published_at: Moment
    title: Text = ""


class PublishPolicyVersion(Command):
    """Publish a policy version; it may take effect before it is published (retroactive).

    `parameters` are the sections of a policy file (plain or confidence-annotated leaves, as in
    langxi_default.toml); they are checked in full here, so a bad one changes nothing.
    """

    roles: ClassVar[frozenset[Role]] = POLICY_ROLES

    command: Literal["publish_policy_version"] = "publish_policy_version"
    meta: PolicyMeta
    parameters: JsonObject
    """plain or confidence-annotated leaves, as in langxi_default.toml"""

    @model_validator(mode="after")
    def _valid_policy(self) -> PublishPolicyVersion:
        if "meta" in self.parameters:
            raise ValueError("parameters.meta: put meta beside parameters, not inside them")
        self.document  # noqa: B018 - parses (and caches) the document; a PolicyError refuses the command
        return self

    @cached_property
    def document(self) -> PolicyDocument:
        """The parsed document: plain parameters, their confidence labels, the meta."""
        meta: dict[str, Any] = self.meta.model_dump(mode="json")
        try:
            return parse_document({"meta": meta, **self.parameters})
        except PolicyError as exc:
            raise ValueError(f"policy parameters: {exc}") from None
        except (TypeError, AttributeError, RecursionError) as exc:
            raise ValueError(f"policy parameters: a section or leaf has the wrong shape ({exc})") from None

    @classmethod
    def of(cls, document: PolicyDocument, *, command_id: str) -> PublishPolicyVersion:
        """The command that publishes a document read from a policy file (e.g. `load_default_policy()`)."""
        meta = {
            "region": document.region,
            "version": document.version,
            "effective_from": document.effective_from,
            "published_at": document.published_at,
            "title": document.title,
        }
        return cls(command_id=command_id, meta=meta, parameters=annotated(document.parameters, document.confidence))


def annotated(plain: dict[str, Any], confidence: dict[str, str]) -> dict[str, Any]:
    """Plain parameters with their confidence labels put back on the leaves (the inverse of `unwrap`)."""

    def wrap(node: Any, path: str) -> Any:
        if path in confidence:
            return {"value": node, "confidence": confidence[path]}
        if isinstance(node, dict):
            return {key: wrap(value, f"{path}.{key}" if path else str(key)) for key, value in node.items()}
        return node

    result: dict[str, Any] = wrap(plain, "")
    return result
