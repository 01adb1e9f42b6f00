"""Conversions between the core's vocabulary (diagnostics, spans, 1-based lines) and LSP's (0-based
lines, characters in the negotiated encoding). Imported only through `language_server`, like every
module of this package that needs lsprotocol.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from keras_loss_lint.core.catalogue import rule_by_code
from keras_loss_lint.core.diagnostics import Diagnostic, Position, Span
from keras_loss_lint.faces.lsp.documents import Change
from keras_loss_lint.faces.lsp.positions import TextIndex

NAME = "keras-loss-lint"  # the server's name, and the `source` of every diagnostic it publishes


def lsp_diagnostic(diagnostic: Diagnostic, index: TextIndex, encoding: str) -> types.Diagnostic:
    rule = rule_by_code(diagnostic.code)
    return types.Diagnostic(
        range=lsp_range(diagnostic.span, index, encoding),
        message=diagnostic.message,
        severity=types.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule.url) if rule is not None else None,
        source=NAME,
    )


def not_analysed_diagnostic(reason: str) -> types.Diagnostic:
    """The one diagnostic of a document whose analysis was given up on, at its start."""
    start = types.Position(line=0, character=0)
    return types.Diagnostic(
        range=types.Range(start=start, end=start),
        message=f"keras-loss-lint did not fully analyse this file: {reason}",
        severity=types.DiagnosticSeverity.Information,
        source=NAME,
    )


def lsp_range(span: Span, index: TextIndex, encoding: str) -> types.Range:
    return types.Range(start=_lsp_position(span.start, index, encoding), end=_lsp_position(span.end, index, encoding))


def _lsp_position(position: Position, index: TextIndex, encoding: str) -> types.Position:
    line, character = index.to_lsp(position, encoding)
    return types.Position(line=line, character=character)


def core_range(lsp: types.Range, index: TextIndex, encoding: str) -> tuple[Position, Position]:
    start = index.position_from_lsp(lsp.start.line, lsp.start.character, encoding)
    end = index.position_from_lsp(lsp.end.line, lsp.end.character, encoding)
    return (start, end) if start <= end else (end, start)


def range_key(lsp: types.Range) -> tuple[int, int, int, int]:
    return (lsp.start.line, lsp.start.character, lsp.end.line, lsp.end.character)


def content_change(event: Any) -> Change:
    if isinstance(event, types.TextDocumentContentChangePartial):
        start, end = event.range.start, event.range.end
        return Change(event.text, (start.line, start.character), (end.line, end.character))
    return Change(event.text)
