"""What the faces may know about the rules: their metadata, through the core.

Loading the registry imports every rule and LibCST; `known_codes` does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from keras_loss_lint.rules.codes import known_codes

if TYPE_CHECKING:
    from keras_loss_lint.rules.base import Rule

__all__ = ["all_rules", "known_codes", "rule_by_code"]


def all_rules() -> tuple["Rule", ...]:
    """Every rule, in code order."""
    from keras_loss_lint.rules.registry import ALL_RULES

    return ALL_RULES


def rule_by_code(code: str) -> "Rule | None":
    from keras_loss_lint.rules.registry import rule_by_code as lookup

    return lookup(code)
