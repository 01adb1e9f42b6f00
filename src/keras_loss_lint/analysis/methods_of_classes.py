"""Methods of the module's own classes: looked up through their bases, and run on an instance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from keras_loss_lint.analysis.facts import ClassInfo, ClassValue, FunctionValue, InstanceValue, Value

if TYPE_CHECKING:
    from keras_loss_lint.analysis.arguments import CallArguments, Evaluator


def find_method(info: ClassInfo, name: str) -> Optional[tuple[cst.FunctionDef, ClassInfo]]:
    if name in info.methods:
        return info.methods[name], info
    for base in info.bases:
        if isinstance(base, ClassValue):
            found = find_method(base.info, name)
            if found is not None:
                return found
    return None


def call_method_of(
    evaluator: "Evaluator",
    owner: InstanceValue,
    found: tuple[cst.FunctionDef, ClassInfo],
    arguments: "CallArguments",
) -> Value:
    method, info = found
    evaluator.instance_stack.append((owner, info))
    try:
        function = FunctionValue(method, info.scope, bound_self=owner)
        return evaluator.call_function(function, arguments.positional, arguments.keywords, not arguments.complete)
    finally:
        evaluator.instance_stack.pop()
