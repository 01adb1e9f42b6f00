"""The one entry point every front end calls: source text in, diagnostics out.

With the project's index (found from the file's path unless the face hands one over), the imports of
the project's own modules are followed: a model built in another module is checked where this file
compiles or fits it, the result lists the files it was read from (`LintResult.dependencies`), and a
message about such a model says where its outputs were built. Only this file's own nodes are
reported or edited.

Each rule runs in isolation, and so does each fix builder: an exception in one costs that rule or that
fix (reported as one KLO901 diagnostic naming it), never the file's other findings. Fixes are built
only when the face asks for them (`fixes=True`): flake8 never shows them.
"""

from __future__ import annotations

import gc
import os
import re
from contextlib import contextmanager
from typing import Iterable, Iterator, Optional, Union

import libcst as cst

from keras_loss_lint.analysis import ModuleFacts, extract_facts
from keras_loss_lint.analysis.facts import CallFacts, ModelOrigin
from keras_loss_lint.core.diagnostics import Diagnostic, Edit, Fix, LintResult, Position, Span
from keras_loss_lint.core.noqa import FileExemption, NoqaIndex, file_exemption, split_lines
from keras_loss_lint.core.positions import locate
from keras_loss_lint.core.precheck import has_candidate, needs_analysis
from keras_loss_lint.core.syntax import syntax_problem
from keras_loss_lint.core.unused_noqa import CODE as UNUSED_NOQA
from keras_loss_lint.core.unused_noqa import unused_noqa
from keras_loss_lint.keras.versions import TargetVersions
from keras_loss_lint.project.index import ProjectIndex, index_for
from keras_loss_lint.project.settings import DEFAULT_SETTINGS, Settings
from keras_loss_lint.rules.base import FixProposal, Report, RuleContext
from keras_loss_lint.rules.klo901_internal_error import CODE as INTERNAL_ERROR
from keras_loss_lint.rules.registry import ALL_RULES

__all__ = ["has_candidate", "lint_module", "lint_source"]

# Parsing is linear but LibCST's tree costs ~1 KB per source character: a 10 MB module takes minutes
# and gigabytes. Training scripts are a few hundred KB at most.
MAX_ANALYSED_MB = 2
MAX_ANALYSED_CHARACTERS = MAX_ANALYSED_MB * 1_000_000
MODULE_START = Span(Position(1, 0), Position(1, 0))
_NOQA_WORD = re.compile("noqa", re.IGNORECASE)
# Lines of model constructions in imported modules: their trees are shared by every file of a run.
MAX_ORIGIN_LINES = 4_096
_ORIGIN_LINES: dict[int, tuple[cst.CSTNode, int]] = {}


ProjectChoice = Union[ProjectIndex, bool, None]


def lint_source(
    source: str,
    path: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    fixes: bool = True,
    project: ProjectChoice = True,
) -> LintResult:
    """Lint one module's text. Never raises on user input: a parse failure is `LintResult.error`.

    `fixes=False` skips building fixes (every diagnostic's `fix` is then None). `project` is where the
    project's other modules are read from: True finds the project holding `path` on disk (nothing
    without a path), an index reads through it (the language server's holds unsaved editor text),
    False or None follows no import.
    """
    index = project_for(path, project)
    if not needs_analysis(source, path, index):
        return LintResult()
    if len(source) > MAX_ANALYSED_CHARACTERS:
        size = len(source.encode("utf-8", "surrogatepass")) / 1_000_000
        return LintResult(error=f"too large to analyse ({size:.1f} MB; the limit is {MAX_ANALYSED_MB} MB)")
    with _no_cyclic_gc():
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as error:
            problem = syntax_problem(source, error)
            where = f"{problem.position.line}:{problem.position.column}"
            return LintResult(error=f"syntax error at {where}: {problem.message}", syntax_error=problem)
        except (RecursionError, MemoryError, ValueError) as error:
            return LintResult(error=_describe_parse_error(error))
        return lint_module(module, source, settings, fixes=fixes, path=path, project=index)


