"""Why a release pairs entries with outputs (or inputs) other than as written, read off the model's
own outcome, so that a message explains a mis-pairing only in the words that fit it.

The one mechanism behind every silent mis-pairing the model knows is Keras's `tree.flatten`, which
orders a dict by sorted key: a dict argument on list outputs or inputs then reaches them in sorted key
order (3.5.0-3.6.0 for losses and labels, 3.4.0-3.6.0 for `x`), and a list on dict outputs is paired
with the outputs' keys in sorted order. A rule says "in sorted key order" only where the outcome is
exactly that pairing.
"""

from __future__ import annotations

from typing import Optional, Sequence

__all__ = ["dict_in_sorted_key_order", "list_on_sorted_keys"]


def dict_in_sorted_key_order(received: Sequence[Optional[str]], keys: Sequence[str]) -> bool:
    """Whether `received` (per output or input in written order, the dict key whose entry it got) is
    the dict's keys in sorted order, paired by position: a dict shorter than the outputs leaves the
    last ones with nothing, a longer one's last keys reach none."""
    ordered = tuple(sorted(keys))
    paired = min(len(received), len(ordered))
    return (
        paired > 0
        and tuple(received[:paired]) == ordered[:paired]
        and all(entry is None for entry in received[paired:])
    )


def list_on_sorted_keys(received: Sequence[Optional[str]], output_keys: Sequence[str]) -> bool:
    """Whether `received` (per dict output in written order, the list position whose entry it got) is
    list entry i given to the output with the i-th smallest key."""
    by_rank = sorted(range(len(output_keys)), key=lambda index: output_keys[index])
    expected: list[Optional[str]] = [None] * len(output_keys)
    for rank, index in enumerate(by_rank):
        expected[index] = str(rank)
    return len(received) == len(expected) and tuple(received) == tuple(expected)
