"""Every rule says what the semantics model says, on every known release.

Each rule fixture is linted for all known releases at once and for each release alone. A finding must
name exactly the releases it is reported for (`Report.versions`), be reported on one release alone
exactly when that release is among them, and stay within the releases the rule declares it affects;
the releases a rule affects are derived from the model, and its fixtures must show every one of them.
No rule module may state a version or an era itself.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

import libcst as cst
import pytest
from packaging.version import Version

from fixture_expectations import FIXTURES
from keras_loss_lint.analysis import extract_facts
from keras_loss_lint.analysis.facts import ModuleFacts
from keras_loss_lint.keras.versions import CANDIDATES, NEWER_THAN_KNOWN, NEWEST_KNOWN, TargetVersions
from keras_loss_lint.rules.base import Report, Rule, RuleContext
from keras_loss_lint.rules.registry import ALL_RULES

RULE_FIXTURES = sorted((FIXTURES / "rules").glob("*.py"))
RULES_PACKAGE = Path(__file__).resolve().parent.parent / "src" / "keras_loss_lint" / "rules"
# Rules about the linter itself speak of no release.
BEHAVIOUR_RULES = tuple(rule for rule in ALL_RULES if not rule.code.startswith("KLO9"))
# A release as a message names it (`describe_versions`): `3.5.0–3.6.0`, `3.7.0 and later`, `3.14.0`.
RUN = re.compile(r"(\d+\.\d+\.\d+)(?:\u2013(\d+\.\d+\.\d+)| and later)?")
AFTER_NEWEST = f"releases after {NEWEST_KNOWN}"
# A version written by hand (`3.0-3.4`, `Keras 3.5`), which no message may hold.
LOOSE_VERSION = re.compile(r"\b[23]\.\d+\b")
# The era vocabulary of keras/versions.py; rules may name the `Version` type but never build one.
ERA_NAMES = {"LossEra", "MetricsEra", "InputsEra", "loss_era", "metrics_era", "inputs_era"}

Finding = tuple[str, int]  # (code, id of the reported node)


@lru_cache(maxsize=None)
def facts_of(path: Path) -> ModuleFacts:
    source = path.read_text(encoding="utf-8")
    return extract_facts(cst.parse_module(source), source)


def reports_on(path: Path, versions: tuple[Version, ...]) -> list[Report]:
    """The rules' own reports, before the core positions them: each carries the releases it names."""
    context = RuleContext(facts_of(path), TargetVersions(versions))
    found: list[Report] = []
    for rule in BEHAVIOUR_RULES:
        if context.affected(rule):
            found.extend(rule.check(context))
    return found


@lru_cache(maxsize=None)
def on_every_release(path: Path) -> dict[Finding, Report]:
    return {(report.code, id(report.node)): report for report in reports_on(path, CANDIDATES)}


def rule_of(code: str) -> Rule:
    return next(rule for rule in ALL_RULES if rule.code == code)


def named_releases(message: str) -> set[Version]:
    """The known releases a message names, read back from its text."""
    named: set[Version] = set()
    if AFTER_NEWEST in message:
        named.add(NEWER_THAN_KNOWN)
        message = message.replace(AFTER_NEWEST, "")
    for match in RUN.finditer(message):
        first = Version(match.group(1))
        if match.group(2):
            last = Version(match.group(2))
            named.update(v for v in CANDIDATES if first <= v <= last)
        elif match.group(0).endswith("and later"):
            named.update(v for v in CANDIDATES if v >= first)
        else:
            named.add(first)
    return named


def spoken_of(report: Report) -> set[Version]:
    """The releases a report is about: its own, or every release for a finding about the code."""
    return set(report.versions) if report.versions is not None else set(CANDIDATES)


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: p.name)
def test_each_message_names_exactly_its_releases(path: Path) -> None:
    for report in on_every_release(path).values():
        if report.versions is None:
            assert rule_of(report.code).affects.is_every_release, f"{report.code} names no release: {report.message}"
            continue
        assert report.versions, f"{report.code} reported for no release: {report.message}"
        assert named_releases(report.message) == set(report.versions), (report.code, report.message)
        leftover = RUN.sub("", report.message)
        assert not LOOSE_VERSION.search(leftover), f"{report.code} states a version by hand: {report.message}"


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: p.name)
def test_a_finding_appears_on_a_release_alone_exactly_where_it_says(path: Path) -> None:
    every = on_every_release(path)
    for version in CANDIDATES:
        alone = {(report.code, id(report.node)): report for report in reports_on(path, (version,))}
        expected = {finding for finding, report in every.items() if version in spoken_of(report)}
        assert set(alone) == expected, (
            f"on {version}: reported only alone {[every.get(f, f) for f in set(alone) - expected]}, "
            f"missing alone {[every[f].message for f in expected - set(alone)]}"
        )
        for report in alone.values():
            if report.versions is not None:
                assert report.versions == (version,), (report.code, version, report.message)


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: p.name)
def test_findings_stay_within_the_releases_the_model_says_misbehave(path: Path) -> None:
    for report in on_every_release(path).values():
        rule = rule_of(report.code)
        assert spoken_of(report) <= rule.affects.known, (report.code, report.message)
        if report.judgement is not None:
            assert spoken_of(report) <= set(report.judgement.misbehaving()), (report.code, report.message)


@pytest.mark.parametrize("rule", BEHAVIOUR_RULES, ids=lambda rule: rule.code)
def test_the_fixtures_show_every_release_a_rule_affects(rule: Rule) -> None:
    shown: set[Version] = set()
    for path in RULE_FIXTURES:
        shown.update(
            version for report in on_every_release(path).values() if report.code == rule.code
            for version in spoken_of(report)
        )
    known = set(rule.affects.known)
    assert shown == known, (
        f"{rule.code} affects {len(known)} releases by the model, its fixtures show {len(shown)}; "
        f"never shown: {sorted(known - shown)[:5]}, beyond: {sorted(shown - known)[:5]}"
    )


@pytest.mark.parametrize(
    "path", sorted(p for p in RULES_PACKAGE.glob("*.py") if p.name != "docs.py"), ids=lambda p: p.name
)
def test_no_rule_module_states_a_version_or_an_era(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Docstrings are documentation: a rule's may tell its story release by release.
    docstrings = {id(node) for node in _docstring_nodes(tree)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            assert node.id not in ERA_NAMES, f"{path.name}:{node.lineno} uses {node.id}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "Version", f"{path.name}:{node.lineno} builds a Version"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = {alias.name for alias in node.names}
            assert not names & ERA_NAMES, f"{path.name}:{node.lineno} imports {names & ERA_NAMES}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            assert not LOOSE_VERSION.search(node.value), f"{path.name}:{node.lineno} states {node.value!r}"


def _docstring_nodes(tree: ast.Module) -> list[ast.Constant]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef, ast.Module)):
            if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
                found.append(node.body[0].value)
    return found


def test_the_consistency_check_reads_what_messages_say() -> None:
    """The reader of messages itself: a run, an open end, a single release."""
    assert named_releases("Keras 3.5.0\u20133.6.0 raise") == {Version("3.5.0"), Version("3.6.0")}
    assert Version("3.15.1") in named_releases("on Keras 3.7.0 and later")
    assert named_releases("on Keras 3.14.0 'b' would") == {Version("3.14.0")}
