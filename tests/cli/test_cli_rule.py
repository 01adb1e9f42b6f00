"""`keras-loss-lint rule`: a rule's documentation with a header, like `ruff rule`."""

from __future__ import annotations

from keras_loss_lint.rules.registry import ALL_RULES, rule_by_code


def test_rule_prints_header_and_doc(cli, tmp_path):
    rule = rule_by_code("KLO201")
    assert rule is not None
    run = cli("rule", "KLO201")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == f"# {rule.name} (KLO201)"
    assert rule.summary in run.out
    assert f"Affects: Keras {rule.affects_description}" in run.out
    assert "Fix: safe: applied by --fix" in run.out
    assert rule.doc.strip() in run.out
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert heading in run.out


def test_rule_code_is_case_insensitive(cli, tmp_path):
    assert cli("rule", "klo201").out == cli("rule", "KLO201").out


def test_rule_without_fix_says_so(cli, tmp_path):
    without_fix = next(rule for rule in ALL_RULES if rule.fix_applicability is None)
    assert "Fix: none" in cli("rule", without_fix.code).out


def test_rule_all(cli, tmp_path):
    run = cli("rule", "--all")
    assert run.code == 0
    headers = [
        line
        for line in run.out.splitlines()
        if line.startswith("# ") and line.endswith(")") and "(KLO" in line
    ]
    assert [header.rsplit("(", 1)[1][:-1] for header in headers] == [rule.code for rule in ALL_RULES]


def test_rule_json(cli, tmp_path):
    one = cli("rule", "KLO201", "--output-format", "json").json()
    assert one["code"] == "KLO201"
    assert set(one) == {"code", "name", "summary", "affects", "fix", "explanation", "url"}
    every = cli("rule", "--all", "--output-format", "json").json()
    assert [entry["code"] for entry in every] == [rule.code for rule in ALL_RULES]


def test_unknown_rule_exits_2(cli, tmp_path):
    run = cli("rule", "KLO299")
    assert run.code == 2
    assert run.err.startswith("keras-loss-lint: error: unknown rule code 'KLO299'")
    assert run.err.count("\n") == 1


def test_rule_needs_a_code_or_all(cli, tmp_path):
    assert cli("rule").code == 2
    assert cli("rule", "KLO201", "--all").code == 2
