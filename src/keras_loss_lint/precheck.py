"""The cheap textual pre-check, importable without LibCST (whose import alone costs half a second).

A finding needs a call to one of the recorded methods and a Keras import; without both words in the
text no rule can fire, so the file is neither parsed nor is the analyzer even imported.
"""

from __future__ import annotations

import re

CANDIDATE_CALL = re.compile(r"\b(?:compile|fit|evaluate|train_on_batch|test_on_batch)\b")


def has_candidate(source: str) -> bool:
    """False guarantees that linting `source` reports nothing."""
    return "keras" in source and CANDIDATE_CALL.search(source) is not None
