"""Every rule, in code order. Adding a rule: write its module, import it here, add docs and fixtures."""

from __future__ import annotations

from keras_loss_lint.rules import klo101_loss_key_not_an_output
from keras_loss_lint.rules import klo102_loss_weights_key_not_an_output
from keras_loss_lint.rules import klo103_metrics_key_not_an_output
from keras_loss_lint.rules import klo104_loss_dict_missing_output
from keras_loss_lint.rules import klo105_list_length_mismatch
from keras_loss_lint.rules import klo106_dict_for_model_without_output_names
from keras_loss_lint.rules import klo107_output_key_differs_from_layer_name
from keras_loss_lint.rules import klo108_duplicate_output_name
from keras_loss_lint.rules import klo109_label_key_not_an_output
from keras_loss_lint.rules import klo110_input_key_not_an_input
from keras_loss_lint.rules import klo111_dict_labels_with_sample_weight
from keras_loss_lint.rules import klo201_dict_loss_sorted_order
from keras_loss_lint.rules import klo202_loss_weights_sorted_order
from keras_loss_lint.rules import klo203_dict_labels_sorted_order
from keras_loss_lint.rules import klo204_dict_metrics_sorted_order
from keras_loss_lint.rules import klo205_none_in_loss_list
from keras_loss_lint.rules import klo206_list_for_dict_outputs
from keras_loss_lint.rules import klo207_dict_inputs_sorted_order
from keras_loss_lint.rules import klo301_unnamed_output_layer
from keras_loss_lint.rules import klo302_auto_generated_name_key
from keras_loss_lint.rules import klo401_flat_metrics_list_per_output
from keras_loss_lint.rules import klo402_metrics_not_a_container
from keras_loss_lint.rules import klo403_single_label_for_multi_output
from keras_loss_lint.rules import klo404_positional_compile_arguments
from keras_loss_lint.rules import klo900_unused_noqa
from keras_loss_lint.rules import klo901_internal_error
from keras_loss_lint.rules import klo902_not_fully_analysed
from keras_loss_lint.rules.base import Rule

ALL_RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            klo101_loss_key_not_an_output.RULE,
            klo102_loss_weights_key_not_an_output.RULE,
            klo103_metrics_key_not_an_output.RULE,
            klo104_loss_dict_missing_output.RULE,
            klo105_list_length_mismatch.RULE,
            klo106_dict_for_model_without_output_names.RULE,
            klo107_output_key_differs_from_layer_name.RULE,
            klo108_duplicate_output_name.RULE,
            klo109_label_key_not_an_output.RULE,
            klo110_input_key_not_an_input.RULE,
            klo111_dict_labels_with_sample_weight.RULE,
            klo201_dict_loss_sorted_order.RULE,
            klo202_loss_weights_sorted_order.RULE,
            klo203_dict_labels_sorted_order.RULE,
            klo204_dict_metrics_sorted_order.RULE,
            klo205_none_in_loss_list.RULE,
            klo206_list_for_dict_outputs.RULE,
            klo207_dict_inputs_sorted_order.RULE,
            klo301_unnamed_output_layer.RULE,
            klo302_auto_generated_name_key.RULE,
            klo401_flat_metrics_list_per_output.RULE,
            klo402_metrics_not_a_container.RULE,
            klo403_single_label_for_multi_output.RULE,
            klo404_positional_compile_arguments.RULE,
            klo900_unused_noqa.RULE,
            klo901_internal_error.RULE,
            klo902_not_fully_analysed.RULE,
        ),
        key=lambda rule: rule.code,
    )
)


def rule_by_code(code: str) -> Rule | None:
    for rule in ALL_RULES:
        if rule.code == code.upper():
            return rule
    return None
