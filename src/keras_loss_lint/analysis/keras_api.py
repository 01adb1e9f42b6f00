"""What the Keras, tf.keras, tf_keras, TensorFlow and NumPy names of a module mean.

Every spelling is reduced to one canonical dotted name under `keras.` first, so that `tf.keras.layers`,
`tensorflow.keras.layers`, `tf_keras.layers` and `keras.layers` are recognised alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

_KERAS_PREFIXES = (
    "tensorflow.python.keras.",
    "tensorflow.keras.",
    "keras._tf_keras.keras.",
    "keras.src.",
    "keras.api._v2.keras.",
    "keras.api.",
    "tf_keras.src.",
    "tf_keras.",
)

UNDERSTOOD_PACKAGES = frozenset({"keras", "tensorflow", "tf_keras", "numpy"})
MODEL_CLASSES = frozenset(
    {
        "keras.Model",
        "keras.models.Model",
        "keras.Functional",
        "keras.models.Functional",
        "keras.models.functional.Functional",
        "keras.engine.functional.Functional",
        "keras.engine.training.Model",
        "keras.models.model.Model",
        "keras.engine.training_v1.Model",
    }
)
SEQUENTIAL_CLASSES = frozenset(
    {
        "keras.Sequential",
        "keras.models.Sequential",
        "keras.engine.sequential.Sequential",
        "keras.models.sequential.Sequential",
    }
)
INPUT_FUNCTIONS = frozenset({"keras.Input", "keras.layers.Input", "keras.engine.input_layer.Input"})
LAYER_BASES = frozenset({"keras.layers.Layer", "keras.Layer", "keras.engine.base_layer.Layer"})
# Functional-API helpers that create a merge layer and call it at once; `name=` names that layer.
MERGE_FUNCTIONS = frozenset(
    {"concatenate", "add", "subtract", "multiply", "average", "maximum", "minimum", "dot"}
)
ARRAY_FACTORIES = frozenset(
    {
        "numpy.array", "numpy.asarray", "numpy.zeros", "numpy.ones", "numpy.empty", "numpy.full",
        "numpy.zeros_like", "numpy.ones_like", "numpy.arange", "numpy.linspace", "numpy.eye",
        "numpy.random.rand", "numpy.random.randn", "numpy.random.random", "numpy.random.randint",
        "numpy.random.normal", "numpy.random.uniform", "numpy.random.choice",
        "tensorflow.constant", "tensorflow.zeros", "tensorflow.ones", "tensorflow.convert_to_tensor",
        "tensorflow.random.normal", "tensorflow.random.uniform",
        "keras.ops.zeros", "keras.ops.ones", "keras.ops.array", "keras.ops.convert_to_tensor",
    }
)
OPAQUE_NAMESPACES = ("keras.losses.", "keras.metrics.", "keras.optimizers.", "keras.callbacks.")
TENSOR_OP_NAMESPACES = ("keras.ops.", "keras.backend.", "keras.activations.", "tensorflow.")


@lru_cache(maxsize=2048)
def canonical(qualname: str) -> str:
    """Reduce every spelling of a Keras path to `keras.…`; other names are returned unchanged."""
    dotted = qualname + "."
    for prefix in _KERAS_PREFIXES:
        if dotted.startswith(prefix):
            rest = qualname[len(prefix):]
            return f"keras.{rest}" if rest else "keras"
    if qualname in ("tensorflow.keras", "tf_keras"):
        return "keras"
    return qualname


def is_keras(qualname: str) -> bool:
    return qualname == "keras" or qualname.startswith("keras.")


def is_layer_class(qualname: str) -> bool:
    """`keras.layers.Dense`, `keras.layers.core.Dense`: a capitalised name under keras.layers."""
    if not qualname.startswith("keras.layers."):
        return False
    last = qualname.rsplit(".", 1)[-1]
    return bool(last) and last[0].isupper() and qualname not in INPUT_FUNCTIONS


def merge_function(qualname: str) -> str | None:
    if qualname.startswith("keras.layers."):
        last = qualname.rsplit(".", 1)[-1]
        if last in MERGE_FUNCTIONS:
            return last
    return None


def is_tensor_op(qualname: str) -> bool:
    return qualname.startswith(TENSOR_OP_NAMESPACES) and qualname not in ARRAY_FACTORIES


def is_opaque_object(qualname: str) -> bool:
    return qualname.startswith(OPAQUE_NAMESPACES)


_FIRST_CAP = re.compile(r"(.)([A-Z][a-z]+)")
_ALL_CAP = re.compile(r"([a-z])([A-Z])")


def to_snake_case(name: str) -> str:
    """Keras's own `to_snake_case` (keras/src/utils/naming.py): the prefix of auto-generated names."""
    snake = _FIRST_CAP.sub(r"\1_\2", name)
    snake = _ALL_CAP.sub(r"\1_\2", snake).lower()
    if snake.startswith("_"):
        return "private" + snake
    return snake
