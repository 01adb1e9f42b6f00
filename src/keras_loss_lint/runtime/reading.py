"""What a live, compiled Keras model says about itself: release, outputs, inputs, compile arguments.

Nothing here imports Keras at module level; the release is read from the package the model's classes
come from (`keras`, or `tf_keras` for Keras 2 under TensorFlow 2.16+), which the caller has imported
already. Where each release keeps things (measured on 2.15.0 and 3.0.5 ... 3.15.1):

| what | Keras 3 | Keras 2 |
|---|---|---|
| compiled? | `model.compiled` | `model._is_compiled` |
| compile arguments as given | `model._compile_config.config` | the same (a `Config`) |
| ... fallback | `_compile_loss._user_loss`, `_compile_metrics._user_metrics` | `compiled_loss._user_losses`, ... |
| outputs as written | `model._outputs_struct` | `model._nested_outputs` |
| producing layer of an output | `tensor._keras_history[0].name` | the same |
| inputs as written | `model._inputs_struct` | `model._nested_inputs` |

`get_compile_config()` is not used: it serialises loss objects into dicts, which would read as a dict
argument. Sequential models have one output; subclassed models expose no outputs until traced, which
is done symbolically (`compute_output_spec`, never a real step) when `x` is given on Keras 3.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.version import InvalidVersion, Version

from keras_loss_lint.keras.scenario import ModelKind, OutputsSpec

KERAS_PACKAGES = ("keras", "tf_keras", "tensorflow")
# Methods a model may override so that the compiled loss is not what its training step computes.
STEP_METHODS = ("train_step", "compute_loss", "test_step")
COMPILE_ARGUMENTS = ("loss", "loss_weights", "metrics", "weighted_metrics")


class NotAKerasModel(TypeError):
    """`explain`/`check` were given something that is not a Keras model."""


class NotCompiled(ValueError):
    """The model has not been compiled (or its `compile()` raised), so there is nothing to explain."""


@dataclass(frozen=True)
class CompileArguments:
    """The arguments as passed to `compile()`, and where they were found (None: found nowhere)."""

    values: dict[str, Any]
    source: str | None

    def get(self, name: str) -> Any:
        return self.values.get(name)


@dataclass(frozen=True)
class InputsView:
    """The model's inputs: how they are packed and the name of each (written order)."""

    kind: str  # "single", "list", "tuple", "dict" or "unknown"
    names: tuple[str, ...] = ()
    keys: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ModelReading:
    version: Version
    package: str
    model_class: str
    model_kind: ModelKind
    outputs: OutputsSpec | None
    inputs: InputsView
    arguments: CompileArguments
    notes: tuple[str, ...] = field(default_factory=tuple)


def read_model(model: Any, x: Any = None) -> ModelReading:
    package = keras_package(model)
    version = keras_version(package)
    if not is_compiled(model):
        raise NotCompiled(f"{type(model).__name__} is not compiled: call model.compile(...) first")
    kind = model_kind(model)
    notes: list[str] = []
    outputs = _read_outputs(model, kind, x, version, notes)
    arguments = read_compile_arguments(model)
    if arguments.source is None:
        notes.append("this release keeps the compile() arguments nowhere known: the wiring cannot be read")
    notes.extend(_step_notes(model))
    if _loss_built(model):
        notes.append(
            "the model has already run a training or evaluation step: some releases rewrite the loss "
            "arguments in place then, so what is read may differ from what was passed"
        )
    return ModelReading(
        version, package, type(model).__name__, kind, outputs, _read_inputs(model, kind), arguments, tuple(notes)
    )


# ------------------------------------------------------------------------------ release and class


def keras_package(model: Any) -> str:
    for cls in type(model).__mro__:
        root = cls.__module__.split(".", 1)[0]
        if root in KERAS_PACKAGES and cls.__name__ in ("Model", "Functional", "Sequential", "Training"):
            return root
    raise NotAKerasModel(f"expected a compiled Keras model, got {type(model).__name__}")


def keras_version(package: str) -> Version:
    module = importlib.import_module(package)
    if package == "tensorflow":  # the Keras bundled in old TensorFlow releases
        module = module.keras
    text = str(getattr(module, "__version__", ""))
    try:
        return Version(text)
    except InvalidVersion as error:
        raise NotAKerasModel(f"cannot read the {package} version ({text!r})") from error


def model_kind(model: Any) -> ModelKind:
    # Keras 2's Sequential subclasses Functional: ask about Sequential first.
    names = {cls.__name__ for cls in type(model).__mro__ if cls.__module__.split(".", 1)[0] in KERAS_PACKAGES}
    if "Sequential" in names:
        return "sequential"
    if "Functional" in names:
        return "functional"
    return "subclassed"


def is_compiled(model: Any) -> bool:
    return bool(getattr(model, "compiled", False) or getattr(model, "_is_compiled", False))


# -------------------------------------------------------------------------------------- outputs


def _read_outputs(model: Any, kind: ModelKind, x: Any, version: Version, notes: list[str]) -> OutputsSpec | None:
    if kind == "sequential":
        layers = list(getattr(model, "layers", None) or ())
        last = layers[-1].name if layers else "output"
        return OutputsSpec("single", (str(last),), model_kind="sequential")
    if kind == "functional":
        struct = _first_attribute(model, "_outputs_struct", "_nested_outputs")
        spec = _outputs_from_struct(struct, _functional_name, kind)
        if spec is None:
            notes.append("the outputs are nested deeper than one list or dict: not covered")
        return spec
    return _subclassed_outputs(model, x, version, notes)


