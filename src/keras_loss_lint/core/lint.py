"""The one entry point every front end calls: source text in, diagnostics out.

With the project's index (found from the file's path unless the face hands one over), the imports of
the project's own modules are followed: a model built in another module is checked where this file
compiles or fits it, the result lists the files it was read from (`LintResult.dependencies`), and a
message about such a model says where its outputs were built. Only this file's own nodes are
reported or edited: a finding on an imported model's own nodes moves to this file's compile() of it.
A file the pre-check turns away still lists the modules the pre-check read, so that a change to one
of them makes caches and editors ask again.

Each rule runs in isolation, and so does each fix builder: an exception in one costs that rule or that
fix (reported as one KLO901 diagnostic naming it), never the file's other findings. Fixes are built
only when the face asks for them (`fixes=True`): flake8 never shows them.
"""

from __future__ import annotations

import ast
import dataclasses
import gc
import os
import re
from contextlib import contextmanager
from typing import Iterable, Iterator, Optional, Union

import libcst as cst

from keras_loss_lint.analysis import ModuleFacts, extract_facts
from keras_loss_lint.analysis.base import ANALYSIS_CUT_SHORT, Ceiling, ceiling_applied
from keras_loss_lint.analysis.facts import CallFacts, ModelFacts, ModelOrigin
from keras_loss_lint.analysis.texts import NodeTexts
from keras_loss_lint.core.diagnostics import Diagnostic, Edit, Fix, LintResult, Position, Span
from keras_loss_lint.core.noqa import FileExemption, NoqaIndex, file_exemption, split_lines
from keras_loss_lint.core import reparse
from keras_loss_lint.core.ast_precheck import parse_or_none
from keras_loss_lint.core.reparse import StatementCache
from keras_loss_lint.core.positions import locate
from keras_loss_lint.core.precheck import has_candidate, needs_analysis
from keras_loss_lint.core.syntax import syntax_problem
from keras_loss_lint.core.unused_noqa import CODE as UNUSED_NOQA
from keras_loss_lint.core.unused_noqa import unused_noqa
from keras_loss_lint.keras.versions import TargetVersions
from keras_loss_lint.project.index import ProjectIndex, index_for
from keras_loss_lint.project.settings import DEFAULT_MAX_FILE_SIZE, DEFAULT_SETTINGS, Settings
from keras_loss_lint.rules.base import FixProposal, Report, RuleContext
from keras_loss_lint.rules.klo901_internal_error import CODE as INTERNAL_ERROR
from keras_loss_lint.rules.klo902_not_fully_analysed import CODE as NOT_FULLY_ANALYSED
from keras_loss_lint.rules.registry import ALL_RULES

__all__ = ["has_candidate", "lint_module", "lint_source"]

# The default size limit (`Settings.limits.max_file_size`, configurable), for callers that build a file
# just above it: parsing is linear, but LibCST's tree costs up to 2 KB per source character, and the
# parse cannot be interrupted.
MAX_ANALYSED_CHARACTERS = DEFAULT_MAX_FILE_SIZE
MODULE_START = Span(Position(1, 0), Position(1, 0))
# How far above the size limit a file is still given the `ast` pre-check (8 x 64 KB: about 0.1 s
# and 75 MB for `ast.parse`), so that a large module with no candidate call is not refused for nothing.
PRECHECK_FACTOR = 8
# Rules are stopped at the ceiling between reports: looking at it every 16 reports costs nothing next to
# what a report costs.
REPORTS_BETWEEN_LOOKS = 16
# How the time limit is shared: the facts may use the first 60% of it; the rules, over what was found,
# go on until 80% is used, and get 20% whatever the facts used (a step may overrun its share): what was
# found before a cut is always checked. Presenting a report (its position, its fix) costs about what
# finding it did, and takes the rest.
FACTS_SHARE_OF_TIME = 0.6
RULES_SHARE_OF_TIME = 0.8
RULES_LEAST_SHARE = 0.2
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
    tree: ast.Module | None = None,
    statements: StatementCache | None = None,
) -> LintResult:
    """Lint one module's text. Never raises on user input: a parse failure is `LintResult.error`.

    `fixes=False` skips building fixes (every diagnostic's `fix` is then None). `project` is where the
    project's other modules are read from: True finds the project holding `path` on disk (nothing
    without a path), an index reads through it (the language server's holds unsaved editor text),
    False or None follows no import. `tree` is `ast.parse(source)` when the face has it (flake8):
    the syntactic pre-check then reads it instead of parsing again. `statements` keeps the parsed
    top-level statements of the texts linted before (the language server's, one per document): only
    those whose text changed are parsed again.
    """
    index = project_for(path, project)
    refusal = settings.limits.too_large(source)
    if not needs_analysis(source, path, index):  # the words: near free on a file without a candidate
        return LintResult(dependencies=_turned_away_by(source, path, index))
    # The `ast` tree is made once: the syntactic pre-check reads it, and so does `locate`, which skips
    # the statements that hold no reported node. A file above the size limit is still checked on it,
    # up to a bound, so that one without any call a rule could report on is passed over as any other
    # rather than refused; `ast` costs a tenth of LibCST's parse.
    if refusal is None or len(source) <= PRECHECK_FACTOR * settings.limits.max_file_size:
        tree = tree if tree is not None else parse_or_none(source)
        if not needs_analysis(source, path, index, syntactic=True, tree=tree):
            return LintResult(dependencies=_turned_away_by(source, path, index))
    if refusal is not None:
        # A finding, not an error: every face shows the one KLO902, which `ignore`, `per-file-ignores`
        # or a file-level directive silences like any other code; a refused file never fails a run
        # the way a broken configuration does.
        return LintResult(_not_fully_analysed(refusal, settings, source), partial=refusal)
    with _no_cyclic_gc():
        try:
            module = reparse.parse_module(source, tree, statements)
        except cst.ParserSyntaxError as error:
            problem = syntax_problem(source, error)
            where = f"{problem.position.line}:{problem.position.column}"
            return LintResult(error=f"syntax error at {where}: {problem.message}", syntax_error=problem)
        except (RecursionError, MemoryError, ValueError) as error:
            return LintResult(error=_describe_parse_error(error))
        texts = statements.node_texts if statements is not None else None
        return lint_module(
            module, source, settings, fixes=fixes, path=path, project=index, tree=tree, texts=texts
        )


