"""Loading a rule pack: every file parsed, every mistake collected, nothing runs while any remain.

Order of work (soda style: parse apart from evaluation): parse each YAML file into located data;
check each file's shape; read the field policies of all files; read every rule (common keys,
kind keys, objects, fields, conditions, actions, routing); check ids are unique across files;
read the duplicate matchers (the one ``duplicates:`` section); read the test cases. All problems
become ``path:line:column: message`` in one :class:`~engine.pack.errors.RuleErrors`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.conditions import compile_condition, parse_condition
from engine.duplicates.config import DuplicatesConfig
from engine.errors import WeederError
from engine.fieldpath import path_resolver
from engine.located import Loc, Problem, did_you_mean
from engine.model import Action, FieldInfo
from engine.pack.cases import CaseDefaults, parse_cases
from engine.pack.duplicates_section import SECTION, read_duplicates
from engine.pack.errors import RuleError, RuleErrors
from engine.pack.messages import problems_from
from engine.pack.model import Pack, Routing, Rule, RuleCase, RuleSpec, Source
from engine.pack.yaml_source import Document, parse_document
from engine.permissions import FieldPolicy, FieldPolicySpec, PolicyState, folded
from engine.rules import KINDS
from engine.rules.base import KindSpec
from engine.sfschema import Schema

FILE_KEYS = ("rules", "policies", "tests", "context", SECTION)
#: keys that give a file something to do (``context`` only serves the tests)
_CONTENT_KEYS = ("rules", "policies", "tests", SECTION)
Describe = Mapping[str, Mapping[str, FieldInfo]]


def rule_files(root: Path) -> list[Path]:
    """The YAML files of a pack: a single file, or every ``*.yaml``/``*.yml`` under a directory."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise WeederError(f"no rules at {root}: no such file or directory", exit_code=1)
    found = [
        path for path in root.rglob("*")
        if path.suffix in (".yaml", ".yml") and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    ]
    if not found:
        raise WeederError(f"no rule files (*.yaml) in {root}", exit_code=1)
    return sorted(found)


def load_pack(path: str | Path, describe: Describe | None = None) -> Pack:
    """Load and check every rule file under ``path``; raise :class:`RuleErrors` with all mistakes.

    ``describe`` (object -> field -> FieldInfo, from the org) lets unknown custom fields be caught
    too; without it, standard Salesforce objects and fields are checked.
    """
    files = rule_files(Path(path))
    documents: list[Document] = []
    errors: list[RuleError] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            errors.append(RuleError(str(file), 1, 1, f"not UTF-8 text: {error.reason}"))
            continue
        document, problems = parse_document(str(file), text)
        errors.extend(problems)
        if document is not None:
            documents.append(document)
    loader = _Loader(Schema(describe), errors)
    pack = loader.load(documents)
    if errors:
        raise RuleErrors(errors)
    return pack


