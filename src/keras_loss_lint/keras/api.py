"""The Keras API surface the analysis records: the model methods that take losses, metrics or labels."""

from __future__ import annotations

import re

# The Model methods whose calls the analysis records and the rules read (compile's loss/metrics,
# fit's and evaluate's labels). `Method` in analysis/facts.py spells the same names for the type checker.
RECORDED_METHODS: tuple[str, ...] = ("compile", "fit", "evaluate", "train_on_batch", "test_on_batch")

# A word that may be a call of a recorded method: text without one cannot hold a finding.
CANDIDATE_CALL = re.compile(r"\b(?:" + "|".join(RECORDED_METHODS) + r")\b")
