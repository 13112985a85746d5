"""Rule-file mistakes: every one reported as path:line:column: message, all at once.

Each case is a malformed rule file (written to a temporary directory) and the exact errors an
admin sees, 1-based lines and columns as editors count them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.model import FieldInfo
from engine.pack import RuleErrors, load_pack

#: A valid rule; cases add one wrong line to it.
RULE = """\
rules:
  - id: r1
    description: A rule.
    kind: required
    object: Lead
    field: Company
"""

MALFORMED = [
    pytest.param(
        """\
rules:
  - {id: r1, description: x
""",
        [
            "3:1: YAML syntax error: expected ',' or '}', but got '<stream end>' "
            '(while parsing a flow mapping)',
        ],
        id="syntax_unclosed_flow",
    ),
    pytest.param(
        'rules:\n\t- id: r1\n',
        [
            "2:1: YAML syntax error: found character '\\t' that cannot start any "
            'token (while scanning for the next token)',
        ],
        id="syntax_tab",
    ),
    pytest.param(
        """\
rules:
  - id: r1
   description: x
""",
        [
            "3:4: YAML syntax error: expected <block end>, but found '<block "
            "mapping start>' (while parsing a block collection)",
        ],
        id="syntax_bad_indent",
    ),
    pytest.param(
        RULE + """\
---
rules: []
""",
        [
            '7:1: YAML syntax error: expected a single document in the stream, but '
            'found another document',
        ],
        id="two_documents",
    ),
    pytest.param(
        '',
        ["1:1: the file is empty; a rule file is a mapping with a 'rules' list"],
        id="empty_file",
    ),
    pytest.param(
        """\
- id: r1
""",
        ['1:1: a rule file is a mapping with keys rules, policies, tests, context, duplicates'],
        id="top_level_list",
    ),
    pytest.param(
        """\
rule:
  - id: r1
""",
        [
            "1:1: unknown top-level key 'rule' (did you mean 'rules'?); a rule file"
            ' has rules, policies, tests, context, duplicates',
        ],
        id="unknown_top_key",
    ),
    pytest.param(
        """\
rules: {id: r1}
""",
        ["1:8: 'rules' must be a list"],
        id="rules_not_a_list",
    ),
    pytest.param(
        """\
rules:
  - required Company
""",
        ["2:5: a rule is a mapping with id, description, kind, object and the kind's keys"],
        id="rule_not_mapping",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    kind: required
    object: Lead
    field: Company
""",
        ["2:5: missing required key 'description'"],
        id="missing_description",
    ),
    pytest.param(
        RULE + """\
    severty: error
""",
        ["7:5: unknown key 'severty' for kind 'required' (did you mean 'severity'?)"],
        id="unknown_key_did_you_mean",
    ),
    pytest.param(
        RULE + """\
    pattern: x
""",
        ["7:5: unknown key 'pattern' for kind 'required'"],
        id="unknown_param_for_kind",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: decay
    object: Contact
    field: LastActivityDate
    days: ten
""",
        ["7:11: 'days' must be a whole number, not 'ten'"],
        id="wrong_type_days",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: required
    object: Contact
    fields: Email
""",
        ["6:13: 'fields' must be a list, not 'Email'"],
        id="wrong_type_fields",
    ),
    pytest.param(
        RULE + """\
    severity: critical
""",
        ["7:15: 'severity' must be one of info, warning, error, not 'critical'"],
        id="bad_severity",
    ),
    pytest.param(
        RULE + """\
    action: fixit
""",
        [
            "7:13: 'action' must be one of report, task, fix, revert, not 'fixit' "
            "(did you mean 'fix'?)",
        ],
        id="bad_action_value",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: requird
    object: Lead
    field: Company
""",
        [
            "4:11: unknown rule kind 'requird' (did you mean 'required'?); kinds: "
            'required, format, allowed_values, consistency, normalise, decay, '
            'permission_drift, edit_violation, stage_progression',
        ],
        id="unknown_kind",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: required
    object: Leed
    field: Company
""",
        ["5:13: unknown object 'Leed' (did you mean 'Lead'?)"],
        id="unknown_object",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: required
    object: Lead
    field: Compnay
""",
        ["6:12: unknown field 'Compnay' on Lead (did you mean 'Company'?)"],
        id="unknown_field",
    ),
    pytest.param(
        RULE + """\
    when: {field: Owner.Manger.Email, present: true}
""",
        ["7:19: unknown relationship 'Manger' on User (did you mean 'Manager'?)"],
        id="unknown_relationship_in_condition",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: format
    object: Lead
    field: PostalCode
    format: regex
    pattern: '[0-9'
""",
        ["8:14: bad regular expression '[0-9': unterminated character set at position 0"],
        id="bad_regex_pattern",
    ),
    pytest.param(
        RULE + """\
    when: {field: Email, matches: '(gmail'}
""",
        ["7:35: bad regular expression '(gmail': missing ), unterminated subpattern at position 0"],
        id="bad_regex_condition",
    ),
    pytest.param(
        RULE + """\
    action: fix
""",
        [
            "7:13: action 'fix' is not possible for kind 'required' (it proposes no"
            ' fixes); use one of report, task',
        ],
        id="action_fix_on_required",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: normalise
    object: Lead
    field: LastName
    steps: [trim]
    action: revert
""",
        [
            "8:13: action 'revert' is not possible for kind 'normalise' (only "
            'edit_violation reverts); use one of report, task, fix',
        ],
        id="action_revert_on_normalise",
    ),
    pytest.param(
        RULE + """\
    routing: owner_manager
""",
        ["7:14: 'routing' says who gets a review task, but the action is 'report', not 'task'"],
        id="routing_without_task",
    ),
    pytest.param(
        RULE + """\
    action: task
    routing: editor_manager
""",
        ["8:14: routing 'editor_manager' needs an editor: only edit_violation rules have one"],
        id="routing_editor_manager_wrong_kind",
    ),
    pytest.param(
        RULE + """\
    action: task
    routing: owner manager
""",
        [
            "8:14: routing 'owner manager' is not owner, owner_manager, "
            'editor_manager, a user id (005...) or a username (did you mean '
            "'owner_manager'?)",
        ],
        id="routing_nonsense",
    ),
    pytest.param(
        RULE + """\
    when: {field: Email, equal: x}
""",
        ["7:26: unknown condition operator 'equal' (did you mean 'equals'?)"],
        id="bad_operator",
    ),
    pytest.param(
        RULE + """\
    when: {field: Email, present: true, matches: x}
""",
        [
            "7:11: the condition on 'Email' has 2 operators (present, matches); "
            'combine tests with all: [...]',
        ],
        id="two_operators",
    ),
    pytest.param(
        RULE + """\
    when: {field: Email}
""",
        [
            "7:11: the condition on 'Email' needs an operator: equals, not_equals, "
            'in, not_in, present, absent, matches, greater_than, less_than, '
            'at_least, at_most, older_than_days, newer_than_days, equals_field, '
            'not_equals_field',
        ],
        id="no_operator",
    ),
    pytest.param(
        RULE + """\
    when: Email is present
""",
        ['7:11: a condition is a mapping such as {field: StageName, equals: Closed Won}'],
        id="condition_not_mapping",
    ),
    pytest.param(
        RULE + """\
    when: {field: Status, in: Open}
""",
        ["7:31: 'in' takes a non-empty list of values, e.g. [Prospecting, Qualification]"],
        id="in_takes_a_list",
    ),
    pytest.param(
        RULE + """\
    when: {all: {field: Status, equals: Open}}
""",
        ["7:17: 'all' takes a non-empty list of conditions"],
        id="all_takes_a_list",
    ),
    pytest.param(
        RULE + """\
    when: {field: Email, older_than_days: 3}
""",
        ["7:43: 'older_than_days' needs a date or datetime field; Email is email"],
        id="days_on_text_field",
    ),
    pytest.param(
        RULE + """\
    when: {field: $stage.IsClosed, equals: true}
""",
        ["7:19: '$stage.IsClosed' is only available on Opportunity"],
        id="stage_field_on_lead",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: required
    object: Lead
    field: Company
    field: Email
""",
        ["7:5: duplicate key 'field' (first given at line 6)"],
        id="duplicate_key",
    ),
    pytest.param(
        RULE + """\
    fields: [Email]
""",
        ["2:5: give either 'field' or 'fields'"],
        id="field_and_fields",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: format
    object: Lead
    field: PostalCode
    format: regex
""",
        ["2:5: format regex needs a 'pattern'"],
        id="regex_without_pattern",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: stage_progression
    object: Account
    checks: [jump]
""",
        ["5:13: kind 'stage_progression' checks Opportunity, not Account"],
        id="kind_on_wrong_object",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: edit_violation
    object: Lead
""",
        ["5:13: no field policy covers Lead: declare one under 'policies'"],
        id="edit_violation_without_policy",
    ),
    pytest.param(
        """\
policies:
  - field: Amount
    editors: [Sales Ops]
""",
        ["2:12: policy field 'Amount' must be Object.Field, e.g. Opportunity.Amount"],
        id="policy_field_shape",
    ),
    pytest.param(
        """\
policies:
  - field: Opportunity.Amout
    editors: [Sales Ops]
""",
        ["2:12: unknown field 'Amout' on Opportunity (did you mean 'Amount'?)"],
        id="policy_unknown_field",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: allowed_values
    object: Lead
    field: Industry
    values: [Banking, Retail]
    aliases: {Tech: Technology}
""",
        ["8:14: alias 'Tech' points to 'Technology', which is not one of the allowed values"],
        id="alias_to_unknown_value",
    ),
    pytest.param(
        """\
rules:
  - id: my rule
    description: x
    kind: required
    object: Lead
    field: Company
""",
        [
            "2:9: rule id 'my rule' may only use letters, digits and - _ . (and "
            'must start with a letter or digit)',
        ],
        id="rule_id_with_space",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: decay
    object: Contact
    field: LastActivityDate
    days: 0
""",
        ["7:11: 'days' must be at least 1, not 0"],
        id="days_zero",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: consistency
    object: Opportunity
    field: CloseDate
    forbid: {field: CloseDate, older_than_days: 0}
    message: 'closes {ClosDate}'
""",
        [
            "8:14: placeholder {ClosDate}: unknown field 'ClosDate' on Opportunity "
            "(did you mean 'CloseDate'?)",
        ],
        id="placeholder_unknown",
    ),
    pytest.param(
        RULE + """\
tests:
  - name: t
    rule: r2
    records: [{Id: a}]
    expect: {findings: []}
""",
        ["9:11: no rule with id 'r2'"],
        id="test_unknown_rule",
    ),
    pytest.param(
        RULE + """\
tests:
  - name: t
    rule: r1
    records: [{Company: x}]
    expect: {findings: []}
""",
        ['10:15: each test record needs an Id (text)'],
        id="test_record_without_id",
    ),
    pytest.param(
        RULE + """\
tests:
  - name: t
    rule: r1
    records: [{Id: a}]
    expect: {finding: []}
""",
        ["11:14: unknown key 'finding' (did you mean 'findings'?)"],
        id="test_bad_expect_key",
    ),
    pytest.param(
        """\
rules:
  - id: r1
    description: x
    kind: decay
    object: Contact
    field: Email
    days: 30
""",
        ["6:12: 'field' must be a date or datetime field; Contact.Email is email"],
        id="decay_on_text_field",
    ),
]