def _subclassed_outputs(model: Any, x: Any, version: Version, notes: list[str]) -> OutputsSpec | None:
    if x is None or version.major < 3:
        reason = "pass x=" if version.major >= 3 else "Keras 2 cannot trace them without running the model"
        notes.append(f"a subclassed model shows its outputs only when called ({reason}): outputs unknown")
        return None
    try:
        struct = model.compute_output_spec(_symbolic(x))
    except Exception as error:  # any failure of user code while tracing: we just know less
        notes.append(f"tracing the subclassed model symbolically failed ({type(error).__name__}): outputs unknown")
        return None
    spec = _outputs_from_struct(struct, lambda tensor, index: f"output_{index}", "subclassed")
    if spec is None:
        notes.append("the outputs are nested deeper than one list or dict: not covered")
    return spec


def _symbolic(x: Any) -> Any:
    """KerasTensors standing for `x` with a free batch axis: tracing never touches the data."""
    keras = importlib.import_module("keras")  # only Keras 3 gets here, already imported by the model

    if isinstance(x, Mapping):
        return {key: _symbolic(value) for key, value in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_symbolic(value) for value in x)
    return keras.KerasTensor((None, *tuple(x.shape)[1:]), dtype=str(getattr(x, "dtype", "float32")))


def _outputs_from_struct(struct: Any, name_of: Any, kind: ModelKind) -> OutputsSpec | None:
    if struct is None:
        return None
    if isinstance(struct, Mapping):
        tensors = list(struct.values())
        if any(_is_container(t) for t in tensors):
            return None
        names = tuple(name_of(t, i) for i, t in enumerate(tensors))
        return OutputsSpec("dict", names, keys=tuple(str(k) for k in struct.keys()), model_kind=kind)
    if isinstance(struct, (list, tuple)):
        if any(_is_container(t) for t in struct):
            return None
        names = tuple(name_of(t, i) for i, t in enumerate(struct))
        return OutputsSpec("tuple" if isinstance(struct, tuple) else "list", names, model_kind=kind)
    return OutputsSpec("single", (name_of(struct, 0),), model_kind=kind)


def _is_container(value: Any) -> bool:
    return isinstance(value, (Mapping, list, tuple))


def _functional_name(tensor: Any, index: int) -> str:
    """The producing layer's own name: Keras 2's `output_names` renames repeats (`h_1`), Keras 3 does
    not, and the semantics model applies each release's renaming itself."""
    history = getattr(tensor, "_keras_history", None)
    layer = history[0] if history else None
    name = getattr(layer, "name", None)
    return str(name) if name is not None else f"<output {index}>"


def _first_attribute(obj: Any, *names: str) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


# --------------------------------------------------------------------------------------- inputs


def _read_inputs(model: Any, kind: ModelKind) -> InputsView:
    struct = _first_attribute(model, "_inputs_struct", "_nested_inputs") if kind != "subclassed" else None
    if struct is None:
        return InputsView("unknown")
    if isinstance(struct, Mapping):
        values = list(struct.values())
        return InputsView("dict", tuple(_input_name(v) for v in values), tuple(str(k) for k in struct.keys()))
    if isinstance(struct, (list, tuple)):
        return InputsView("tuple" if isinstance(struct, tuple) else "list", tuple(_input_name(v) for v in struct))
    return InputsView("single", (_input_name(struct),))


def _input_name(tensor: Any) -> str:
    history = getattr(tensor, "_keras_history", None)
    layer = history[0] if history else None
    return str(getattr(layer, "name", None) or getattr(tensor, "name", "input"))


# ---------------------------------------------------------------------------- compile arguments


def read_compile_arguments(model: Any) -> CompileArguments:
    config = getattr(getattr(model, "_compile_config", None), "config", None)
    if isinstance(config, Mapping) and "loss" in config:
        values = {name: config.get(name) for name in COMPILE_ARGUMENTS}
        return CompileArguments(values, "model._compile_config")
    containers = _from_containers(model)
    if containers is not None:
        return containers
    if hasattr(model, "loss"):
        return CompileArguments({"loss": model.loss}, "model.loss (loss only)")
    return CompileArguments({}, None)


def _from_containers(model: Any) -> CompileArguments | None:
    """The loss and metrics containers keep the user's arguments too (`_user_loss` in Keras 3,
    `_user_losses` in Keras 2)."""
    losses = _first_attribute(model, "_compile_loss", "compiled_loss")
    metrics = _first_attribute(model, "_compile_metrics", "compiled_metrics")
    if losses is None and metrics is None:
        return None
    values = {
        "loss": _first_attribute(losses, "_user_loss", "_user_losses") if losses is not None else None,
        "loss_weights": getattr(losses, "_user_loss_weights", None),
        "metrics": getattr(metrics, "_user_metrics", None),
        "weighted_metrics": getattr(metrics, "_user_weighted_metrics", None),
    }
    return CompileArguments(values, "the model's compiled loss and metrics containers")


def _loss_built(model: Any) -> bool:
    losses = _first_attribute(model, "_compile_loss", "compiled_loss")
    return bool(getattr(losses, "built", False) or getattr(losses, "_built", False))


def _step_notes(model: Any) -> list[str]:
    notes = []
    for cls in type(model).__mro__:
        if cls.__module__.split(".", 1)[0] in KERAS_PACKAGES:
            break
        overridden = [name for name in STEP_METHODS if name in vars(cls)]
        if overridden:
            notes.append(
                f"{cls.__name__} overrides {', '.join(overridden)}: what is shown is what Keras's own step "
                "does with the compiled loss; a custom step may use it differently"
            )
    return notes
