"""The JSON Schema of rule files, for editors (``weeder rules schema``).

Built from the same pydantic models the loader validates with, so it cannot drift from them:
one rule shape per kind (the common keys plus the kind's own, chosen by ``kind``), the field
policies, the test cases, the duplicate matchers, and the condition language. The loader
remains the authority — it also checks objects, fields and regexes, which a schema cannot know.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from engine.conditions import CONDITION_MARK, condition_schema
from engine.duplicates.config import DuplicatesConfig
from engine.model import Action
from engine.pack.cases import CaseSpec, ContextSpec
from engine.pack.model import RuleSpec
from engine.permissions import FieldPolicySpec
from engine.rules import KINDS

SCHEMA_FILE = "weeder-rules.schema.json"


def _rule_model(name: str) -> type[BaseModel]:
    kind = KINDS[name]
    title = "".join(part.capitalize() for part in name.split("_")) + "Rule"
    actions = tuple(action.value for action in Action if action in kind.actions)
    own: dict[str, Any] = {
        "kind": (Literal[name], Field(description=kind.summary)),
        "action": (Literal[actions], Field(default="report", description="what a run may do: "
                                           + ", ".join(actions))),
    }
    model: type[BaseModel] = create_model(title, __base__=(RuleSpec, kind.params),
                                          __doc__=kind.doc, **own)
    return model


def _with_condition_refs(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get(CONDITION_MARK):
            rest = {k: v for k, v in node.items() if k not in (CONDITION_MARK, "default")}
            return {"$ref": "#/$defs/Condition", **rest}
        return {key: _with_condition_refs(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_condition_refs(item) for item in node]
    return node


def rules_json_schema() -> dict[str, Any]:
    variants = tuple(_rule_model(name) for name in KINDS)
    rule_type = Annotated[Union[variants], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007

    class RuleFile(BaseModel):
        """A Weeder rule file: rules, field policies, test cases for the rules, and the
        duplicate matchers."""

        model_config = ConfigDict(extra="forbid", title="Weeder rule file")

        rules: list[rule_type] = Field(default_factory=list,  # type: ignore[valid-type]
                                       description="the rules; each picks a kind")
        policies: list[FieldPolicySpec] = Field(default_factory=list,
                                                description="who may edit which field")
        tests: list[CaseSpec] = Field(default_factory=list, description="rule test cases")
        context: ContextSpec | None = Field(default=None,
                                            description="defaults for this file's test cases")
        duplicates: DuplicatesConfig | None = Field(
            default=None, description="the duplicate matchers, by rule id (one file of the "
                                      "pack has them)")

    schema = _with_condition_refs(RuleFile.model_json_schema())
    schema["$defs"]["Condition"] = condition_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://weeder.dev/schema/{SCHEMA_FILE}", **schema}
