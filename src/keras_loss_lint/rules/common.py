"""Questions many rules ask of the facts: which outputs a model has, what an argument looks like,
and how to phrase names, versions and suggestions in a message."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence

import libcst as cst
from packaging.version import Version

from keras_loss_lint.analysis.facts import (
    Argument,
    CallFacts,
    Const,
    Entry,
    Mapping,
    ModelFacts,
    Opaque,
    OutputLeaf,
    Outputs,
    Seq,
    Value,
)
from keras_loss_lint.keras.names import auto_name_prefix, looks_auto_generated
from keras_loss_lint.keras.semantics import ArgSpec
from keras_loss_lint.keras.versions import describe_range

__all__ = ["looks_auto_generated"]  # re-exported: the rules ask it here

LOSS_LIKE = ("loss", "loss_weights", "metrics", "weighted_metrics")
LABEL_LIKE = ("y", "sample_weight", "validation_y")

# ------------------------------------------------------------------------------------ arguments


def mapping(argument: Optional[Argument]) -> Optional[Mapping]:
    return argument.value if argument is not None and isinstance(argument.value, Mapping) else None


def is_none(value: Value) -> bool:
    return isinstance(value, Const) and value.value is None


def is_single_value(value: Value) -> bool:
    """A value Keras treats as one entry to broadcast: a string, a loss object, a callable."""
    return isinstance(value, Opaque) or (isinstance(value, Const) and value.value is not None)


def arg_spec(value: Value) -> Optional[ArgSpec]:
    if isinstance(value, Mapping):
        return ArgSpec.dict_of(*value.keys(), none_at=tuple(e.key for e in value.entries if is_none(e.value)))
    if isinstance(value, Seq):
        nones = tuple(i for i, item in enumerate(value.items) if is_none(item))
        return ArgSpec.list_of(len(value.items), nones, kind=value.kind)
    if is_single_value(value):
        return ArgSpec.single()
    return None


# -------------------------------------------------------------------------------------- outputs


def flat_outputs(call: CallFacts) -> Optional[tuple[ModelFacts, Outputs]]:
    """A Functional model whose outputs are a list/tuple (or a single tensor) of known tensors."""
    model = call.model
    if model is None or model.kind != "functional":
        return None
    outputs = model.outputs
    if outputs.kind not in ("list", "tuple", "single") or not outputs.all_known():
        return None
    return model, outputs


def named_flat_outputs(call: CallFacts) -> Optional[tuple[ModelFacts, Outputs, tuple[str, ...]]]:
    """As `flat_outputs`, with every output explicitly named: the names Keras matches against."""
    found = flat_outputs(call)
    if found is None or not found[1].all_named():
        return None
    model, outputs = found
    return model, outputs, tuple(leaf.name for leaf in outputs.leaves)  # type: ignore[misc]


def dict_outputs(call: CallFacts) -> Optional[Outputs]:
    model = call.model
    if model is None or model.outputs.kind != "dict":
        return None
    if model.kind == "functional" and not model.outputs.all_known():
        return None
    return model.outputs


def could_be_auto_name_of(key: str, leaf: OutputLeaf) -> bool:
    producer = leaf.producer
    if producer is None or producer.name_state != "auto" or producer.auto_prefix is None:
        return False
    return auto_name_prefix(key) == producer.auto_prefix


@dataclass(frozen=True)
class KeyCheck:
    """The keys a dict argument may use for a model, or None where they cannot be known."""

    valid: tuple[str, ...]
    leaves: tuple[OutputLeaf, ...]

    def is_wrong(self, key: str) -> bool:
        if key in self.valid:
            return False
        return not any(could_be_auto_name_of(key, leaf) for leaf in self.leaves)


def key_check(model: Optional[ModelFacts]) -> Optional[KeyCheck]:
    if model is None:
        return None
    outputs = model.outputs
    if outputs.kind == "dict":
        if model.kind == "functional" and not outputs.all_known():
            return None
        names = tuple(leaf.name for leaf in outputs.leaves if leaf.name is not None)
        return KeyCheck(outputs.keys() + names, outputs.leaves)
    if model.kind != "functional" or outputs.kind not in ("list", "tuple", "single") or not outputs.all_known():
        return None
    if any(leaf.producer is not None and leaf.producer.name_state == "unknown" for leaf in outputs.leaves):
        return None
    names = tuple(leaf.name for leaf in outputs.leaves if leaf.name is not None)
    return KeyCheck(names, outputs.leaves)


def wrong_keys(call: CallFacts, argument_name: str) -> Iterator[tuple[Entry, KeyCheck]]:
    found = mapping(call.argument(argument_name))
    check = key_check(call.model)
    if found is None or check is None:
        return
    for entry in found.entries:
        if check.is_wrong(entry.key):
            yield entry, check


def expected_names(model: ModelFacts) -> str:
    outputs = model.outputs
    if outputs.kind == "dict":
        return quote(outputs.keys())
    names = [leaf.name if leaf.name is not None else f"<unnamed {_class_of(leaf)}>" for leaf in outputs.leaves]
    return quote(names)


def _class_of(leaf: OutputLeaf) -> str:
    return leaf.producer.class_name if leaf.producer is not None else "output"


def did_you_mean(key: str, candidates: Sequence[str]) -> Optional[str]:
    matches = difflib.get_close_matches(key, list(dict.fromkeys(candidates)), n=2, cutoff=0.6)
    return matches[0] if len(matches) == 1 or (matches and matches[0] != matches[-1]) else None


def quote(names: Sequence[Optional[str]]) -> str:
    return ", ".join(repr(name) if name is not None else "<unnamed>" for name in names)


def on_versions(versions: Sequence[Version]) -> str:
    """`Keras 3.5.0–3.6.0`: the releases a message speaks of."""
    return f"Keras {describe_range(versions)}"


def raise_on(versions: Sequence[Version]) -> str:
    """`Keras 3.7.0 raises` / `Keras 3.0.0–3.4.1 raise`: the verb agrees with the releases named."""
    return f"{on_versions(versions)} {'raises' if len(versions) == 1 else 'raise'}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 entry`, `2 entries`: a number with its noun in the right number."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def model_label(call: CallFacts) -> str:
    if call.site is not None:
        return "the model"  # the call is this file's call of a helper (`helpers.compile_fixed(m)`)
    func = call.node.func
    if isinstance(func, cst.Attribute):
        receiver = func.value
        if isinstance(receiver, cst.Name):
            return f"`{receiver.value}`"
    return "the model"


def dict_arguments(call: CallFacts) -> Iterator[tuple[str, Argument]]:
    """The dict-valued arguments that address outputs by name: loss-like ones for `compile`, labels
    for the other methods."""
    for name in LOSS_LIKE if call.method == "compile" else LABEL_LIKE:
        argument = call.argument(name)
        if argument is not None and isinstance(argument.value, Mapping):
            yield name, argument
