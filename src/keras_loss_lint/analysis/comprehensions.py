"""List, generator and dict comprehensions over known iterables; the others run as unknown loops."""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from keras_loss_lint.analysis.facts import UNKNOWN, Const, Entry, Mapping, Seq, Value
from keras_loss_lint.analysis.frames import Frame
from keras_loss_lint.analysis.heap import HeapMixin
from keras_loss_lint.analysis.limits import MAX_COMPREHENSION_ITEMS

MAX_ITEMS = MAX_COMPREHENSION_ITEMS


class ComprehensionsMixin(HeapMixin):
    def worth_unrolling(self, node: cst.CSTNode, spent: int, remaining: int, frame: Frame) -> bool:
        return True  # pragma: no cover - the interpreter decides

    def _list_comprehension(self, node: cst.ListComp | cst.GeneratorExp, frame: Frame) -> Value:
        produced: list[Value] = []
        scope = Frame(frame, self.trail)
        done = self._comprehend(node, node.for_in, scope, lambda: produced.append(self.eval(node.elt, scope)))
        return Seq(tuple(produced), "list") if done else UNKNOWN

    def _dict_comprehension(self, node: cst.DictComp, frame: Frame) -> Value:
        entries: list[Optional[Entry]] = []
        scope = Frame(frame, self.trail)

        def produce() -> None:
            key = self.eval(node.key, scope)
            value = self.eval(node.value, scope)
            entries.append(Entry(key.value, value) if isinstance(key, Const) and isinstance(key.value, str) else None)

        done = self._comprehend(node, node.for_in, scope, produce)
        if not done or None in entries:
            return UNKNOWN
        result = Mapping(())
        for entry in entries:
            if entry is not None:
                result = result.with_entry(entry)
        return result

    def _comprehend(
        self, node: cst.BaseComp, clause: cst.CompFor, scope: Frame, produce: Callable[[], None]
    ) -> bool:
        """Run the clauses over known iterables; when one is not known, the rest runs as a loop that
        may execute any number of times (its side effects still count) and False is returned."""
        if not self._comprehend_known(node, clause, scope, produce):
            self.run_unknown_loop(lambda: self._comprehend_any(clause, scope, produce))
            return False
        return True

    def _comprehend_known(
        self, node: cst.BaseComp, clause: cst.CompFor, scope: Frame, produce: Callable[[], None]
    ) -> bool:
        items = self.iterate(self.eval(clause.iter, scope))
        if items is None or len(items) > MAX_ITEMS:
            return False
        before = self.budget
        for index, item in enumerate(items):
            if index == 1 and not self.worth_unrolling(node, before - self.budget, len(items) - 1, scope):
                return False
            self.assign(clause.target, item, scope)
            decisions = [self.truth(condition.test, scope) for condition in clause.ifs]
            if any(decision is None for decision in decisions):
                return False
            if not all(decisions):
                continue
            if clause.inner_for_in is not None:
                if not self._comprehend_known(node, clause.inner_for_in, scope, produce):
                    return False
            else:
                produce()
        return True

    def _comprehend_any(self, clause: cst.CompFor, scope: Frame, produce: Callable[[], None]) -> bool:
        """One abstract iteration of a clause: target unknown, each condition a path that may stop it."""
        self.assign(clause.target, UNKNOWN, scope)
        return self._guarded(clause, 0, scope, produce)

    def _guarded(self, clause: cst.CompFor, index: int, scope: Frame, produce: Callable[[], None]) -> bool:
        if index < len(clause.ifs):
            decided = self.truth(clause.ifs[index].test, scope)
            if decided is None:
                self.run_paths([lambda: True, lambda: self._guarded(clause, index + 1, scope, produce)])
            elif decided:
                self._guarded(clause, index + 1, scope, produce)
            return True
        inner = clause.inner_for_in
        if inner is None:
            produce()
            return True
        self.eval(inner.iter, scope)
        self.run_unknown_loop(lambda: self._comprehend_any(inner, scope, produce))
        return True