def project_for(path: str | None, project: ProjectChoice) -> Optional[ProjectIndex]:
    """The index `lint_source` reads other modules through (see its `project` argument)."""
    if project is True:
        return index_for(path)
    return project or None


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A parse allocates a tree of acyclic nodes, millions for a large module, and each allocation burst
    triggers a cyclic collection that walks all of them: 10-25% of the parse (measured on the
    standard library). The tree holds no cycles, so collecting afterwards loses nothing."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def lint_module(
    module: cst.Module,
    source: str,
    settings: Settings,
    *,
    fixes: bool = True,
    path: str | None = None,
    project: ProjectIndex | None = None,
) -> LintResult:
    # LibCST walks its trees recursively (extraction, code generation for positions): an expression
    # nested thousands deep that Python itself accepts can exhaust the stack anywhere in here.
    try:
        where = os.path.abspath(path) if path and project is not None else None
        facts = extract_facts(module, source, path=where, locator=project)
        context = RuleContext(facts, _target_of(facts, settings))
        failures: list[Diagnostic] = []
        reports = list(_run_rules(context, settings, failures))
        if not reports and not failures and not _may_hold_noqa(source):
            return LintResult(dependencies=facts.dependencies, partial=facts.partial)
        result = _to_result(module, source, reports, failures, settings, fixes, facts)
        return result.replace(dependencies=facts.dependencies, partial=facts.partial)
    except RecursionError:
        return LintResult(error="too deeply nested to analyse")


def _target_of(facts: ModuleFacts, settings: Settings) -> TargetVersions:
    """`tf_keras` is Keras 2 whatever the project targets: a module whose Keras names all come from it
    is checked against Keras 2 releases only."""
    if facts.keras_packages == {"tf_keras"}:
        return settings.target.keras_2_only()
    return settings.target


def _run_rules(context: RuleContext, settings: Settings, failures: list[Diagnostic]) -> Iterable[Report]:
    for rule in ALL_RULES:
        if not settings.selection.is_enabled(rule.code) or not context.affected(rule):
            continue
        try:
            found = list(rule.check(context))
        except Exception as error:  # noqa: BLE001 - a broken rule costs only its own findings
            _record_failure(failures, settings, f"rule {rule.code} ({rule.name}) failed", error)
            continue
        yield from found


def _record_failure(failures: list[Diagnostic], settings: Settings, what: str, error: Exception) -> None:
    if settings.selection.is_enabled(INTERNAL_ERROR):
        message = f"internal error: {what}: {type(error).__name__}: {error}; the other findings are unaffected"
        failures.append(Diagnostic(INTERNAL_ERROR, message, MODULE_START))


def _to_result(
    module: cst.Module,
    source: str,
    reports: list[Report],
    failures: list[Diagnostic],
    settings: Settings,
    fixes: bool,
    facts: ModuleFacts,
) -> LintResult:
    # A node of another module (an imported model's own outputs) is not reported here: that
    # file's lint reports it. Without imports no node is foreign, and nothing is filtered.
    if facts.foreign_node_ids:
        reports = [report for report in reports if not facts.is_foreign(report.node)]
    proposals = {report: _build_fix(report, settings, failures) for report in reports} if fixes else {}
    imported = [call for call in facts.calls if call.model is not None and call.model.origin is not None]
    wanted = [report.node for report in reports] + [call.node for call in imported]
    edited = [edit.node for proposal in proposals.values() if proposal is not None for edit in proposal.edits]
    wanted += [node for node in edited if not facts.is_foreign(node)]
    positions = locate(module, source, wanted)
    located = [report for report in reports if report.node in positions]
    notes = _origin_notes(located, imported, positions)
    diagnostics = {
        _to_diagnostic(report, proposals.get(report), positions, notes.get(report, "")) for report in located
    }
    ordered = sorted(diagnostics | set(failures), key=Diagnostic.sort_key)
    return _apply_noqa(source, ordered, settings)


def _origin_notes(
    reports: list[Report], imported: list[CallFacts], positions: dict[cst.CSTNode, Span]
) -> dict[Report, str]:
    """" (outputs of `build` in models/heads.py:14)" for a report on a call whose model another
    module built: the output names the message quotes are not in this file. The one place this is
    said, for every rule."""
    if not imported:
        return {}
    lines: dict[int, int] = {}
    notes: dict[Report, str] = {}
    for report in reports:
        call = _enclosing_call(positions[report.node], imported, positions)
        if call is not None and call.model is not None and call.model.origin is not None:
            notes[report] = _origin_note(call.model.origin, lines)
    return notes


def _enclosing_call(span: Span, calls: list[CallFacts], positions: dict[cst.CSTNode, Span]) -> CallFacts | None:
    """The innermost of `calls` whose text holds `span`."""
    holding = [
        call
        for call in calls
        if call.node in positions and positions[call.node].start <= span.start and span.end <= positions[call.node].end
    ]
    return max(holding, key=lambda call: positions[call.node].start, default=None)


