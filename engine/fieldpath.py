"""Field paths as rules write them, compiled once into fast getters.

``Email`` reads a field, ``Owner.ManagerId`` reads through a parent relationship, and
``$stage.DefaultProbability`` reads the opportunity's stage as OpportunityStage describes it
(from the context, since a stage's settings are not on the deal itself).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.located import did_you_mean
from engine.model import Context, FieldInfo, Record
from engine.sfschema import Schema

Getter = Callable[[Record, Context], Any]

STAGE_PREFIX = "$stage."

#: ``$stage.X`` -> (Stage attribute, field type)
STAGE_FIELDS: dict[str, tuple[str, str]] = {
    "SortOrder": ("sort_order", "int"),
    "IsClosed": ("is_closed", "boolean"),
    "IsWon": ("is_won", "boolean"),
    "IsActive": ("is_active", "boolean"),
    "DefaultProbability": ("default_probability", "percent"),
}


def is_stage_path(path: str) -> bool:
    return path.startswith(STAGE_PREFIX)


def stage_field_info(path: str) -> FieldInfo | None:
    spec = STAGE_FIELDS.get(path[len(STAGE_PREFIX):])
    return FieldInfo(name=path, type=spec[1]) if spec else None


def record_fields(path: str) -> tuple[str, ...]:
    """The record fields a path reads (what the puller must select)."""
    if is_stage_path(path):
        return ("StageName",)
    return (path,)


def compile_getter(path: str) -> Getter:
    if is_stage_path(path):
        attribute = STAGE_FIELDS[path[len(STAGE_PREFIX):]][0]

        def get_stage_value(record: Record, ctx: Context) -> Any:
            stage = ctx.stage(record.get("StageName"))
            return getattr(stage, attribute) if stage is not None else None

        return get_stage_value
    if "." not in path:
        name = path

        def get_field(record: Record, ctx: Context) -> Any:
            return record.get(name)

        return get_field
    parts = tuple(path.split("."))

    def get_nested(record: Record, ctx: Context) -> Any:
        value: Any = record
        for part in parts:
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    return get_nested


def path_resolver(schema: Schema, obj: str) -> Callable[[str], FieldInfo | str]:
    """Resolve paths of ``obj`` (and ``$stage.*`` on opportunities) for condition checks."""

    def resolve(path: str) -> FieldInfo | str:
        if is_stage_path(path):
            if obj != "Opportunity":
                return f"'{path}' is only available on Opportunity"
            info = stage_field_info(path)
            if info is None:
                names = ", ".join(STAGE_PREFIX + name for name in STAGE_FIELDS)
                return f"unknown stage field '{path}'; known: {names}"
            return info
        found = schema.resolve(obj, path)
        if isinstance(found, FieldInfo):
            return found
        return found.message + did_you_mean(found.word, found.suggestions)

    return resolve
