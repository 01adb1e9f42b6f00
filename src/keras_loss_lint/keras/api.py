"""The Keras API surface the analysis records: the model methods that take losses, metrics, labels
or inputs."""

from __future__ import annotations

import re

# The Model methods that take labels (`y`, `sample_weight`) as well as inputs (`x`).
LABEL_METHODS: tuple[str, ...] = ("fit", "evaluate", "train_on_batch", "test_on_batch")
# The Model methods that take inputs only.
PREDICT_METHODS: tuple[str, ...] = ("predict", "predict_on_batch")
X_METHODS: tuple[str, ...] = LABEL_METHODS + PREDICT_METHODS

# The Model methods whose calls the analysis records and the rules read (compile's loss/metrics,
# the others' `x` and labels). `Method` in analysis/facts.py spells the same names for the type checker.
RECORDED_METHODS: tuple[str, ...] = ("compile",) + X_METHODS

# A word that may be a call of a recorded method: text without one cannot hold a finding.
CANDIDATE_CALL = re.compile(r"\b(?:" + "|".join(RECORDED_METHODS) + r")\b")


# `Model.compile`'s first positional parameters, by major version (measured on every release the
# conformance suite runs: `test_naming_and_signature_facts`).
_COMPILE_PARAMETERS = {
    2: ("optimizer", "loss", "metrics", "loss_weights", "weighted_metrics"),
    3: ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics"),
}


def compile_parameters(major: int) -> tuple[str, ...]:
    """The positional parameters of `compile()` in a Keras release of this major version."""
    return _COMPILE_PARAMETERS[min(max(major, 2), 3)]
