"""Stand-ins for Keras models, shaped like what each release exposes (see runtime/reading.py), so the
reading and the findings are tested without Keras. The real releases are in tests/conformance."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pytest


@dataclass
class FakeTensor:
    _keras_history: tuple
    name: str = "keras_tensor"


@dataclass
class Array:
    """Anything with a shape reads as one label or input array."""

    shape: tuple


def tensor(layer: str) -> FakeTensor:
    return FakeTensor((types.SimpleNamespace(name=layer), 0, 0), name=layer)


def _classes(package: str) -> dict[str, type]:
    model = type("Model", (), {"__module__": f"{package}.src.models.model"})
    functional = type("Functional", (model,), {"__module__": f"{package}.src.models.functional"})
    sequential = type("Sequential", (model,), {"__module__": f"{package}.src.models.sequential"})

    class Callback:
        def __init__(self) -> None:
            self.model: Any = None

        def set_model(self, model: Any) -> None:
            self.model = model

    Callback.__module__ = f"{package}.src.callbacks.callback"
    return {"Model": model, "Functional": functional, "Sequential": sequential, "Callback": Callback}


@dataclass
class FakeKeras:
    module: types.ModuleType
    classes: dict[str, type]

    def functional(self, outputs: Any, inputs: Any = None, **compile_arguments: Any) -> Any:
        """A Keras 3 Functional model, compiled with `compile_arguments` (as `_compile_config` keeps them)."""
        model = self.classes["Functional"]()
        model._outputs_struct = outputs
        model._inputs_struct = inputs if inputs is not None else tensor("features")
        model.compiled = True
        model._compile_config = types.SimpleNamespace(config=_compile_config(compile_arguments))
        return model

    def keras2_functional(self, outputs: Any, **compile_arguments: Any) -> Any:
        """A Keras 2 Functional model: arguments only in the loss and metrics containers."""
        model = self.classes["Functional"]()
        model._nested_outputs = outputs
        model._nested_inputs = tensor("features")
        model._is_compiled = True
        model.compiled_loss = types.SimpleNamespace(
            _user_losses=compile_arguments.get("loss"),
            _user_loss_weights=compile_arguments.get("loss_weights"),
            _built=False,
        )
        model.compiled_metrics = types.SimpleNamespace(
            _user_metrics=compile_arguments.get("metrics"), _user_weighted_metrics=None
        )
        return model

    def sequential(self, last_layer: str = "head", **compile_arguments: Any) -> Any:
        model = self.classes["Sequential"]()
        model.layers = [types.SimpleNamespace(name="trunk"), types.SimpleNamespace(name=last_layer)]
        model.compiled = True
        model._compile_config = types.SimpleNamespace(config=_compile_config(compile_arguments))
        return model

    def subclassed(self, **compile_arguments: Any) -> Any:
        cls = type("MyModel", (self.classes["Model"],), {"__module__": "my_project.models"})
        model = cls()
        model.compiled = True
        model._compile_config = types.SimpleNamespace(config=_compile_config(compile_arguments))
        return model


def _compile_config(arguments: dict[str, Any]) -> dict[str, Any]:
    config = {name: None for name in ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics")}
    config.update(arguments)
    return config


@pytest.fixture
def fake_keras(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeKeras]]:
    """`fake_keras("3.5.0")` installs a stand-in `keras` package of that version for the test."""

    def install(version: str = "3.5.0", package: str = "keras") -> FakeKeras:
        classes = _classes(package)
        module = types.ModuleType(package)
        module.__version__ = version  # type: ignore[attr-defined]
        module.callbacks = types.SimpleNamespace(Callback=classes["Callback"])  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, package, module)
        return FakeKeras(module, classes)

    from keras_loss_lint.runtime.callback import wiring_check_class

    wiring_check_class.cache_clear()
    yield install
    wiring_check_class.cache_clear()
