"""The names Keras gives what the code leaves unnamed: layers, ops, models and `Input`s.

Measured by the conformance suite (`test_naming_and_signature_facts`): two unnamed `Dense` layers are
`dense` and `dense_1`, from a per-process counter, so which number a layer gets depends on every layer
created before it.
"""

from __future__ import annotations

import re
from typing import Optional

# Prefixes Keras gives unnamed layers, ops and models (`to_snake_case` of the class, or the op name).
AUTO_NAME_PREFIXES = frozenset(
    """
    dense conv1d conv2d conv3d conv1d_transpose conv2d_transpose conv3d_transpose separable_conv1d
    separable_conv2d depthwise_conv1d depthwise_conv2d lstm gru simple_rnn rnn bidirectional
    embedding dropout spatial_dropout1d spatial_dropout2d flatten activation lambda concatenate add
    multiply average maximum minimum subtract dot batch_normalization layer_normalization
    group_normalization unit_normalization global_average_pooling1d global_average_pooling2d
    global_average_pooling3d global_max_pooling1d global_max_pooling2d global_max_pooling3d
    max_pooling1d max_pooling2d max_pooling3d average_pooling1d average_pooling2d average_pooling3d
    reshape permute repeat_vector identity input_layer input functional sequential model output
    time_distributed softmax re_lu relu leaky_re_lu elu prelu get_item multi_head_attention attention
    additive_attention masking cropping2d zero_padding2d up_sampling2d normalization rescaling
    resizing category_encoding string_lookup integer_lookup text_vectorization hashing discretization
    tf_op_layer
    """.split()
)
_AUTO_NAME = re.compile(r"^(?P<prefix>[a-z][a-z0-9_]*?)(?:_(?P<number>\d+))?$")
# An `Input` without `name=`: `input_layer`, `input_layer_1` ... in Keras 3, `input_1` ... in Keras 2.
_AUTO_INPUT_NAME = re.compile(r"^(?:input_layer(?:_\d+)?|input_\d+)$")


def auto_name_prefix(key: str) -> Optional[str]:
    """`dense` for `dense_3`: the prefix an auto-generated name would have, if the key can be one."""
    match = _AUTO_NAME.match(key)
    return match.group("prefix") if match is not None else None


def looks_auto_generated(key: str) -> bool:
    prefix = auto_name_prefix(key)
    return prefix is not None and (prefix in AUTO_NAME_PREFIXES or prefix.startswith("tf_op_layer"))


def may_be_auto_input_name(key: str) -> bool:
    return _AUTO_INPUT_NAME.match(key) is not None
