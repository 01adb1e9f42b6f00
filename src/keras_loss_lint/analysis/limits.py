"""Every limit of the analysis, by name, in one place (each module that applies one imports it here).

The step budget and the time and memory ceiling are applied by `base`; the size caps of values by
`builtins` and `heap`; the limits of following code (unrolling, calls, comprehensions) here.
"""

from __future__ import annotations

from keras_loss_lint.analysis.base import DEFAULT_STEP_BUDGET, LOOP_ROUNDS, STEPS_BETWEEN_LOOKS
from keras_loss_lint.analysis.builtins import MAX_LENGTH, MAX_NUMBER, MAX_STRING
from keras_loss_lint.analysis.facts import MAX_COMPARED_NODES
from keras_loss_lint.analysis.heap import MAX_DEPTH, MAX_REBUILT

# Iterations of a loop over a known iterable that are run one by one (a longer loop runs as a loop
# that may execute any number of times).
MAX_UNROLL = 128
# Items a comprehension over a known iterable produces one by one.
MAX_COMPREHENSION_ITEMS = 512
# Nested calls of the module's own functions that are followed (deeper ones give UNKNOWN).
MAX_CALL_DEPTH = 8
# Leaves of a nested `outputs` structure that are flattened.
MAX_OUTPUTS = 512
# Steps the rest of a loop (or comprehension) over a known iterable may be expected to take, judged from
# its first iteration, before a loop that touches nothing of Keras is run as a loop of unknown count
# instead (its own writes become unknown; the budget is kept for the code that builds and compiles).
MAX_IRRELEVANT_LOOP_STEPS = 20_000

__all__ = [
    "DEFAULT_STEP_BUDGET",
    "LOOP_ROUNDS",
    "MAX_CALL_DEPTH",
    "MAX_COMPARED_NODES",
    "MAX_COMPREHENSION_ITEMS",
    "MAX_DEPTH",
    "MAX_IRRELEVANT_LOOP_STEPS",
    "MAX_LENGTH",
    "MAX_NUMBER",
    "MAX_OUTPUTS",
    "MAX_REBUILT",
    "MAX_STRING",
    "MAX_UNROLL",
    "STEPS_BETWEEN_LOOKS",
]
