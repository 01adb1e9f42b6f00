"""Describing text that is not valid Python, in the words people know from Python itself."""

from __future__ import annotations

import ast
import re
import warnings

import libcst as cst

from keras_loss_lint.core.diagnostics import Position, SyntaxProblem

_LIBCST_PREFIX = re.compile(r"^(?:(?:parser|tokenizer) error: )?(?:error at \d+:\d+: )?")


def syntax_problem(source: str, error: cst.ParserSyntaxError) -> SyntaxProblem:
    """Python's own description of the failure ("'(' was never closed") where it has one, else LibCST's."""
    described = python_syntax_error(source)
    if described is not None:
        return described
    return SyntaxProblem(Position(max(error.raw_line, 1), max(error.raw_column, 0)), clean_parse_message(error.message))


def python_syntax_error(source: str) -> SyntaxProblem | None:
    """Where Python's parser rejects `source`; None when it accepts the text or cannot say."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings (invalid escapes) are not ours to print
            compile(source, "<source>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError as error:
        position = Position(error.lineno or 1, max((error.offset or 1) - 1, 0))
        return SyntaxProblem(position, error.msg or "invalid syntax")
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def clean_parse_message(message: str) -> str:
    """LibCST's message without its "parser error: error at L:C:" prefix, first line only."""
    cleaned = _LIBCST_PREFIX.sub("", message.strip().splitlines()[0] if message.strip() else "")
    return cleaned or "invalid syntax"
