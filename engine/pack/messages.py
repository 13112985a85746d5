"""pydantic's validation errors reworded for an admin, and pointed at the right key or value."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from engine.located import Loc, Problem, did_you_mean

_QUOTED = re.compile(r"'([^']*)'")


def _name(loc: Loc) -> str:
    """``('fields', 0)`` -> ``fields[0]``; ``('states', 1, 'editors')`` -> ``editors``."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            if parts:
                parts[-1] += f"[{part}]"
        else:
            parts = [part]
    return parts[-1] if parts else "value"


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The (nested) model whose keys live at ``loc``: for did-you-mean on unknown keys."""
    current: type[BaseModel] | None = model
    named_entry = False  # the next part is a key of a mapping of models, not a field name
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int) or named_entry:
            named_entry = False
            continue
        info = _field(current, part)
        current = _inner_model(info.annotation) if info is not None else None
        named_entry = info is not None and _is_mapping(info.annotation)
    return current


def _field(model: type[BaseModel], written: str) -> FieldInfo | None:
    """The field written as ``written`` in YAML: by its name, or by its alias."""
    info = model.model_fields.get(written)
    if info is not None:
        return info
    return next((info for info in model.model_fields.values() if info.alias == written), None)


def _is_mapping(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is dict:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_is_mapping(arg) for arg in typing.get_args(annotation))
    return False


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType) or origin is dict:
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def problems_from(error: ValidationError, model: type[BaseModel],
                  prefix: Loc = ()) -> Iterator[Problem]:
    for item in error.errors(include_url=False):
        loc: Loc = tuple(item["loc"])
        kind = item["type"]
        value = item.get("input")
        name = _name(loc)
        ctx = item.get("ctx") or {}
        if kind == "missing":
            yield Problem((*prefix, *loc[:-1]), f"missing required key '{loc[-1]}'")
        elif kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            known = [info.alias or name for name, info in owner.model_fields.items()] \
                if owner else []
            hint = did_you_mean(str(loc[-1]), known)
            yield Problem((*prefix, *loc), f"unknown key '{loc[-1]}'{hint}", at_key=True)
        elif kind in ("enum", "literal_error"):
            choices = _QUOTED.findall(str(ctx.get("expected", "")))
            hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
            yield Problem((*prefix, *loc), f"'{name}' must be one of {', '.join(choices)}, "
                                           f"not {_shown(value)}{hint}")
        elif kind == "value_error":
            message = str(item["msg"]).removeprefix("Value error, ")
            yield Problem((*prefix, *loc), message)
        elif kind == "string_pattern_mismatch" and loc == ("id",):
            yield Problem((*prefix, *loc), f"rule id {_shown(value)} may only use letters, digits "
                                           "and - _ . (and must start with a letter or digit)")
        else:
            yield Problem((*prefix, *loc), _plain(kind, name, value, ctx, str(item["msg"])))


def _plain(kind: str, name: str, value: Any, ctx: dict[str, Any], fallback: str) -> str:
    wants = {
        "string_type": "text", "int_type": "a whole number", "int_parsing": "a whole number",
        "int_from_float": "a whole number", "float_type": "a number", "float_parsing": "a number",
        "bool_type": "true or false", "bool_parsing": "true or false", "list_type": "a list",
        "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping",
        "date_type": "a date (YYYY-MM-DD)", "date_parsing": "a date (YYYY-MM-DD)",
        "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    }
    if kind in wants:
        return f"'{name}' must be {wants[kind]}, not {_shown(value)}"
    if kind in ("too_short", "string_too_short"):
        return f"'{name}' must not be empty"
    if kind == "too_long":
        return f"'{name}' has too many entries (at most {ctx.get('max_length')})"
    bounds = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
              "greater_than": ("more than", "gt"), "less_than": ("less than", "lt")}
    if kind in bounds:
        words, key = bounds[kind]
        return f"'{name}' must be {words} {ctx.get(key)}, not {_shown(value)}"
    return f"'{name}': {fallback}"
