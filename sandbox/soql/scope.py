"""Field paths -> SQL column expressions over one object's table and its LEFT-JOINed parents.

Identifiers in the SQL come only from the schema (quoted), never from the query text; values
travel as parameters. Each path prefix (``Owner``, ``Owner.Manager``) is joined once and shared
by SELECT, WHERE and ORDER BY. A polymorphic lookup (Task.What, Note.Parent) joins every target
and reads like Salesforce's ``Name`` entity: Id, Name and Type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.schema import Field, Schema, SObject
from sandbox.soql.errors import (
    INVALID_FIELD,
    SoqlError,
    no_such_column,
    unknown_relationship,
)
from sandbox.soql.nodes import FieldPath


@dataclass(frozen=True, slots=True)
class Sql:
    """A piece of SQL text with the parameters its ``?`` marks take, in order."""

    text: str
    params: tuple[object, ...] = ()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def join_sql(parts: list[Sql], separator: str) -> Sql:
    return Sql(separator.join(p.text for p in parts),
               tuple(param for p in parts for param in p.params))


@dataclass(frozen=True, slots=True)
class Step:
    """One relationship hop of a path: the parent record it leads to."""

    key: str  # the relationship name as describe spells it ("Owner")
    targets: tuple[str, ...]  # one object, or several for a polymorphic lookup
    id_sql: Sql  # the joined parent's Id: NULL when there is no parent


@dataclass(frozen=True, slots=True)
class Column:
    sql: Sql
    field: Field
    steps: tuple[Step, ...] = ()


#: the fields Salesforce's polymorphic ``Name`` entity offers through What, Who, Parent...
_NAME_ENTITY_FIELDS = {
    "id": Field("Id", "id", "Record ID", 18),
    "name": Field("Name", "string", "Name", 255),
    "type": Field("Type", "picklist", "Object Type", 40),
}


@dataclass
class Scope:
    """The tables one SELECT reads: ``sobject`` under alias ``<prefix>0`` and its joins."""

    schema: Schema
    sobject: SObject
    prefix: str
    soql: str
    _joins: dict[tuple[str, ...], str] = field(default_factory=dict)
    _clauses: list[str] = field(default_factory=list)

    @property
    def root(self) -> str:
        return f"{self.prefix}0"

    def root_column(self, name: str) -> str:
        return f"{quote(self.root)}.{quote(name)}"

    def from_sql(self) -> str:
        return " ".join([f"{quote(self.sobject.name)} AS {quote(self.root)}", *self._clauses])

    def resolve(self, path: FieldPath) -> Column:
        """The column ``path`` names, or INVALID_FIELD pointing at the path."""
        sobject, alias = self.sobject, self.root
        relationships = list(path.parts[:-1])
        if relationships and relationships[0].lower() == sobject.name.lower() \
                and sobject.relationship(relationships[0]) is None:
            relationships.pop(0)  # `Account.Name` on Account: the object's own name qualifies
        steps: list[Step] = []
        key: tuple[str, ...] = ()
        for position, name in enumerate(relationships):
            lookup = sobject.relationship(name)
            if lookup is None or lookup.relationship_name is None:
                raise self._error(path, unknown_relationship(name))
            key += (lookup.relationship_name.lower(),)
            if len(lookup.reference_to) > 1:
                if position != len(relationships) - 1:
                    raise self._error(path, unknown_relationship(relationships[position + 1]))
                return self._polymorphic(path, alias, lookup, key, steps)
            target = self.schema.object(lookup.reference_to[0])
            assert target is not None, f"schema names an unknown object {lookup.reference_to}"
            alias = self._join(key, target, alias, lookup)
            steps.append(Step(lookup.relationship_name, (target.name,),
                              Sql(f"{quote(alias)}.\"Id\"")))
            sobject = target
        found = sobject.field(path.parts[-1])
        if found is None:
            raise self._error(path, no_such_column(path.parts[-1], sobject.name))
        return Column(Sql(f"{quote(alias)}.{quote(found.name)}"), found, tuple(steps))

    def _polymorphic(self, path: FieldPath, alias: str, lookup: Field, key: tuple[str, ...],
                     steps: list[Step]) -> Column:
        assert lookup.relationship_name is not None
        targets = [self.schema.object(name) for name in lookup.reference_to]
        aliases = [self._join(key + (t.name.lower(),), t, alias, lookup)
                   for t in targets if t is not None]
        id_sql = Sql("COALESCE(" + ", ".join(f"{quote(a)}.\"Id\"" for a in aliases) + ")")
        steps.append(Step(lookup.relationship_name, tuple(lookup.reference_to), id_sql))
        wanted = path.parts[-1].lower()
        found = _NAME_ENTITY_FIELDS.get(wanted)
        if found is None:
            raise self._error(path, no_such_column(path.parts[-1], "Name"))
        if wanted == "id":
            sql = id_sql
        elif wanted == "name":
            sql = Sql("COALESCE(" + ", ".join(
                f"{quote(a)}.{quote(_name_field(t))}"
                for a, t in zip(aliases, targets, strict=True) if t is not None
            ) + ")")
        else:
            # Type is the object whose key prefix the referenced id carries.
            reference = f"{quote(alias)}.{quote(lookup.name)}"
            cases = []
            params: list[object] = []
            for target in targets:
                if target is not None:
                    cases.append("WHEN ? THEN ?")
                    params += [target.key_prefix, target.name]
            sql = Sql(f"(CASE substr({reference}, 1, 3) {' '.join(cases)} END)", tuple(params))
        return Column(sql, found, tuple(steps))

    def _join(self, key: tuple[str, ...], target: SObject, parent_alias: str,
              lookup: Field) -> str:
        if key not in self._joins:
            alias = f"{self.prefix}{len(self._joins) + 1}"
            self._joins[key] = alias
            self._clauses.append(
                f"LEFT JOIN {quote(target.name)} AS {quote(alias)} "
                f"ON {quote(alias)}.\"Id\" = {quote(parent_alias)}.{quote(lookup.name)}"
            )
        return self._joins[key]

    def _error(self, path: FieldPath, text: str) -> SoqlError:
        return SoqlError.at(INVALID_FIELD, self.soql, path.pos, text)


def _name_field(sobject: SObject) -> str:
    named = next((f.name for f in sobject.fields if f.name_field), None)
    return named or "Name"
