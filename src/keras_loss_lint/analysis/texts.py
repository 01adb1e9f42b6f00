"""The text of a node, for the analysis's word searches (`yield`, `break`, a recorded method's name).

Regenerating a function's text is most of what the facts cost on a module of many functions, and an
editor's next version of a text shares the nodes of every statement it did not change
(core/reparse.py): texts remembered in a `NodeTexts` are not generated again. A text is only ever
searched for words, so one generated with another module's default indentation serves as well.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

__all__ = ["NodeTexts", "text_of"]

# Past this many remembered texts the memo starts again: the nodes it holds are kept alive by it.
MAX_REMEMBERED = 50_000


class NodeTexts:
    def __init__(self) -> None:
        self._texts: dict[cst.CSTNode, str] = {}

    def remember(self, node: cst.CSTNode, text: str) -> None:
        if len(self._texts) >= MAX_REMEMBERED:
            self._texts.clear()
        self._texts[node] = text

    def get(self, node: cst.CSTNode) -> Optional[str]:
        return self._texts.get(node)

    def clear(self) -> None:
        self._texts.clear()

    def __len__(self) -> int:
        return len(self._texts)


def text_of(module: cst.Module, node: cst.CSTNode, texts: Optional[NodeTexts]) -> str:
    if texts is None:
        return module.code_for_node(node)
    known = texts.get(node)
    if known is None:
        known = module.code_for_node(node)
        texts.remember(node, known)
    return known
