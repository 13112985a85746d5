"""What every rule kind module provides, and the small shapes they share.

A kind module (``required.py``, ``format.py``, ...) is plain code with a fixed set of names:

``KIND``          the name rule files use (``kind: required``)
``ACTIONS``       the actions a rule of this kind may take (``fix`` only where it proposes fixes)
``Params``        a pydantic model of the kind's own keys (``extra="forbid"``)
``FIELD_PARAMS``  names of params that hold field paths of the rule's object (checked on load)
``needs(params)`` the fields and child rows the kind reads, so one query per object suffices
``check(params, record, ctx)``  pure: yields :class:`Violation` for one record
and optionally ``OBJECTS`` (the objects it applies to) and ``prepare(params, object, schema)``
(checks that types cannot express — conditions, field types — yielding
:class:`~engine.located.Problem`, and precompiles what ``check`` will use). The module
docstring is the user documentation, with a passing and a failing example.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.located import Problem
from engine.model import Action, Context, FieldChange, Record
from engine.sfschema import Schema

if TYPE_CHECKING:
    from engine.permissions import FieldPolicy



@dataclass(frozen=True, slots=True)
class Violation:
    """What a check found on one record; the evaluator turns it into a Finding (and Fix, Task)."""

    field: str | None
    message: str
    evidence: Mapping[str, Any] = dataclass_field(default_factory=dict)
    #: a proposed correction: field -> (old, new)
    changes: Mapping[str, FieldChange] | None = None
    #: whether the correction may be applied without a person looking at it
    safe: bool = True
    #: the user whose change this is about (routing ``editor_manager``)
    editor_id: str | None = None


@dataclass(frozen=True, slots=True)
class Needs:
    """What a rule reads: fields (parent paths included) and child relationships with fields."""

    fields: frozenset[str] = frozenset()
    children: Mapping[str, frozenset[str]] = dataclass_field(default_factory=dict)
    stages: bool = False
    users: bool = False

    def merge(self, other: Needs) -> Needs:
        children = {name: frozenset(rows) for name, rows in self.children.items()}
        for name, rows in other.children.items():
            children[name] = children.get(name, frozenset()) | rows
        return Needs(self.fields | other.fields, children, self.stages or other.stages,
                     self.users or other.users)


class ParamsBase(BaseModel):
    """Base of every kind's params: unknown keys are errors, and the rule's object is known.

    What ``check`` needs precomputed lives in ``cached_property`` values, which are plain
    instance attributes once computed: pydantic's private attributes cost microseconds per read,
    and the hot loop reads them for every record.
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    @cached_property
    def binding(self) -> dict[str, str]:
        """Facts the loader binds after validation (the rule's object)."""
        return {}

    def bind(self, obj: str) -> None:
        """Called by the loader once validated: the object the rule checks."""
        self.binding["object"] = obj

    @property
    def rule_object(self) -> str:
        return self.binding.get("object", "")

    def use_policies(self, policies: Sequence[FieldPolicy]) -> Iterator[Problem]:
        """Kinds with ``USES_POLICIES`` take the pack's field policies here (see permissions)."""
        return iter(())


class FieldsParams(ParamsBase):
    """Kinds checking one field (``field: Email``) or several (``fields: [FirstName, LastName]``).
    """

    field: str | None = Field(default=None, description="the field to check")
    fields: list[str] | None = Field(default=None, min_length=1,
                                     description="several fields to check the same way")

    @model_validator(mode="after")
    def _one_of_field_or_fields(self) -> FieldsParams:
        if (self.field is None) == (self.fields is None):
            raise ValueError("give either 'field' or 'fields'")
        return self

    @cached_property
    def targets(self) -> tuple[str, ...]:
        return (self.field,) if self.field is not None else tuple(self.fields or ())


Check = Callable[[Any, Record, Context], Iterable[Violation]]
Prepare = Callable[[Any, str, Schema], Iterable[Problem]]


def _nothing_to_prepare(params: Any, obj: str, schema: Schema) -> Iterator[Problem]:
    return iter(())


@dataclass(frozen=True, slots=True)
class KindSpec:
    """A rule kind as the registry knows it (read from its module, no magic)."""

    name: str
    doc: str
    params: type[ParamsBase]
    check: Check
    needs: Callable[[Any], Needs]
    actions: frozenset[Action]
    field_params: tuple[str, ...]
    prepare: Prepare
    objects: frozenset[str] | None = None
    #: field-permission kinds read the pack's ``policies`` (injected by the loader)
    uses_policies: bool = False

    @classmethod
    def of(cls, module: ModuleType) -> KindSpec:
        objects = getattr(module, "OBJECTS", None)
        return cls(
            name=module.KIND,
            doc=(module.__doc__ or "").strip(),
            params=module.Params,
            check=module.check,
            needs=module.needs,
            actions=frozenset(module.ACTIONS),
            field_params=tuple(getattr(module, "FIELD_PARAMS", ())),
            prepare=getattr(module, "prepare", _nothing_to_prepare),
            objects=frozenset(objects) if objects is not None else None,
            uses_policies=bool(getattr(module, "USES_POLICIES", False)),
        )

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]
