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
LAYER_BASES = frozenset(
    {"keras.layers.Layer", "keras.Layer", "keras.engine.base_layer.Layer", "keras.engine.topology.Layer"}
)
# Layers that return several tensors when asked to (`return_state=True`).
RNN_LAYERS = frozenset(
    {"RNN", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
     "CuDNNLSTM", "CuDNNGRU"}
)
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
# Ops (by last name) that return a list, tuple or any structure of tensors rather than one tensor.
STRUCTURE_OPS = frozenset(
    {
        "split", "unstack", "meshgrid", "top_k", "unique", "unique_with_counts", "svd", "qr", "eig",
        "eigh", "lu", "lu_factor", "slogdet", "moments", "weighted_moments", "fft", "fft2", "ifft2",
        "rfft", "stft", "nonzero", "histogram", "cond", "switch", "switch_case", "case", "while_loop",
        "fori_loop", "scan", "associative_scan", "map", "map_fn", "vectorized_map", "vectorized_map_fn",
        "custom_gradient", "py_function", "numpy_function", "py_func", "shape_n", "dynamic_partition",
        "identity_n", "tuple", "broadcast_arrays", "unravel_index", "gradients", "ctc_decode",
        "ctc_greedy_decoder", "ctc_beam_search_decoder", "rnn", "batch_gather_nd", "nms",
    }
)
STRUCTURE_OP_NAMESPACES = ("tensorflow.nest.", "tensorflow.data.", "tensorflow.raw_ops.", "keras.tree.")


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


# Namespaces whose functions return a tensor (or raise) whatever they are given, and the few of their
# functions that return something else (a shape, a dtype, a bool, a NumPy array, a function).
ALWAYS_TENSOR_NAMESPACES = ("keras.ops.", "keras.activations.", "tensorflow.nn.", "tensorflow.math.")
NOT_TENSOR_RESULTS = frozenset(
    {"shape", "is_tensor", "dtype", "convert_to_numpy", "ndim", "size", "standardize_dtype", "result_type",
     "get", "serialize", "deserialize", "is_float_dtype", "is_int_dtype", "is_nan", "in_top_k"}
)


def always_tensor_op(qualname: str) -> bool:
    """Whether calling `qualname` gives tensors even when its arguments are not known to be tensors."""
    last = qualname.rsplit(".", 1)[-1]
    return (
        qualname.startswith(ALWAYS_TENSOR_NAMESPACES)
        and last not in NOT_TENSOR_RESULTS
        and not last[:1].isupper()
        and qualname not in ARRAY_FACTORIES
    )


def returns_structure(qualname: str) -> bool:
    """Whether a tensor op may return several tensors (then one use of it may be several outputs)."""
    return qualname.startswith(STRUCTURE_OP_NAMESPACES) or qualname.rsplit(".", 1)[-1] in STRUCTURE_OPS


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