def _errors(path: Path, describe: dict[str, dict[str, FieldInfo]] | None = None) -> list[str]:
    with pytest.raises(RuleErrors) as raised:
        load_pack(path, describe=describe)
    return [str(error) for error in raised.value.errors]


@pytest.mark.parametrize(("text", "expected"), MALFORMED)
def test_malformed_file_is_reported_at_its_place(tmp_path: Path, text: str,
                                                  expected: list[str]) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    assert _errors(path) == [f"{path}:{line}" for line in expected]


def test_the_valid_rule_the_cases_start_from_loads(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULE, encoding="utf-8")
    assert [rule.id for rule in load_pack(path).rules] == ["r1"]


def test_duplicate_ids_across_two_files_point_at_both(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(RULE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("# another file\n" + RULE, encoding="utf-8")
    assert _errors(tmp_path) == [
        f"{tmp_path / 'b.yaml'}:3:9: duplicate rule id 'r1' (first defined at "
        f"{tmp_path / 'a.yaml'}:2:5)"]


def test_errors_of_every_file_come_together_sorted(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(RULE + "    severty: error\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("rules:\n  - id: r2\n    description: x\n"
                                     "    kind: decay\n    object: Contact\n"
                                     "    field: Emial\n    days: many\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text("rules: [\n", encoding="utf-8")
    errors = _errors(tmp_path)
    assert errors == [
        f"{tmp_path / 'a.yaml'}:7:5: unknown key 'severty' for kind 'required' "
        "(did you mean 'severity'?)",
        f"{tmp_path / 'b.yaml'}:6:12: unknown field 'Emial' on Contact (did you mean 'Email'?)",
        f"{tmp_path / 'b.yaml'}:7:11: 'days' must be a whole number, not 'many'",
        f"{tmp_path / 'c.yaml'}:2:1: YAML syntax error: expected the node content, but found "
        "'<stream end>' (while parsing a flow node)",
    ]


def test_the_message_lists_every_error_under_a_count(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULE + "    severity: high\n    action: fix\n", encoding="utf-8")
    with pytest.raises(RuleErrors) as raised:
        load_pack(path)
    assert str(raised.value).splitlines() == [
        "2 errors in the rule files",
        f"{path}:7:15: 'severity' must be one of info, warning, error, not 'high'",
        f"{path}:8:13: action 'fix' is not possible for kind 'required' (it proposes no fixes); "
        "use one of report, task",
    ]
    assert raised.value.exit_code == 1


CUSTOM = """\
rules:
  - id: r1
    description: Leads carry their region.
    kind: required
    object: Lead
    field: Region__c
"""


def test_custom_fields_pass_without_describe_and_are_checked_with_it(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(CUSTOM, encoding="utf-8")
    assert load_pack(path).rules[0].params.targets == ("Region__c",)  # type: ignore[attr-defined]
    describe = {"Lead": {"Email": FieldInfo("Email", "email"),
                         "Regions__c": FieldInfo("Regions__c", "picklist")}}
    assert _errors(path, describe) == [
        f"{path}:6:12: unknown field 'Region__c' on Lead (did you mean 'Regions__c'?)"]


def test_a_missing_directory_is_one_clear_error(tmp_path: Path) -> None:
    from engine.errors import WeederError

    with pytest.raises(WeederError, match="no rules at .*nowhere: no such file or directory"):
        load_pack(tmp_path / "nowhere")
