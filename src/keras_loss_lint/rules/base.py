"""What a rule is, and what it may ask of the core while it runs."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

import libcst as cst
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.keras.versions import TargetVersions, describe_range

if TYPE_CHECKING:
    from keras_loss_lint.analysis.facts import ModuleFacts

DOCS_URL = "https://github.com/keras-loss-lint/keras-loss-lint/blob/main/docs/rules/{code}.md"


@dataclass(frozen=True)
class NodeEdit:
    """Replace one node of the analysed module with new source text (kept lazy until needed)."""

    node: cst.CSTNode
    content: str


@dataclass(frozen=True)
class FixProposal:
    message: str
    applicability: Applicability
    edits: tuple[NodeEdit, ...]


@dataclass(frozen=True)
class Report:
    """A finding as a rule states it: positions are resolved by the core only for what is reported."""

    code: str
    node: cst.CSTNode
    message: str
    fix: Callable[[], FixProposal | None] | None = None


@dataclass
class RuleContext:
    facts: "ModuleFacts"
    target: TargetVersions

    def affected(self, rule: "Rule") -> tuple[Version, ...]:
        return self.target.matching(rule.affects)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    affects: SpecifierSet
    check: Callable[[RuleContext], Iterable[Report]]
    doc: str = ""
    fix_applicability: Applicability | None = None

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)

    @property
    def affects_description(self) -> str:
        from keras_loss_lint.keras.versions import CANDIDATES

        if self.code.startswith("KLO9"):  # the KLO9xx family is about the linter itself
            return "any (about the linter itself)"

        return describe_range(v for v in CANDIDATES if self.affects.contains(v, prereleases=True))


def define_rule(
    code: str,
    name: str,
    summary: str,
    affects: str,
    check: Callable[[RuleContext], Iterable[Report]],
    fix_applicability: Applicability | None = None,
) -> Rule:
    """Build a rule whose documentation is the docstring of the module that defines `check`."""
    module = inspect.getmodule(check)
    doc = inspect.cleandoc(module.__doc__ or "") if module is not None else ""
    return Rule(code, name, summary, SpecifierSet(affects), check, doc, fix_applicability)
