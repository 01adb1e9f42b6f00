from __future__ import annotations

import sys
from pathlib import Path

# Test helpers live beside the tests (e.g. fixture_expectations) and in robustness/ (the Hypothesis
# settings every property test shares, robust_settings).
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "robustness"))
