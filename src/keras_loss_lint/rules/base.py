"""What a rule is, and what it may ask of the core while it runs."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterable, Optional, Sequence

import libcst as cst
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.keras.judgement import ALL_ASPECTS, Aspect, AnyScenario, Judgement, affected_by, misbehaves_on
from keras_loss_lint.keras.versions import CANDIDATES, TargetVersions, describe_range

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
    """A finding as a rule states it: positions are resolved by the core only for what is reported.

    `versions` are the releases the message speaks of (None: the finding is about the code on every
    release), and `judgement` the semantics model's answer they were read from."""

    code: str
    node: cst.CSTNode
    message: str
    fix: Callable[[], FixProposal | None] | None = None
    versions: Optional[tuple[Version, ...]] = None
    judgement: Optional[Judgement] = None


@dataclass(frozen=True)
class Affects:
    """The releases a rule may speak of. A rule about Keras behaviour derives them from the semantics
    model: the releases on which one of its example scenarios misbehaves."""

    known: frozenset[Version]
    examples: tuple[AnyScenario, ...] = ()
    aspects: tuple[Aspect, ...] = ALL_ASPECTS
    untrained: bool = False
    against_keras_2: bool = False
    specifier: Optional[SpecifierSet] = None

    @classmethod
    def every_release(cls) -> "Affects":
        return cls(frozenset(CANDIDATES))

    @classmethod
    def from_model(
        cls,
        examples: Sequence[AnyScenario],
        aspects: Sequence[Aspect] = ALL_ASPECTS,
        *,
        untrained: bool = False,
        against_keras_2: bool = False,
    ) -> "Affects":
        known = affected_by(examples, aspects, untrained=untrained, against_keras_2=against_keras_2)
        return cls(known, tuple(examples), tuple(aspects), untrained, against_keras_2)

    @property
    def is_every_release(self) -> bool:
        return not self.examples and self.specifier is None

    def contains(self, version: Version) -> bool:
        if self.specifier is not None:
            return self.specifier.contains(version, prereleases=True)
        if self.is_every_release:
            return True
        if version in CANDIDATES:
            return version in self.known
        options = {"aspects": self.aspects, "untrained": self.untrained, "against_keras_2": self.against_keras_2}
        return misbehaves_on(version, self.examples, **options)


@dataclass
class RuleContext:
    facts: "ModuleFacts"
    target: TargetVersions

    def affected(self, rule: "Rule") -> tuple[Version, ...]:
        return _affected(rule.affects, self.target.versions)


@lru_cache(maxsize=1024)
def _affected(affects: "Affects", versions: tuple[Version, ...]) -> tuple[Version, ...]:
    """Cached: every rule asks this for every file, with the same few targets."""
    return tuple(version for version in versions if affects.contains(version))


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    affects: Affects
    check: Callable[[RuleContext], Iterable[Report]]
    doc: str = ""
    fix_applicability: Applicability | None = None

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)

    @property
    def affects_description(self) -> str:
        if self.code.startswith("KLO9"):  # the KLO9xx family is about the linter itself
            return "any (about the linter itself)"

        return describe_range(v for v in CANDIDATES if self.affects.contains(v))


def define_rule(
    code: str,
    name: str,
    summary: str,
    affects: Affects | str,
    check: Callable[[RuleContext], Iterable[Report]],
    fix_applicability: Applicability | None = None,
) -> Rule:
    """Build a rule whose documentation is the docstring of the module that defines `check`."""
    module = inspect.getmodule(check)
    doc = inspect.cleandoc(module.__doc__ or "") if module is not None else ""
    if isinstance(affects, str):
        affects = _from_specifier(affects)
    return Rule(code, name, summary, affects, check, doc, fix_applicability)


def _from_specifier(text: str) -> Affects:
    """A rule about the code itself affects every release; a specifier is kept for rules not yet
    answered by the semantics model."""
    if not text:
        return Affects.every_release()
    specifier = SpecifierSet(text)
    return Affects(frozenset(v for v in CANDIDATES if specifier.contains(v, prereleases=True)), specifier=specifier)
