"""The conformance catalogue: one scenario per claim RULES.md makes about Keras behaviour.

A case is named `klo<code>_<what>` after the rule whose claim it checks; `rule_of()` reads the code back
for grouping. Layer names are chosen so that written order and sorted order differ (`[b, a]`) unless a
case is a control (`*_safe`) showing the written order does not matter when it is sorted. Every case runs
on every release; the expected outcome per release comes from `keras_loss_lint.keras.semantics.predict`.

KLO301/KLO302 (auto-generated names), KLO404 (compile's positional parameters) and how dict outputs
are ordered are not scenario-shaped; `runner.py` reports them as `facts`, checked in test_conformance.
`STRUCTURE_CASES` (a `sample_weight` beside `y`, nested outputs) run in `test_structures.py`: their
outcomes carry `sample_weight_from` and their models nesting, which the shared JSON of `wire.py` and the
runtime check of `test_explain.py` do not speak yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_loss_lint.keras.scenario import ArgSpec, OutputsSpec, Scenario


@dataclass(frozen=True)
class Case:
    name: str
    scenario: Scenario
    claim: str

    @property
    def rule(self) -> str:
        return rule_of(self.name)


def rule_of(name: str) -> str:
    return name.split("_", 1)[0].upper()


# Short constructors: the catalogue reads like the compile() calls it stands for.
D = ArgSpec.dict_of
L = ArgSpec.list_of
S = ArgSpec.single()


def outs(*names: str, kind: str = "list", model: str = "functional") -> OutputsSpec:
    return OutputsSpec(kind, tuple(names), model_kind=model)  # type: ignore[arg-type]


def dict_outs(*pairs: tuple[str, str], model: str = "functional") -> OutputsSpec:
    """Dict outputs from (key, producing layer name) pairs, in written order."""
    return OutputsSpec(
        "dict",
        tuple(name for _, name in pairs),
        keys=tuple(key for key, _ in pairs),
        model_kind=model,  # type: ignore[arg-type]
    )


def same(*keys: str) -> tuple[tuple[str, str], ...]:
    """Dict-output pairs whose keys equal their layer names."""
    return tuple((k, k) for k in keys)


BA = outs("b", "a")
AB = outs("a", "b")
DICT_BA = dict_outs(*same("b", "a"))
# Keys differ from the producing layers' names (#18959): score <- head_s, label <- head_l.
DICT_KEYS_DIFFER = dict_outs(("score", "head_s"), ("label", "head_l"))


def case(name: str, claim: str, outputs: OutputsSpec, **args: ArgSpec) -> Case:
    return Case(name, Scenario(outputs, **args), claim)


CASES: tuple[Case, ...] = (
    # KLO101 loss-key-not-an-output
    case("klo101_typo_key_list_outputs", "a misspelt key raises at the first step, every version",
         outs("b_head", "a_head"), loss=D("b_head", "a_haed")),
    case("klo101_extra_key_list_outputs", "a key naming no output raises", BA, loss=D("b", "a", "c")),
    case("klo101_single_output_wrong_key", "single output: a key other than the layer name raises",
         outs("out", kind="single"), loss=D("output")),
    case("klo101_unknown_key_dict_outputs", "dict outputs: a key naming no output raises",
         DICT_BA, loss=D("b", "c")),
    # KLO102 loss-weights-key-not-an-output
    case("klo102_weights_unknown_key_list_outputs", "an unknown loss_weights key: A raises; B, C differ",
         BA, loss=D("b", "a"), loss_weights=D("b", "c")),
    case("klo102_weights_extra_key_list_outputs", "an extra loss_weights key", BA,
         loss=D("b", "a"), loss_weights=D("b", "a", "c")),
    case("klo102_weights_unknown_key_dict_outputs", "dict outputs: unknown loss_weights key",
         DICT_BA, loss=D("b", "a"), loss_weights=D("b", "c")),
    # KLO103 metrics-key-not-an-output
    case("klo103_metrics_unknown_key_list_outputs", "an unknown metrics key raises", BA,
         loss=S, metrics=D("b", "c")),
    case("klo103_metrics_unknown_key_dict_outputs", "dict outputs: unknown metrics key raises",
         DICT_BA, loss=S, metrics=D("b", "c")),
    case("klo103_metrics_wrong_key_single_output", "single output: wrong metrics key (3.14+ ignores keys)",
         outs("out", kind="single"), loss=S, metrics=D("output")),
    # KLO104 loss-dict-missing-output
    case("klo104_partial_dict_loss", "A: missing output gets no loss; B, C raise", BA, loss=D("b")),
    case("klo104_dict_loss_none_value", "an explicit None value: A, C no loss there; B drops every loss",
         BA, loss=D("b", "a", none_at=("a",))),
    case("klo104_dict_loss_none_value_sorted_last", "B: the sorted first entry lands on the first output", BA,
         loss=D("b", "a", none_at=("b",))),
    case("klo104_partial_dict_loss_weights", "A: weight 1.0; B: ValueError; C: KeyError", BA,
         loss=D("b", "a"), loss_weights=D("a")),
    case("klo104_partial_dict_loss_dict_outputs_safe", "dict outputs accept a partial dict loss (C)",
         DICT_BA, loss=D("b")),
    # KLO105 list-length-mismatch
    case("klo105_short_list_loss", "A, B raise; C: later outputs silently untrained", BA, loss=L(1)),
    case("klo105_short_list_loss_three_outputs", "C: the last output silently untrained",
         outs("c", "b", "a"), loss=L(2)),
    case("klo105_long_list_loss", "a longer loss list raises", BA, loss=L(3)),
    case("klo105_short_list_weights", "a shorter loss_weights list", BA, loss=L(2), loss_weights=L(1)),
    case("klo105_long_list_weights", "a longer loss_weights list", BA, loss=L(2), loss_weights=L(3)),
    case("klo105_long_list_metrics", "a longer metrics list raises", BA, loss=S, metrics=L(3)),
    # KLO106 dict-for-model-without-output-names
    case("klo106_sequential_dict_loss", "Sequential + dict loss raises, even keyed by the last layer",
         outs("head", kind="single", model="sequential"), loss=D("head")),
    case("klo106_sequential_dict_loss_weights", "Sequential + dict loss_weights",
         outs("head", kind="single", model="sequential"), loss=S, loss_weights=D("head")),
    case("klo106_sequential_dict_metrics", "Sequential + dict metrics",
         outs("head", kind="single", model="sequential"), loss=S, metrics=D("head")),
    case("klo106_sequential_dict_loss_other_key", "Sequential + dict loss keyed by another name than the last layer's",
         outs("head", kind="single", model="sequential"), loss=D("price")),
    case("klo106_subclassed_list_outputs_dict_loss", "subclassed list outputs + dict loss raises",
         outs("b", "a", model="subclassed"), loss=D("b", "a")),
    case("klo106_subclassed_single_output_dict_loss", "subclassed single output + dict loss raises",
         outs("head", kind="single", model="subclassed"), loss=D("head")),
    case("klo106_subclassed_dict_outputs_dict_loss_safe", "subclassed dict outputs: dict loss by key works",
         dict_outs(("b", "head_b"), ("a", "head_a"), model="subclassed"), loss=D("b", "a")),
    # KLO107 output-key-differs-from-layer-name
    case("klo107_dict_outputs_keys_differ", "A raises for a loss keyed by the output keys; B, C by key",
         DICT_KEYS_DIFFER, loss=D("score", "label")),
    case("klo107_dict_outputs_loss_keyed_by_layer_names", "A silently drops every loss; B, C raise",
         DICT_KEYS_DIFFER, loss=D("head_s", "head_l")),
    case("klo107_dict_outputs_keys_differ_single_loss", "A: a broadcast loss reaches no output",
         DICT_KEYS_DIFFER, loss=S),
    case("klo107_dict_outputs_keys_differ_metrics", "metrics keyed by output keys fail up to 3.11",
         DICT_KEYS_DIFFER, loss=D("score", "label"), metrics=D("score", "label")),
    case("klo107_dict_outputs_keys_equal_names_safe", "keys equal to layer names work everywhere",
         DICT_BA, loss=D("b", "a"), metrics=D("b", "a")),
    # KLO108 duplicate-output-name
    case("klo108_duplicate_name_dict_loss", "one key for two outputs of one layer: A, C both; B raises",
         outs("h", "h"), loss=D("h")),
    case("klo108_duplicate_name_three_outputs", "a dict cannot address duplicates separately",
         outs("h", "g", "h"), loss=D("h", "g")),
    case("klo108_duplicate_name_list_loss_safe", "a list loss addresses duplicates by position",
         outs("h", "h"), loss=L(2)),
    # KLO109 label-key-not-an-output
    case("klo109_dict_y_unknown_key_list_loss", "dict y with a key naming no output", BA,
         loss=L(2), y=D("b", "c")),
    case("klo109_dict_y_unknown_key_dict_loss", "dict y with a key naming no output, dict loss", BA,
         loss=D("b", "a"), y=D("b", "c")),
    case("klo109_dict_y_missing_key", "dict y without a key for one output", BA, loss=L(2), y=D("b")),
    case("klo109_dict_y_single_output_wrong_key", "single output + dict y with another key (#21513)",
         outs("out", kind="single"), loss=S, y=D("label")),
    case("klo109_dict_y_unknown_key_dict_outputs", "dict outputs + dict y with an unknown key",
         DICT_BA, loss=D("b", "a"), y=D("b", "c")),
    # KLO201 dict-loss-sorted-order
    case("klo201_dict_loss_list_outputs_unsorted", "B applies dict losses in sorted key order (#20596)",
         BA, loss=D("b", "a")),
    case("klo201_alpha_names_safe", "sorted output names: dict written in another order is fine",
         AB, loss=D("b", "a")),
    case("klo201_three_outputs_unsorted", "B: zeta<-loss_alpha ... (sorted rotation)",
         outs("zeta", "alpha", "mid"), loss=D("zeta", "alpha", "mid")),
    case("klo201_numeric_suffix", "'head_10' < 'head_2' in str order", outs("head_2", "head_10"),
         loss=D("head_2", "head_10")),
    case("klo201_uppercase_sorts_first", "'Beta' < 'alpha' in str order", outs("alpha", "Beta"),
         loss=D("alpha", "Beta")),
    case("klo201_underscore_after_uppercase", "'outB' < 'out_x' in str order", outs("out_x", "outB"),
         loss=D("out_x", "outB")),
    case("klo201_tuple_outputs", "tuple outputs behave like list outputs",
         outs("b", "a", kind="tuple"), loss=D("b", "a")),
    case("klo201_dict_loss_dict_weights", "B: each weight travels with its (misplaced) loss", BA,
         loss=D("b", "a"), loss_weights=D("b", "a")),
    case("klo201_dict_loss_dict_y", "B: loss and label travel together to the wrong output", BA,
         loss=D("b", "a"), y=D("b", "a")),
    case("klo201_dict_outputs_safe", "dict outputs: dict loss by key in every version", DICT_BA,
         loss=D("b", "a")),
    # KLO202 loss-weights-sorted-order
    case("klo202_list_loss_dict_weights", "A raises; B and C apply weights in sorted key order", BA,
         loss=L(2), loss_weights=D("b", "a")),
    case("klo202_dict_loss_list_weights", "A raises; B misaligns; C fine", BA,
         loss=D("b", "a"), loss_weights=L(2)),
    case("klo202_list_loss_dict_weights_alpha", "sorted names: B, C right; A still raises", AB,
         loss=L(2), loss_weights=D("b", "a")),
    case("klo202_single_loss_dict_weights", "B applies dict weights in sorted key order under one loss", BA,
         loss=S, loss_weights=D("b", "a")),
    case("klo202_list_loss_list_weights_safe", "list loss + list weights: positional everywhere", BA,
         loss=L(2), loss_weights=L(2)),
    # KLO203 dict-labels-sorted-order
    case("klo203_dict_y_list_outputs", "B: labels paired in sorted key order (#20346)", BA,
         loss=L(2), y=D("b", "a")),
    case("klo203_dict_y_single_loss", "B: labels swapped under a broadcast loss too", BA, loss=S,
         y=D("b", "a")),
    case("klo203_dict_y_tuple_outputs", "tuple outputs behave like list outputs",
         outs("b", "a", kind="tuple"), loss=L(2), y=D("b", "a")),
    case("klo203_dict_y_alpha_safe", "sorted names: a dict y in another order is fine", AB, loss=L(2),
         y=D("b", "a")),
    case("klo203_list_y_safe", "list loss + list y: positional everywhere", BA, loss=L(2), y=L(2)),
    # KLO204 dict-metrics-sorted-order
    case("klo204_dict_metrics_dict_y_unsorted", "3.14.0 scores each head's metrics on another head's y (#22625)", BA,
         loss=L(2), metrics=D("b", "a"), y=D("b", "a")),
    case("klo204_dict_metrics_list_y_safe", "dict metrics with a list y", BA, loss=L(2),
         metrics=D("b", "a"), y=L(2)),
    case("klo204_dict_metrics_dict_y_alpha_safe", "sorted names: dict metrics + dict y fine", AB,
         loss=L(2), metrics=D("b", "a"), y=D("b", "a")),
    # KLO205 none-in-loss-list
    case("klo205_none_in_loss_list", "A shifts later losses forward; B uses only the first n - k positions", BA,
         loss=L(2, none_at=(0,))),
    case("klo205_none_last_in_loss_list", "a trailing None", BA, loss=L(2, none_at=(1,))),
    case("klo205_none_middle_three_outputs", "A moves the loss after None onto the None's output; B drops it",
         outs("c", "b", "a"), loss=L(3, none_at=(1,))),
    case("klo205_none_first_three_outputs", "A shifts both later losses forward; B drops the last",
         outs("c", "b", "a"), loss=L(3, none_at=(0,))),
    case("klo205_two_nones_four_outputs", "B uses only the first n - k positions (k = number of Nones)",
         outs("d", "c", "b", "a"), loss=L(4, none_at=(1, 2))),
    case("klo205_none_last_three_outputs_safe", "a trailing None only", outs("c", "b", "a"),
         loss=L(3, none_at=(2,))),
    # KLO206 list-for-dict-outputs
    case("klo206_list_loss_dict_outputs", "a list loss is matched in sorted key order", DICT_BA,
         loss=L(2)),
    case("klo206_list_y_dict_outputs", "a list y is matched in sorted key order", DICT_BA,
         loss=D("b", "a"), y=L(2)),
    case("klo206_list_metrics_dict_outputs", "a list of metrics is matched in sorted key order",
         DICT_BA, loss=S, metrics=L(2)),
    case("klo206_list_weights_dict_outputs", "list loss_weights on dict outputs", DICT_BA,
         loss=D("b", "a"), loss_weights=L(2)),
    case("klo206_list_loss_dict_outputs_keys_differ", "sorted by key, not by layer name",
         DICT_KEYS_DIFFER, loss=L(2)),
    case("klo206_sorted_keys_safe", "dict outputs written in sorted key order", dict_outs(*same("a", "b")),
         loss=L(2)),
    # KLO401 flat-metrics-list-per-output
    case("klo401_flat_metrics_list", "one flat metric for two outputs raises (Keras 2 broadcast it)", BA,
         loss=S, metrics=L(1)),
    case("klo401_flat_metrics_list_matching_length", "entry i goes to output i only", BA, loss=S,
         metrics=L(2)),
    case("klo401_flat_metrics_single_output_safe", "single output: every metric applies",
         outs("out", kind="single"), loss=S, metrics=L(2)),
    # KLO402 metrics-not-a-container
    case("klo402_bare_metric", "a bare metric raises at compile()", BA, loss=S, metrics=S),
    case("klo402_bare_metric_single_output", "also for a single output", outs("out", kind="single"),
         loss=S, metrics=S),
    # KLO403 single-label-for-multi-output
    case("klo403_single_label_multi_output", "A, B train only output 0; C raises ValueError", BA, loss=L(2), y=S),
    case("klo403_single_label_broadcast_loss", "one label and one loss for two outputs", BA, loss=S,
         y=S),
    case("klo403_single_label_none_losses_safe", "B, C: y goes to the single non-None loss (#20477)", BA,
         loss=L(2, none_at=(1,)), y=S),
)

CASES_BY_NAME: dict[str, Case] = {c.name: c for c in CASES}
assert len(CASES_BY_NAME) == len(CASES), "duplicate case names"


# Nested outputs, `names` in Keras's flattened order (lists in order, dicts by sorted key).
NESTED_DICT = OutputsSpec.nested(("c", "b", "a"), ("dict", (("heads", ("list", (1, 2))), ("aux", 0))))
NESTED_LIST_FIRST = OutputsSpec.nested(("b", "a", "c"), ("list", (("list", (0, 1)), 2)))
NESTED_LIST_LAST = OutputsSpec.nested(("b", "c", "a"), ("list", (0, ("list", (1, 2)))))
NESTED_LIST_SORTED = OutputsSpec.nested(("a", "b", "c"), ("list", (("list", (0, 1)), 2)))
NESTED_THREE_TOP = OutputsSpec.nested(("d", "b", "a", "c"), ("list", (0, ("list", (1, 2)), 3)))

STRUCTURE_CASES: tuple[Case, ...] = (
    # KLO111 dict-labels-with-sample-weight
    case("klo111_dict_y_dict_sample_weight", "3.7+ KeyError: 0; 3.5/3.6 weights and labels in sorted order", BA,
         loss=S, y=D("b", "a"), sample_weight=D("b", "a")),
    case("klo111_dict_y_dict_sample_weight_sorted", "3.7+ raise even when the names are sorted", AB,
         loss=S, y=D("b", "a"), sample_weight=D("b", "a")),
    case("klo111_dict_y_dict_sample_weight_list_loss", "the form of the loss does not matter", BA,
         loss=L(2), y=D("b", "a"), sample_weight=D("b", "a")),
    case("klo111_dict_y_dict_sample_weight_dict_loss", "nor does a dict loss", BA,
         loss=D("b", "a"), y=D("b", "a"), sample_weight=D("b", "a")),
    case("klo111_dict_y_dict_sample_weight_dict_weights", "loss_weights travel with the losses", BA,
         loss=D("b", "a"), loss_weights=D("b", "a"), y=D("b", "a"), sample_weight=D("b", "a")),
    case("klo111_dict_y_single_sample_weight", "3.7+ raise for one sample_weight array too", BA,
         loss=L(2), y=D("b", "a"), sample_weight=S),
    case("klo111_dict_y_list_sample_weight", "Keras 3 refuses a list beside a dict y", BA,
         loss=L(2), y=D("b", "a"), sample_weight=L(2)),
    case("klo111_list_y_dict_sample_weight", "Keras 3 refuses a dict beside a list y", BA,
         loss=L(2), y=L(2), sample_weight=D("b", "a")),
    case("klo111_list_y_list_sample_weight_safe", "lists in output order work everywhere", BA,
         loss=L(2), y=L(2), sample_weight=L(2)),
    case("klo111_dict_outputs_dict_sample_weight_safe", "dict outputs take both dicts by key", DICT_BA,
         loss=D("b", "a"), y=D("b", "a"), sample_weight=D("b", "a")),
    # KLO201 / KLO104: nested outputs with a flat dict loss keyed by layer names
    case("klo201_nested_list_flat_dict_loss", "3.0-3.3 refuse the model; 3.4 drops 'a'; 3.5/3.6 sorted",
         NESTED_LIST_LAST, loss=D("b", "c", "a")),
    case("klo201_nested_list_first_flat_dict_loss", "3.4 drops 'c'; 3.5/3.6 swap 'b' and 'a'",
         NESTED_LIST_FIRST, loss=D("b", "a", "c")),
    case("klo201_nested_three_top_level_flat_dict_loss", "3.4: the outputs past the top level's length drop",
         NESTED_THREE_TOP, loss=D("d", "b", "a", "c")),
    case("klo201_nested_sorted_names_flat_dict_loss", "sorted names: 3.4 still drops the last", NESTED_LIST_SORTED,
         loss=D("b", "a", "c")),
    case("klo104_nested_dict_flat_dict_loss", "3.4 trains no output; 3.5+ KeyError", NESTED_DICT,
         loss=D("b", "a", "c")),
    case("klo104_nested_dict_single_loss", "3.4: a broadcast loss reaches no output", NESTED_DICT, loss=S),
    case("klo105_nested_list_list_loss", "a flat list loss in flattened order", NESTED_LIST_FIRST, loss=L(3)),
    case("klo105_nested_dict_list_loss", "3.4 raise; others in flattened order", NESTED_DICT, loss=L(3)),
    case("klo201_nested_list_single_loss_safe", "a broadcast loss reaches every output from 3.4", NESTED_LIST_FIRST,
         loss=S),
)
STRUCTURE_CASES_BY_NAME: dict[str, Case] = {c.name: c for c in STRUCTURE_CASES}
assert len(STRUCTURE_CASES_BY_NAME) == len(STRUCTURE_CASES), "duplicate case names"
assert not set(STRUCTURE_CASES_BY_NAME) & set(CASES_BY_NAME), "a case name in both catalogues"
