"""The one entry point every front end calls: source text in, diagnostics out."""

from __future__ import annotations

from typing import Iterable

import libcst as cst

from keras_loss_lint.diagnostics import Diagnostic, Edit, Fix, LintResult, Span
from keras_loss_lint.facts import extract_facts
from keras_loss_lint.noqa import NoqaIndex, file_is_exempt, split_lines
from keras_loss_lint.positions import locate
from keras_loss_lint.precheck import has_candidate
from keras_loss_lint.rules.base import FixProposal, Report, RuleContext
from keras_loss_lint.rules.registry import ALL_RULES
from keras_loss_lint.settings import DEFAULT_SETTINGS, Settings

__all__ = ["has_candidate", "lint_module", "lint_source"]

# Parsing is linear but LibCST's tree costs ~1 KB per source character: a 10 MB module takes minutes
# and gigabytes. Training scripts are a few hundred KB at most.
MAX_ANALYSED_MB = 2
MAX_ANALYSED_CHARACTERS = MAX_ANALYSED_MB * 1_000_000


def lint_source(
    source: str, path: str | None = None, settings: Settings = DEFAULT_SETTINGS
) -> LintResult:
    """Lint one module's text. Never raises on user input: a parse failure is `LintResult.error`."""
    if not has_candidate(source):
        return LintResult()
    if len(source) > MAX_ANALYSED_CHARACTERS:
        size = len(source.encode("utf-8", "surrogatepass")) / 1_000_000
        return LintResult(error=f"too large to analyse ({size:.1f} MB; the limit is {MAX_ANALYSED_MB} MB)")
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError) as error:
        return LintResult(error=_describe_parse_error(error))
    return lint_module(module, source, settings)


def lint_module(module: cst.Module, source: str, settings: Settings) -> LintResult:
    # LibCST walks its trees recursively (extraction, code generation for positions): an expression
    # nested thousands deep that Python itself accepts can exhaust the stack anywhere in here.
    try:
        facts = extract_facts(module, source)
        context = RuleContext(facts, settings.target)
        reports = list(_run_rules(context, settings))
        if not reports:
            return LintResult()
        return _to_result(module, source, reports, settings)
    except RecursionError:
        return LintResult(error="too deeply nested to analyse")


def _run_rules(context: RuleContext, settings: Settings) -> Iterable[Report]:
    for rule in ALL_RULES:
        if not settings.selection.is_enabled(rule.code) or not context.affected(rule):
            continue
        yield from rule.check(context)


def _to_result(
    module: cst.Module, source: str, reports: list[Report], settings: Settings
) -> LintResult:
    fixes = {report: report.fix() if report.fix is not None else None for report in reports}
    wanted = [report.node for report in reports]
    wanted += [edit.node for proposal in fixes.values() if proposal is not None for edit in proposal.edits]
    positions = locate(module, source, wanted)
    diagnostics = {_to_diagnostic(report, fixes[report], positions) for report in reports}
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    if not settings.honour_noqa:
        return LintResult(tuple(ordered))
    if file_is_exempt(split_lines(source)):
        return LintResult((), noqa_suppressed=tuple(ordered))
    noqa = NoqaIndex(source)
    kept = [d for d in ordered if not noqa.suppresses(d.line, d.code)]
    suppressed = [d for d in ordered if noqa.suppresses(d.line, d.code)]
    return LintResult(tuple(kept), noqa_suppressed=tuple(suppressed))


def _to_diagnostic(report: Report, proposal: FixProposal | None, positions: dict[cst.CSTNode, Span]) -> Diagnostic:
    return Diagnostic(report.code, report.message, positions[report.node], _resolve_fix(proposal, positions))


def _resolve_fix(proposal: FixProposal | None, positions: dict[cst.CSTNode, Span]) -> Fix | None:
    if proposal is None:
        return None
    edits = tuple(Edit(positions[edit.node], edit.content) for edit in proposal.edits)
    return Fix(proposal.message, proposal.applicability, edits)


def _describe_parse_error(error: Exception) -> str:
    if isinstance(error, cst.ParserSyntaxError):
        return f"syntax error at {error.raw_line}:{error.raw_column}: {error.message}"
    if isinstance(error, RecursionError):
        return "too deeply nested to parse"
    return f"cannot parse: {error}"