class _Loader:
    def __init__(self, schema: Schema, errors: list[RuleError]) -> None:
        self.schema = schema
        self.errors = errors

    def report(self, document: Document, problems: Iterable[Problem], prefix: Loc = ()) -> int:
        count = 0
        for problem in problems:
            loc = (*prefix, *problem.loc)
            self.errors.append(document.error(loc, problem.message, at_key=problem.at_key))
            count += 1
        return count

    def load(self, documents: list[Document]) -> Pack:
        shaped = [document for document in documents if self._file_shape(document)]
        policies, troubled_objects = self._policies(shaped)
        rules: list[Rule] = []
        first_seen: dict[str, Source] = {}
        for document in shaped:
            for index, data in enumerate(document.data.get("rules") or []):
                loc: Loc = ("rules", index)
                rule = self._rule(document, data, loc, policies, troubled_objects)
                rule_id = data.get("id") if isinstance(data, dict) else None
                if isinstance(rule_id, str):
                    source = self._source(document, loc)
                    if rule_id in first_seen:
                        self.errors.append(document.error(
                            (*loc, "id"), f"duplicate rule id '{rule_id}' (first defined at "
                                          f"{first_seen[rule_id]})"))
                        continue
                    first_seen[rule_id] = source
                if rule is not None:
                    rules.append(rule)
        duplicates, duplicates_source = self._duplicates(shaped, first_seen)
        cases: list[RuleCase] = []
        rules_by_id = {rule.id: rule for rule in rules}
        for document in shaped:
            defaults = CaseDefaults.read(document.data.get("context"))
            if isinstance(defaults, list):
                self.report(document, defaults, ("context",))
                continue
            found, problems = parse_cases(document, rules_by_id, set(first_seen), defaults)
            self.report(document, problems)
            cases.extend(found)
        return Pack(tuple(rules), tuple(policies), tuple(cases), tuple(d.path for d in documents),
                    duplicates=duplicates, duplicates_source=duplicates_source)

    @staticmethod
    def _source(document: Document, loc: Loc) -> Source:
        mark = document.value_mark(loc)
        return Source(document.path, mark.line, mark.column)

    # -- files -----------------------------------------------------------------------------

    def _file_shape(self, document: Document) -> bool:
        data = document.data
        if data is None:
            self.errors.append(document.error((), "the file is empty; a rule file is a mapping "
                                                  "with a 'rules' list"))
            return False
        if not isinstance(data, dict):
            self.errors.append(document.error((), "a rule file is a mapping with keys "
                                                  + ", ".join(FILE_KEYS)))
            return False
        good = True
        for key in data:
            if key not in FILE_KEYS:
                self.errors.append(document.error(
                    (key,), f"unknown top-level key '{key}'{did_you_mean(key, FILE_KEYS)}; "
                            f"a rule file has {', '.join(FILE_KEYS)}", at_key=True))
                good = False
        for key in ("rules", "policies", "tests"):
            if key in data and not isinstance(data[key], list):
                self.errors.append(document.error((key,), f"'{key}' must be a list"))
                good = False
        if good and not any(data.get(key) for key in _CONTENT_KEYS):
            self.errors.append(document.error((), "the file has no rules, policies, tests or "
                                                  "duplicates"))
        return good

    # -- duplicates ------------------------------------------------------------------------

    def _duplicates(self, documents: list[Document], rule_ids: Mapping[str, Source]
                    ) -> tuple[DuplicatesConfig | None, Source | None]:
        """The duplicate matchers: one section in the whole pack, its matcher ids rule ids."""
        found: DuplicatesConfig | None = None
        first: Source | None = None
        for document in documents:
            if SECTION not in document.data:
                continue
            loc: Loc = (SECTION,)
            mark = document.key_mark(loc)
            if first is not None:
                self.errors.append(document.error(
                    loc, f"a second '{SECTION}' section (the first is at {first}); keep the "
                         "duplicate matchers in one file", at_key=True))
                continue
            first = Source(document.path, mark.line, mark.column)
            config, problems = read_duplicates(document.data[SECTION], self.schema)
            self.report(document, problems, loc)
            if config is None:
                continue
            clashes = [rule_id for rule_id in config.matchers if rule_id in rule_ids]
            for rule_id in clashes:
                self.errors.append(document.error(
                    (*loc, "matchers", rule_id), f"duplicate rule id '{rule_id}' (first defined "
                                                 f"at {rule_ids[rule_id]})", at_key=True))
            if not clashes:
                found = config
        return found, first

    # -- policies --------------------------------------------------------------------------

    def _policies(self, documents: list[Document]) -> tuple[list[FieldPolicy], set[str]]:
        policies: list[FieldPolicy] = []
        troubled: set[str] = set()
        seen: dict[str, Source] = {}
        for document in documents:
            for index, data in enumerate(document.data.get("policies") or []):
                loc: Loc = ("policies", index)
                policy = self._policy(document, data, loc)
                if policy is None:
                    written = data.get("field") if isinstance(data, dict) else None
                    if isinstance(written, str):
                        troubled.add(written.split(".", 1)[0])
                    continue
                if policy.key in seen:
                    self.errors.append(document.error(
                        (*loc, "field"), f"duplicate policy for {policy.key} (first at "
                                         f"{seen[policy.key]})"))
                    continue
                seen[policy.key] = self._source(document, loc)
                policies.append(policy)
        return policies, troubled

    def _policy(self, document: Document, data: Any, loc: Loc) -> FieldPolicy | None:
        if not isinstance(data, dict):
            self.errors.append(document.error(loc, "a policy is a mapping with field and editors"))
            return None
        spec = self._validate(document, FieldPolicySpec, data, loc)
        if spec is None:
            return None
        obj, _, name = spec.field.partition(".")
        if not name or "." in name:
            self.errors.append(document.error(
                (*loc, "field"), f"policy field {spec.field!r} must be Object.Field, "
                                 "e.g. Opportunity.Amount"))
            return None
        if not self._known_object(document, obj, (*loc, "field")):
            return None
        info = self.schema.field(obj, name)
        if info is None and not (name.endswith("__c") and not self.schema.is_described(obj)):
            self.errors.append(document.error(
                (*loc, "field"), f"unknown field '{name}' on {obj}"
                                 f"{did_you_mean(name, self.schema.fields(obj))}"))
            return None
        resolve = path_resolver(self.schema, obj)
        states = []
        failed = False
        for index, state in enumerate(spec.states):
            state_loc = (*loc, "states", index, "when")
            condition, problems = parse_condition(state.when, state_loc, resolve)
            if self.report(document, problems) or condition is None:
                failed = True
                continue
            states.append(PolicyState(condition, compile_condition(condition),
                                      folded(state.editors), tuple(state.editors)))
        if failed:
            return None
        return FieldPolicy(obj, name, folded(spec.editors), tuple(spec.editors), tuple(states),
                           spec.description)

    # -- rules -----------------------------------------------------------------------------

    def _validate(self, document: Document, model: type[BaseModel], data: dict[str, Any],
                  loc: Loc) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as error:
            self.report(document, problems_from(error, model, loc))
            return None

    def _known_object(self, document: Document, obj: str, loc: Loc) -> bool:
        if self.schema.has_object(obj):
            return True
        self.errors.append(document.error(
            loc, f"unknown object '{obj}'{did_you_mean(obj, self.schema.objects())}"))
        return False

    def _rule(self, document: Document, data: Any, loc: Loc, policies: list[FieldPolicy],
              troubled_objects: set[str]) -> Rule | None:
        """Check one rule as far as its mistakes allow, so the admin sees them all at once."""
        if not isinstance(data, dict):
            self.errors.append(document.error(loc, "a rule is a mapping with id, description, "
                                                   "kind, object and the kind's keys"))
            return None
        errors_before = len(self.errors)
        kind = self._kind(document, data, loc)
        common_keys = set(RuleSpec.model_fields)
        param_keys = set(kind.params.model_fields) if kind else set()
        for key in data:
            # Without a known kind, its keys cannot be told from typos: say nothing about them.
            if kind is not None and key not in common_keys | param_keys:
                known = sorted(common_keys | param_keys)
                self.errors.append(document.error(
                    (*loc, key), f"unknown key '{key}' for kind '{kind.name}'"
                                 f"{did_you_mean(key, known)}", at_key=True))
        spec = self._validate(document, RuleSpec,
                              {k: v for k, v in data.items() if k in common_keys}, loc)
        params = None if kind is None else self._validate(
            document, kind.params, {k: v for k, v in data.items() if k in param_keys}, loc)
        obj = data.get("object")
        if not isinstance(obj, str) or not self._known_object(document, obj, (*loc, "object")):
            obj = None
        elif kind is not None and kind.objects is not None and obj not in kind.objects:
            self.errors.append(document.error(
                (*loc, "object"), f"kind '{kind.name}' checks {', '.join(sorted(kind.objects))}, "
                                  f"not {obj}"))
            obj = None
        when = applies = None
        if obj is not None:
            if kind is not None:
                self.report(document, self._field_params(kind, data, obj), loc)
            if data.get("when") is not None:
                when, problems = parse_condition(data["when"], ("when",),
                                                 path_resolver(self.schema, obj))
                self.report(document, problems, loc)
                applies = compile_condition(when) if when is not None else None
        if kind is not None:
            self.report(document, self._action_problems(data, kind), loc)
        if obj is not None and kind is not None and params is not None:
            params.bind(obj)
            self.report(document, kind.prepare(params, obj, self.schema), loc)
            if kind.uses_policies:
                # A policy that failed to load would only add a misleading "no policy" here.
                troubled = troubled_objects if obj == "PermissionSet" else troubled_objects & {obj}
                if not troubled:
                    self.report(document, params.use_policies(policies), loc)
        if len(self.errors) != errors_before or spec is None or kind is None or params is None \
                or obj is None:
            return None
        return Rule(
            id=spec.id, description=spec.description, object=obj, kind=kind,
            severity=spec.severity, action=spec.action, params=params,
            source=self._source(document, loc),
            routing=Routing.parse(spec.routing) if spec.routing else Routing("owner"),
            when=when, applies=applies, tags=tuple(spec.tags), due_in_days=spec.due_in_days,
        )

    def _kind(self, document: Document, data: dict[str, Any], loc: Loc) -> KindSpec | None:
        name = data.get("kind")
        if not isinstance(name, str):
            return None  # RuleSpec validation reports it missing or not text
        kind = KINDS.get(name)
        if kind is None:
            self.errors.append(document.error(
                (*loc, "kind"), f"unknown rule kind '{name}'{did_you_mean(name, KINDS)}; "
                                f"kinds: {', '.join(KINDS)}"))
        return kind

    def _field_params(self, kind: KindSpec, data: dict[str, Any], obj: str) -> list[Problem]:
        """Params naming fields of the rule's object (``field``, ``fields``, ``country_field``)."""
        named: list[tuple[Loc, str, str]] = []
        for key in kind.field_params:
            value = data.get(key)
            if isinstance(value, str):
                named.append(((key,), key, value))
            elif isinstance(value, list):
                named.extend(((key, index), key, name) for index, name in enumerate(value)
                             if isinstance(name, str))
        problems = []
        for field_loc, key, name in named:
            if "." in name:
                problems.append(Problem(field_loc, f"'{key}' names a field of {obj} itself, "
                                                   f"not a path like {name!r}"))
                continue
            found = self.schema.resolve(obj, name)
            if not isinstance(found, FieldInfo):
                hint = did_you_mean(found.word, found.suggestions)
                problems.append(Problem(field_loc, found.message + hint))
        return problems

    @staticmethod
    def _action_problems(data: dict[str, Any], kind: KindSpec) -> list[Problem]:
        """How action, kind and routing fit together (read from the raw rule: an invalid
        severity elsewhere must not hide a conflicting action)."""
        try:
            action = Action(data.get("action", Action.REPORT.value))
        except ValueError:
            return []  # not an action at all: RuleSpec validation says so
        routing = data.get("routing")
        problems = []
        if action not in kind.actions:
            allowed = ", ".join(item.value for item in Action if item in kind.actions)
            why = {Action.FIX: "it proposes no fixes", Action.REVERT: "only edit_violation reverts"}
            reason = f" ({why[action]})" if action in why else ""
            problems.append(Problem(("action",), f"action '{action.value}' is not possible for "
                                                 f"kind '{kind.name}'{reason}; "
                                                 f"use one of {allowed}"))
        if not isinstance(routing, str):
            return problems
        if action is not Action.TASK:
            problems.append(Problem(("routing",), "'routing' says who gets a review task, but the "
                                                  f"action is '{action.value}', not 'task'"))
        elif routing == "editor_manager" and kind.name != "edit_violation":
            problems.append(Problem(("routing",), "routing 'editor_manager' needs an editor: only "
                                                  "edit_violation rules have one"))
        elif not _plausible_user(routing):
            hint = did_you_mean(routing, ["owner", "owner_manager", "editor_manager"])
            problems.append(Problem(("routing",), f"routing {routing!r} is not owner, "
                                                  "owner_manager, editor_manager, a user id "
                                                  f"(005...) or a username{hint}"))
        return problems


def _plausible_user(text: str) -> bool:
    if text in ("owner", "owner_manager", "editor_manager"):
        return True
    is_user_id = text.startswith("005") and len(text) in (15, 18) and text.isalnum()
    return is_user_id or ("@" in text and " " not in text)