def _turned_away_by(source: str, path: str | None, index: Optional[ProjectIndex]) -> tuple[str, ...]:
    """The project modules whose text kept `source` from being analysed: a change to one of them can
    make it a candidate, so caches and editors must ask again then."""
    if index is None:
        return ()
    return tuple(os.path.abspath(file) for file in index.consulted(source, path))


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
    tree: ast.Module | None = None,
    texts: NodeTexts | None = None,
) -> LintResult:
    """`tree` is `ast.parse(source)` when the caller has it (positions are found faster with it);
    `texts` remembers node texts for trees that share nodes (see `lint_source`'s `statements`)."""
    # LibCST walks its trees recursively (extraction, code generation for positions): an expression
    # nested thousands deep that Python itself accepts can exhaust the stack anywhere in here.
    try:
        where = os.path.abspath(path) if path and project is not None else None
        ceiling = Ceiling(settings.limits.seconds, settings.limits.memory_mb, FACTS_SHARE_OF_TIME)
        with ceiling_applied(ceiling):
            facts = extract_facts(module, source, path=where, locator=project, texts=texts, tree=tree)
        ceiling.allow(RULES_SHARE_OF_TIME, RULES_LEAST_SHARE)
        context = RuleContext(facts, _target_of(facts, settings))
        failures: list[Diagnostic] = []
        reports = list(_run_rules(context, settings, failures, ceiling))
        cut_short = _cut_short(facts, ceiling)
        failures += _not_fully_analysed(cut_short, settings)
        partial = cut_short or facts.partial
        if not reports and not failures and not _may_hold_noqa(source):
            return LintResult(dependencies=facts.dependencies, partial=partial)
        result = _to_result(module, source, reports, failures, settings, fixes, facts, tree)
        return result.replace(dependencies=facts.dependencies, partial=partial)
    except RecursionError:
        return LintResult(error="too deeply nested to analyse")


def _target_of(facts: ModuleFacts, settings: Settings) -> TargetVersions:
    """`tf_keras` is Keras 2 whatever the project targets: a module whose Keras names all come from it
    is checked against Keras 2 releases only."""
    if facts.keras_packages == {"tf_keras"}:
        return settings.target.keras_2_only()
    return settings.target


def _run_rules(
    context: RuleContext, settings: Settings, failures: list[Diagnostic], ceiling: Optional[Ceiling] = None
) -> Iterable[Report]:
    """Each selected rule's reports; past the ceiling no further rule runs, and a running rule is
    stopped at its next report (rules cost time per finding: ten thousand findings take seconds)."""
    for rule in ALL_RULES:
        if ceiling is not None and ceiling.passed():
            return
        if not settings.selection.is_enabled(rule.code) or not context.affected(rule):
            continue
        try:
            found = _reports_until(rule.check(context), ceiling)
        except Exception as error:  # noqa: BLE001 - a broken rule costs only its own findings
            _record_failure(failures, settings, f"rule {rule.code} ({rule.name}) failed", error)
            continue
        yield from found


def _reports_until(reports: Iterable[Report], ceiling: Optional[Ceiling]) -> list[Report]:
    found: list[Report] = []
    for report in reports:
        found.append(report)
        if ceiling is not None and len(found) % REPORTS_BETWEEN_LOOKS == 0 and ceiling.passed():
            break
    return found


