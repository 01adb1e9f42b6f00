"""The vocabulary shared by the semantics model, the rules and the conformance suite.

A `Scenario` describes, with no Python source attached, what Keras is given: the model's outputs and
the structure of `loss`, `loss_weights`, `metrics`, the labels `y` and the `sample_weight`. An
`Outcome` says what a Keras release does with it: which entry reaches which output, or which exception
it raises. The semantics model predicts outcomes; the conformance suite observes them on real releases
and compares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

OutputsKind = Literal["single", "list", "tuple", "dict", "nested"]
ModelKind = Literal["functional", "sequential", "subclassed"]
ArgKind = Literal["dict", "list", "tuple", "single"]
# "model": `keras.Model(...)` itself refuses the outputs (nested outputs before 3.4).
Stage = Literal["model", "compile", "fit"]

# The structure of nested outputs: a leaf is the index of an output in `OutputsSpec.names` (Keras's
# flattened order); a container is `("list" | "tuple", (item, ...))` or `("dict", ((key, item), ...))`.
Nesting = Union[int, tuple[str, tuple]]

# Label given to a single (non-container) argument that Keras broadcasts to every output.
BROADCAST = "*"
# The name of an output the code does not show (a Sequential's last layer, unread): where a release
# matches by that name, the model cannot say what it does (`behaviour.unknowable`).
UNKNOWN_NAME = "<unknown name>"


@dataclass(frozen=True)
class OutputsSpec:
    """A model's outputs as written by the user.

    `names` are the producing layers' names in *written* order (list order, or the dict literal's
    insertion order). For dict outputs `keys` are the dict keys in written order, aligned with `names`.
    For Sequential and subclassed models `names` holds placeholders (their names are never used by
    Keras for matching); a subclassed model whose `call` returns a dict has kind "dict" and `keys`.
    Nested outputs (kind "nested": a container inside the outer list, tuple or dict) list `names` in
    Keras's flattened order (lists in order, dicts by sorted key, depth first) and carry `nesting`.
    """

    kind: OutputsKind
    names: tuple[str, ...]
    keys: tuple[str, ...] | None = None
    model_kind: ModelKind = "functional"
    nesting: Nesting | None = None

    @classmethod
    def nested(cls, names: tuple[str, ...], nesting: Nesting) -> "OutputsSpec":
        return cls("nested", names, nesting=nesting)

    @property
    def outer_kind(self) -> str | None:
        """For nested outputs, the kind of the outermost container ("list", "tuple" or "dict")."""
        return self.nesting[0] if isinstance(self.nesting, tuple) else None

    @property
    def top_level_count(self) -> int:
        """For nested outputs, how many entries the outermost container has."""
        return len(self.nesting[1]) if isinstance(self.nesting, tuple) else self.count

    @property
    def count(self) -> int:
        return len(self.names)

    def labels(self) -> tuple[str, ...]:
        """How the user refers to each output: its dict key for dict outputs, else its layer name."""
        return self.keys if self.kind == "dict" and self.keys is not None else self.names


@dataclass(frozen=True)
class ArgSpec:
    """The structure of one argument: a dict (keys in written order), a list/tuple, or one value.

    Entries are identified by labels: the dict key, the list index as a string, or `BROADCAST` for a
    single value. `none_at` holds the labels of entries that are literally `None`.
    """

    kind: ArgKind
    keys: tuple[str, ...] = ()
    length: int = 0
    none_at: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def dict_of(cls, *keys: str, none_at: tuple[str, ...] = ()) -> "ArgSpec":
        return cls("dict", keys=tuple(keys), none_at=frozenset(none_at))

    @classmethod
    def list_of(cls, length: int, none_at: tuple[int, ...] = (), kind: ArgKind = "list") -> "ArgSpec":
        return cls(kind, length=length, none_at=frozenset(str(i) for i in none_at))

    @classmethod
    def single(cls) -> "ArgSpec":
        return cls("single")

    def labels(self) -> tuple[str, ...]:
        if self.kind == "dict":
            return self.keys
        if self.kind in ("list", "tuple"):
            return tuple(str(i) for i in range(self.length))
        return (BROADCAST,)


@dataclass(frozen=True)
class Scenario:
    outputs: OutputsSpec
    loss: ArgSpec | None = None
    loss_weights: ArgSpec | None = None
    metrics: ArgSpec | None = None
    y: ArgSpec | None = None
    # Given to `fit`/`evaluate` beside `y`; None: no sample weights.
    sample_weight: ArgSpec | None = None


@dataclass(frozen=True)
class Outcome:
    """What one Keras release does with a scenario.

    Per output, in the order of `OutputsSpec.names` (written order): the label of the loss entry it is
    trained with (None: no loss), of the `loss_weights` entry applied to it (None: weight 1 / no
    weights), of the `y` entry it is scored against, and of the `metrics` entries computed on
    it. `raises` names the exception class when Keras
    refuses the scenario, and `stage` says whether it does so when the model is built, at `compile()`
    or at the first step (`fit`, `evaluate` alike).
    """

    loss_from: tuple[str | None, ...] = ()
    weight_from: tuple[str | None, ...] = ()
    label_from: tuple[str | None, ...] = ()
    metrics_from: tuple[tuple[str, ...], ...] = ()
    # The `y` entry the output's metrics are computed against (3.14.0 differs from the loss's).
    metric_label_from: tuple[str | None, ...] = ()
    # The `sample_weight` entry that weights the output's loss; empty when the scenario passes none.
    sample_weight_from: tuple[str | None, ...] = ()
    raises: str | None = None
    stage: Stage = "fit"

    @property
    def trains(self) -> bool:
        return self.raises is None


# ------------------------------------------------------------------------------------------ inputs

InputsKind = Literal["single", "list", "tuple", "dict"]
# The Model methods that take an `x`: how a dict `x` is fed does not depend on which one (measured,
# tests/conformance/test_inputs.py), but the conformance suite runs each of them.
XMethod = Literal["fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch"]
# The `x` of `fit(validation_data=(x, y))`: fed after `fit` has built the model on its own `x`.
VALIDATION = "fit_validation"
FedBy = Literal[XMethod, "fit_validation"]


@dataclass(frozen=True)
class InputsSpec:
    """A Functional model's inputs as written: `names` are the `Input`s' names in written order (list
    order, or the dict's insertion order with `keys` aligned)."""

    kind: InputsKind
    names: tuple[str, ...]
    keys: tuple[str, ...] | None = None

    @property
    def count(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class InputScenario:
    """What a model with these inputs is given as `x` in one call of `method` (or as the validation
    `x` of a `fit()`, `VALIDATION`)."""

    inputs: InputsSpec
    x: ArgSpec
    method: FedBy = "predict"


@dataclass(frozen=True)
class InputOutcome:
    """Per input, in written order, the label of the `x` entry it is fed (None: none), or the
    exception Keras raises when the call starts."""

    fed_from: tuple[str | None, ...] = ()
    raises: str | None = None

    @property
    def runs(self) -> bool:
        return self.raises is None
