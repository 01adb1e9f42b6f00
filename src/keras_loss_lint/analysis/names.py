"""Dotted names written in the code (`keras.layers.Dense`, `sys.path`), read without evaluating them."""

from __future__ import annotations

from typing import Optional

import libcst as cst


def dotted_name(node: Optional[cst.CSTNode]) -> Optional[str]:
    """`a.b.c` for a chain of names and attributes; None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None