def _cut_short(facts: ModuleFacts, ceiling: Ceiling) -> Optional[str]:
    """Why this file's own code was not analysed to its end (not: why an import was not followed).
    A module that imports no Keras and builds no model by the cut holds nothing a rule could report
    (a `re.compile(...)` in a long data script): its cut is not worth a notice."""
    if not (facts.imports_keras or facts.models):
        return None
    if ceiling.reason is not None:
        return ceiling.reason
    return facts.partial if facts.partial == ANALYSIS_CUT_SHORT else None


def _not_fully_analysed(reason: Optional[str], settings: Settings, source: str = "") -> tuple[Diagnostic, ...]:
    """The one KLO902 of a file whose analysis stopped short (or never started: too large)."""
    if reason is None or not settings.selection.is_enabled(NOT_FULLY_ANALYSED):
        return ()
    if not source:
        message = f"not fully analysed: {reason}; what comes after was not checked"
        return (Diagnostic(NOT_FULLY_ANALYSED, message, MODULE_START),)
    # A file never parsed: its file-level directives are applied here, `# noqa` comments cannot be.
    if file_exemption(split_lines(source), flake8_applies_its_own=not settings.honour_noqa).exempts(NOT_FULLY_ANALYSED):
        return ()
    return (Diagnostic(NOT_FULLY_ANALYSED, f"not analysed: {reason}", MODULE_START),)


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
    tree: ast.Module | None = None,
) -> LintResult:
    # Without imports no node is foreign, and nothing moves.
    if facts.foreign_node_ids:
        reports = _anchored_here(reports, facts)
    proposals = {report: _build_fix(report, settings, failures) for report in reports} if fixes else {}
    imported = [
        call for call in facts.calls
        if call.site is not None or (call.model is not None and call.model.origin is not None)
    ]
    wanted = [report.node for report in reports] + [call.node for call in imported]
    edited = [edit.node for proposal in proposals.values() if proposal is not None for edit in proposal.edits]
    wanted += [node for node in edited if not facts.is_foreign(node)]
    positions = locate(module, source, wanted, tree) if wanted else {}
    located = [report for report in reports if report.node in positions]
    notes = _origin_notes(located, imported, positions)
    diagnostics = {
        _to_diagnostic(report, proposals.get(report), positions, notes.get(report, "")) for report in located
    }
    ordered = sorted(diagnostics | set(failures), key=Diagnostic.sort_key)
    return _apply_noqa(source, ordered, settings)


def _anchored_here(reports: list[Report], facts: ModuleFacts) -> list[Report]:
    """A report on another module's node (a key of the outputs a model built there) is this file's
    finding when this file compiles that model: that module may never compile it, so its own lint
    says nothing. It moves to the first compile() (else the first call) of the model here, without a
    fix (the text to edit is the other file's); the origin note says where the outputs are. When the
    node belongs to several models here, which one the rule spoke of is not known: it is dropped."""
    kept: list[Report] = []
    for report in reports:
        if not facts.is_foreign(report.node):
            kept.append(report)
            continue
        calls = [call for call in facts.calls if call.model is not None and _holds(call.model, report.node)]
        if calls and len({id(call.model) for call in calls}) == 1:
            anchor = next((call for call in calls if call.method == "compile"), calls[0])
            kept.append(dataclasses.replace(report, node=anchor.node, fix=None))
    return kept


def _holds(model: ModelFacts, node: cst.CSTNode) -> bool:
    return node is model.node or any(node is leaf.key_node or node is leaf.node for leaf in model.outputs.leaves)


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
        if call is None:
            continue
        parts = [_site_note(call, lines)] if call.site is not None else []
        if call.model is not None and call.model.origin is not None:
            parts.append(_origin_note(call.model.origin, lines))
        if parts:
            notes[report] = f" ({'; '.join(parts)})"
    return notes


def _site_note(call: CallFacts, lines: dict[int, int]) -> str:
    """"`compile()` in helpers.py:5 of `compile_fixed`, called here": the call the report is about is
    written in a function of another module, which this file called with the model."""
    assert call.site is not None
    where = _origin_where(call.site, lines)
    function = f" of `{call.site.function}`" if call.site.function is not None else ""
    return f"`{call.method}()` in {where}{function}, called here"


def _enclosing_call(span: Span, calls: list[CallFacts], positions: dict[cst.CSTNode, Span]) -> CallFacts | None:
    """The innermost of `calls` whose text holds `span`."""
    holding = [
        call
        for call in calls
        if call.node in positions and positions[call.node].start <= span.start and span.end <= positions[call.node].end
    ]
    return max(holding, key=lambda call: positions[call.node].start, default=None)


def _origin_note(origin: ModelOrigin, lines: dict[int, int]) -> str:
    where = _origin_where(origin, lines)
    if origin.function is not None:
        return f"outputs of `{origin.function}` in {where}"
    return f"outputs of the model built in {where}"


def _origin_where(origin: ModelOrigin, lines: dict[int, int]) -> str:
    """`models/heads.py:14`: the other module's file and the line of `origin.node`."""
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
    return f"{origin.display}:{line}" if line else origin.display


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
