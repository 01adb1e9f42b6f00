"""The codes of the rules, known without importing them.

The registry imports every rule and with them LibCST (half a second), which a run answered by the
cache must not pay just to validate `select = [...]`. Until the registry is loaded, the codes are read
from the rule modules' names (`klo201_dict_loss_sorted_order.py`), which the one-module-per-rule layout
guarantees (a test checks that both agree). This module imports nothing of the package.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

RULE_MODULE = re.compile(r"^(klo[0-9]{3})_\w+\.py$")


def known_codes() -> list[str]:
    """The codes of every rule, sorted."""
    registry = sys.modules.get("keras_loss_lint.rules.registry")
    if registry is not None:
        return [rule.code for rule in registry.ALL_RULES]
    try:
        names = os.listdir(Path(__file__).parent)
    except OSError:
        names = []
    codes = sorted({match.group(1).upper() for match in map(RULE_MODULE.match, names) if match is not None})
    if codes:
        return codes
    from keras_loss_lint.rules.registry import ALL_RULES  # e.g. installed as a zip: ask the registry

    return [rule.code for rule in ALL_RULES]