def _origin_note(origin: ModelOrigin, lines: dict[int, int]) -> str:
    line = lines.get(id(origin.node))
    if line is None:
        known = _ORIGIN_LINES.get(id(origin.node))
        line = known[1] if known is not None and known[0] is origin.node else None
    if line is None:
        span = locate(origin.module, origin.source, [origin.node]).get(origin.node)
        line = span.start.line if span is not None else 0
        if len(_ORIGIN_LINES) > MAX_ORIGIN_LINES:
            _ORIGIN_LINES.clear()
        _ORIGIN_LINES[id(origin.node)] = (origin.node, line)  # the node is kept: its id stays its own
    lines[id(origin.node)] = line
    where = f"{origin.display}:{line}" if line else origin.display
    if origin.function is not None:
        return f" (outputs of `{origin.function}` in {where})"
    return f" (outputs of the model built in {where})"


def _may_hold_noqa(source: str) -> bool:
    return _NOQA_WORD.search(source) is not None


def _apply_noqa(source: str, ordered: list[Diagnostic], settings: Settings) -> LintResult:
    """File-level directives, then `# noqa` comments, then KLO900 for the KLO codes they list in vain.

    Under flake8 (`honour_noqa=False`) flake8 applies `# noqa` and `# flake8: noqa` itself; the core
    still applies the ruff and keras-loss-lint file-level spellings, which flake8 does not know.
    """
    if not _may_hold_noqa(source):
        return LintResult(tuple(ordered))
    if settings.ignore_noqa:
        return _with_unused_noqa_only(source, ordered, settings)
    exemption = file_exemption(split_lines(source), flake8_applies_its_own=not settings.honour_noqa)
    exempted = [d for d in ordered if exemption.exempts(d.code)]
    remaining = [d for d in ordered if not exemption.exempts(d.code)]
    noqa = NoqaIndex(source)
    silenced = [d for d in remaining if noqa.suppresses(d.line, d.code)]
    unused = _unused_noqa(source, noqa, silenced, settings, exemption)
    if not settings.honour_noqa:
        return LintResult(tuple(sorted(remaining + unused, key=Diagnostic.sort_key)), noqa_suppressed=tuple(exempted))
    kept = [d for d in remaining if d not in silenced] + unused
    return LintResult(tuple(sorted(kept, key=Diagnostic.sort_key)), noqa_suppressed=tuple(exempted + silenced))


def _with_unused_noqa_only(source: str, ordered: list[Diagnostic], settings: Settings) -> LintResult:
    """`--ignore-noqa`: every finding is reported; a comment that would silence one still counts as used."""
    noqa = NoqaIndex(source)
    would_silence = [d for d in ordered if noqa.suppresses(d.line, d.code)]
    unused = _unused_noqa(source, noqa, would_silence, settings, FileExemption())
    return LintResult(tuple(sorted(ordered + unused, key=Diagnostic.sort_key)))


def _unused_noqa(
    source: str, noqa: NoqaIndex, silenced: list[Diagnostic], settings: Settings, exemption: FileExemption
) -> list[Diagnostic]:
    if not settings.selection.is_enabled(UNUSED_NOQA) or exemption.exempts(UNUSED_NOQA):
        return []
    return [d for d in unused_noqa(source, noqa, silenced) if not noqa.suppresses(d.line, UNUSED_NOQA)]


def _build_fix(report: Report, settings: Settings, failures: list[Diagnostic]) -> FixProposal | None:
    if report.fix is None:
        return None
    try:
        return report.fix()
    except Exception as error:  # noqa: BLE001 - a broken fix costs only itself: the finding stays
        _record_failure(failures, settings, f"the fix for {report.code} failed", error)
        return None


def _to_diagnostic(
    report: Report, proposal: FixProposal | None, positions: dict[cst.CSTNode, Span], note: str = ""
) -> Diagnostic:
    return Diagnostic(report.code, report.message + note, positions[report.node], _resolve_fix(proposal, positions))


def _resolve_fix(proposal: FixProposal | None, positions: dict[cst.CSTNode, Span]) -> Fix | None:
    if proposal is None or any(edit.node not in positions for edit in proposal.edits):
        return None  # a fix that would edit another module's text is not this file's to offer
    edits = tuple(Edit(positions[edit.node], edit.content) for edit in proposal.edits)
    return Fix(proposal.message, proposal.applicability, edits)


def _describe_parse_error(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "too deeply nested to parse"
    return f"cannot parse: {error}"
