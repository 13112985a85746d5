"""YAML to plain data that remembers where every key and value came from (soda-core style).

PyYAML's composer gives nodes with ``start_mark``; we turn them into ordinary dicts, lists and
scalars and keep two indexes, ``loc -> (line, column)`` for values and for keys, where ``loc``
is the path of keys and list indexes from the document root. Validation then works on plain
data and asks the document where a problem is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.located import Loc
from engine.pack.errors import RuleError

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(slots=True)
class Document:
    """One parsed rule file: its data and where each part of it is written."""

    path: str
    data: Any
    value_marks: dict[Loc, Mark] = field(default_factory=dict)
    key_marks: dict[Loc, Mark] = field(default_factory=dict)

    def value_mark(self, loc: Loc) -> Mark:
        """Where the value at ``loc`` starts; the nearest enclosing value when it is missing."""
        for depth in range(len(loc), -1, -1):
            mark = self.value_marks.get(loc[:depth])
            if mark is not None:
                return mark
        return Mark(1, 1)

    def key_mark(self, loc: Loc) -> Mark:
        """Where the key naming ``loc`` is written (for unknown and duplicate keys)."""
        return self.key_marks.get(loc) or self.value_mark(loc)

    def error(self, loc: Loc, message: str, *, at_key: bool = False) -> RuleError:
        mark = self.key_mark(loc) if at_key else self.value_mark(loc)
        return RuleError(self.path, mark.line, mark.column, message)


def _mark_of(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.errors: list[RuleError] = []
        self._scalars = SafeConstructor()

    def build(self, node: Node, loc: Loc) -> Any:
        self.document.value_marks[loc] = _mark_of(node)
        if isinstance(node, ScalarNode):
            try:
                return self._scalars.construct_object(node, deep=True)
            except ConstructorError as error:
                mark = _mark_of(node)
                self.errors.append(RuleError(self.document.path, mark.line, mark.column,
                                             f"cannot read this value: {error.problem}"))
                return None
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, index)) for index, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        return None  # pragma: no cover - the composer only makes the three node kinds

    def _pairs(self, node: MappingNode) -> Iterator[tuple[Node, Node]]:
        """Key/value pairs with ``<<: *anchor`` merges expanded; explicit keys win over merged."""
        explicit = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
        merged: list[tuple[Node, Node]] = []
        for key, value in node.value:
            if key.tag != _MERGE_TAG:
                continue
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                if isinstance(source, MappingNode):
                    merged.extend(self._pairs(source))
        names = {k.value for k, _ in explicit if isinstance(k, ScalarNode)}
        yield from ((k, v) for k, v in merged
                    if not (isinstance(k, ScalarNode) and k.value in names))
        yield from explicit

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in self._pairs(node):
            key_mark = _mark_of(key_node)
            if not isinstance(key_node, ScalarNode):
                self.errors.append(RuleError(self.document.path, key_mark.line, key_mark.column,
                                             "a key must be a plain word, not a list or mapping"))
                continue
            key = str(key_node.value)
            child = (*loc, key)
            if key in out:
                first = self.document.key_marks[child]
                self.errors.append(RuleError(
                    self.document.path, key_mark.line, key_mark.column,
                    f"duplicate key '{key}' (first given at line {first.line})"))
                continue
            self.document.key_marks[child] = key_mark
            out[key] = self.build(value_node, child)
        return out


def parse_document(path: str, text: str) -> tuple[Document | None, list[RuleError]]:
    """Parse one file; a syntax error becomes a located error instead of an exception."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or error.context or "not valid YAML"
        if error.context and error.problem and problem.startswith("but "):
            text = f"{error.context}, {problem}"  # "expected a single document, but found ..."
        elif error.context and error.problem:
            text = f"{problem} ({error.context})"
        else:
            text = problem
        return None, [RuleError(path, line, column, f"YAML syntax error: {text}")]
    except yaml.YAMLError as error:  # e.g. a reader error on a control character
        return None, [RuleError(path, 1, 1, f"YAML syntax error: {error}")]
    document = Document(path=path, data=None)
    if node is None:
        return document, []
    builder = _Builder(document)
    document.data = builder.build(node, ())
    return document, builder.errors
