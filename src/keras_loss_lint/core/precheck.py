"""The cheap textual pre-check, importable without LibCST (whose import alone costs half a second).

A finding needs a call to one of the recorded methods and a Keras import; without both words in the
text no rule can fire, so the file is neither parsed nor is the analyzer even imported.

A file may compile a model that another module of its project builds, and mention Keras nowhere
itself: with the project's index, a file with a recorded method's word is also let through when one
of the project modules it imports (read from its import lines, transitively) mentions Keras. Without
an index no other module is followed, so `has_candidate` alone is exact.

A file that passes the words is then checked on Python's `ast` (core/ast_precheck.py, about a tenth
of a LibCST parse): it reaches LibCST only when it writes a call some rule could report on.

A finding may also come from a call of a recorded method that is not in the file's text at all: a
function of another project module (`def compile_fixed(model): model.compile(...)`) called with what
this file passes it is reported at this file's call (analysis/project_imports.py). So with an index a
file turned away above still reaches LibCST when it names something a project module it imports
defines around such a call (`ProjectIndex.calls_recording_code`); a file importing no project module
pays only the scan of its import lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from keras_loss_lint.core.ast_precheck import holds_candidate_call
from keras_loss_lint.keras.api import CANDIDATE_CALL

if TYPE_CHECKING:
    import ast

    from keras_loss_lint.project.index import ProjectIndex

__all__ = ["CANDIDATE_CALL", "has_candidate", "needs_analysis"]


def has_candidate(source: str) -> bool:
    """False guarantees that linting `source` on its own reports nothing."""
    return "keras" in source and CANDIDATE_CALL.search(source) is not None


def needs_analysis(
    source: str,
    path: Optional[str] = None,
    project: Optional["ProjectIndex"] = None,
    *,
    syntactic: bool = False,
    tree: Optional["ast.AST"] = None,
) -> bool:
    """False guarantees that linting `source` with `project`'s modules reports nothing.

    `syntactic=True` adds the `ast` check for the files the words let through; `tree` is the
    caller's `ast.parse(source)`, when it has one, so that the text is not parsed again."""
    if _passes_words(source, path, project) and (not syntactic or holds_candidate_call(source, tree)):
        return True
    return project is not None and project.calls_recording_code(source, path)


def _passes_words(source: str, path: Optional[str], project: Optional["ProjectIndex"]) -> bool:
    if has_candidate(source):
        return True
    if project is None or CANDIDATE_CALL.search(source) is None:
        return False
    return project.reaches_keras(source, path)
