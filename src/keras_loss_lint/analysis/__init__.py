"""Facts extracted once per module: models, their outputs, and the calls made on them, following
the project's other modules when a locator says where they are."""

from __future__ import annotations

import ast
from typing import Optional

import libcst as cst

from keras_loss_lint.analysis.facts import ModuleFacts
from keras_loss_lint.analysis.frames import Frame
from keras_loss_lint.analysis.interpreter import Interpreter
from keras_loss_lint.analysis.texts import NodeTexts
from keras_loss_lint.analysis.project_modules import ModuleLocator, ProjectContext, memo_for


def extract_facts(
    module: cst.Module,
    source: Optional[str] = None,
    *,
    path: Optional[str] = None,
    locator: Optional[ModuleLocator] = None,
    texts: Optional[NodeTexts] = None,
    tree: Optional[ast.Module] = None,
) -> ModuleFacts:
    """`source` is the module's text when the caller has it (saves regenerating it). With a
    `locator`, imports of the project's modules are followed; `path` is the module's file (for a
    notebook, the notebook: its directory is the script's). `texts` remembers the texts of nodes that
    later trees share (an editor's versions of one document). `tree` is `ast.parse(source)` when the
    caller has it: the analysis reads node texts from the source where it says their lines are."""
    project = None
    if locator is not None and path:
        project = ProjectContext(locator, memo_for(locator), _run_imported, path)
    return Interpreter(module, source, project=project, texts=texts, tree=tree).run()


def _run_imported(module: cst.Module, source: str, project: ProjectContext, frame: Frame) -> ModuleFacts:
    return Interpreter(module, source, project=project).run_imported(frame)


__all__ = ["ModuleFacts", "ModuleLocator", "extract_facts"]
