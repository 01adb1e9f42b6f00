"""Random but valid Keras training scripts for property-based tests, and the ways to write them.

A `Program` is what a script does: which outputs the model has (layer names, or none), how the model
is built (module level, a helper function, a loop, a Functional subclass, a builder class), how it
is compiled (dict/list/single/None-holding losses, weights, metrics, by keyword or position) and how
it is fitted (dict/list/single labels, sample weights). A `Style` is how it is written: indentation,
quotes, extra parentheses, line breaks inside brackets, comments, blank lines, names of the local
variables. `render(program, style)` writes the script; two styles of one program must lint to the same
codes, since Keras would run them identically.

Names come from a small pool on purpose: sorted and unsorted orders, near-miss keys, auto-generated
looking names (`dense_1`) and duplicates all come up, so the rules have something to say.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass, field
from typing import Callable, Optional

from hypothesis import strategies as st

# Layer names: in and out of sorted order ("Zeta" < "_x" < "alpha"; "out_10" < "out_2"), and names
# that look auto-generated.
LAYER_NAMES = ("alpha", "beta", "Zeta", "_x", "out_2", "out_10", "price", "dense_1", "output_1", "gamma")
# Keys a user might write that are no layer name: typos, Python variable names, auto-generated names.
STRAY_KEYS = ("alpah", "pricee", "dense", "dense_3", "price_out", "y", "head")
LOSSES = ('"mse"', '"mae"', '"binary_crossentropy"', "keras.losses.Huber()", "None")
METRICS = ('"mae"', '"accuracy"', "keras.metrics.AUC()")
IMPORT_STYLES = ("keras", "tf.keras", "from_tensorflow", "tf_keras", "from_keras_layers")
BUILDERS = (
    "module", "function", "loop", "functional_subclass", "builder_class", "helper_heads", "sequential", "subclassed",
)
CONTAINERS = ("list", "tuple", "dict", "single")


@dataclass(frozen=True)
class Head:
    layer: str  # "Dense", "Activation", "concatenate", or "reuse" (the previous Dense layer again)
    name: Optional[str]  # the `name=`; None leaves the name to Keras's counter


@dataclass(frozen=True)
class Value:
    """A `loss`/`loss_weights`/`metrics`/`y`/`sample_weight` argument, before it is written."""

    form: str  # "single", "list", "tuple", "dict", "dict_call", "comprehension"
    keys: tuple[str, ...] = ()  # dict forms
    items: tuple[str, ...] = ()  # values (as source snippets), or the one value for "single"
    hoisted: bool = False  # assigned to a variable first, the variable passed


@dataclass(frozen=True)
class Compile:
    loss: Optional[Value]
    loss_weights: Optional[Value]
    metrics: Optional[Value]
    positional: int  # how many of optimizer, loss, (metrics|loss_weights) are passed by position
    in_branch: bool  # inside `if USE_GPU: ... else: ...` with the same call in both branches


@dataclass(frozen=True)
class Fit:
    method: str  # fit, evaluate, train_on_batch, test_on_batch
    y: Optional[Value]
    sample_weight: Optional[Value]
    y_by_keyword: bool


@dataclass(frozen=True)
class Program:
    imports: str
    builder: str
    container: str
    heads: tuple[Head, ...]
    output_keys: tuple[str, ...]  # dict outputs: the keys (may differ from the layer names)
    compiles: tuple[Compile, ...]
    fits: tuple[Fit, ...]
    trailing_loop: bool  # an unrelated `for` loop and function, as real scripts have


@dataclass(frozen=True)
class Style:
    indent: str = "    "
    quote: str = '"'
    parens: bool = False  # extra parentheses around argument values, dict values and list items
    multiline: bool = False  # one item per line inside brackets, with a trailing comma
    comments: bool = False  # comment lines between statements and inside brackets
    blank_lines: int = 1
    prefix: str = ""  # renames every local variable and function: `model` -> `{prefix}model`
    spaces_in_brackets: bool = False


# ------------------------------------------------------------------------------------ strategies

names = st.sampled_from(LAYER_NAMES)


@st.composite
def heads(draw: st.DrawFn) -> tuple[Head, ...]:
    count = draw(st.integers(1, 4))
    chosen = draw(st.lists(names, min_size=count, max_size=count, unique=draw(st.booleans()) or count == 1))
    result = []
    for name in chosen:
        layer = draw(st.sampled_from(("Dense", "Dense", "Activation", "concatenate", "reuse")))
        named = draw(st.integers(0, 9)) > 0  # mostly named: unnamed outputs are a rule of their own
        result.append(Head(layer, name if named else None))
    return tuple(result)


def _keys(draw: st.DrawFn, program_heads: tuple[Head, ...]) -> tuple[str, ...]:
    """Dict keys: usually the output names, sometimes with one missing, one extra or one misspelt."""
    known = [h.name for h in program_heads if h.name] or ["alpha"]
    keys = list(dict.fromkeys(known))
    keys = draw(st.permutations(keys))
    change = draw(st.sampled_from(("none", "none", "none", "drop", "add", "replace")))
    if change == "drop" and len(keys) > 1:
        keys = keys[:-1]
    elif change == "add":
        keys = [*keys, draw(st.sampled_from(STRAY_KEYS))]
    elif change == "replace":
        keys = [draw(st.sampled_from(STRAY_KEYS)), *keys[1:]]
    return tuple(dict.fromkeys(keys))


@st.composite
def values(draw: st.DrawFn, program_heads: tuple[Head, ...], pool: tuple[str, ...]) -> Value:
    form = draw(st.sampled_from(("single", "list", "tuple", "dict", "dict", "dict_call", "comprehension")))
    hoisted = draw(st.booleans())
    if form == "single":
        return Value(form, items=(draw(st.sampled_from(pool)),), hoisted=hoisted)
    if form in ("list", "tuple"):
        length = draw(st.sampled_from((len(program_heads), len(program_heads), 1, len(program_heads) + 1)))
        return Value(form, items=tuple(draw(st.sampled_from(pool)) for _ in range(length)), hoisted=hoisted)
    keys = _keys(draw, program_heads)
    if form == "dict_call" and not all(k.isidentifier() and not keyword.iskeyword(k) for k in keys):
        form = "dict"
    if form == "comprehension":
        return Value(form, keys=keys, items=(draw(st.sampled_from(pool)),), hoisted=hoisted)
    return Value(form, keys=keys, items=tuple(draw(st.sampled_from(pool)) for _ in keys), hoisted=hoisted)


def _maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Value]) -> Optional[Value]:
    return draw(strategy) if draw(st.booleans()) else None


@st.composite
def compiles(draw: st.DrawFn, program_heads: tuple[Head, ...]) -> Compile:
    weight_pool = ("1.0", "0.5", "2.0")
    metric_values = values(program_heads, METRICS)
    metrics = draw(st.one_of(st.none(), metric_values, st.builds(lambda: Value("list_of_lists"))))
    return Compile(
        loss=draw(values(program_heads, LOSSES)) if draw(st.integers(0, 9)) else None,
        loss_weights=_maybe(draw, values(program_heads, weight_pool)),
        metrics=metrics,
        positional=draw(st.sampled_from((0, 0, 1, 2, 3))),
        in_branch=draw(st.integers(0, 4)) == 0,
    )


@st.composite
def fits(draw: st.DrawFn, program_heads: tuple[Head, ...]) -> Fit:
    labels = ("y_a", "y_b", "y_c")
    return Fit(
        method=draw(st.sampled_from(("fit", "fit", "evaluate", "train_on_batch", "test_on_batch"))),
        y=_maybe(draw, values(program_heads, labels)),
        sample_weight=draw(values(program_heads, ("w_a", "w_b"))) if draw(st.integers(0, 4)) == 0 else None,
        y_by_keyword=draw(st.booleans()),
    )


@st.composite
def programs(draw: st.DrawFn) -> Program:
    program_heads = draw(heads())
    container = draw(st.sampled_from(CONTAINERS))
    if container == "single":
        program_heads = program_heads[:1]
    builder = draw(st.sampled_from(BUILDERS))
    if builder == "loop" and (container == "single" or any(h.name is None for h in program_heads)):
        builder = "function"
    output_keys: tuple[str, ...] = ()
    if container == "dict":
        defaults = [h.name or f"head_{i}" for i, h in enumerate(program_heads)]
        renamed = draw(st.booleans()) and builder != "loop"
        output_keys = tuple(
            draw(st.sampled_from(LAYER_NAMES)) if renamed and draw(st.booleans()) else key for key in defaults
        )
        output_keys = tuple(dict.fromkeys(output_keys))  # a dict literal keeps one entry per key
        program_heads = program_heads[: len(output_keys)]
    return Program(
        imports=draw(st.sampled_from(IMPORT_STYLES)),
        builder=builder,
        container=container,
        heads=program_heads,
        output_keys=output_keys,
        compiles=tuple(draw(st.lists(compiles(program_heads), min_size=1, max_size=3))),
        fits=tuple(draw(st.lists(fits(program_heads), max_size=2))),
        trailing_loop=draw(st.booleans()),
    )


styles = st.builds(
    Style,
    indent=st.sampled_from(("    ", "  ", "\t", "        ")),
    quote=st.sampled_from(('"', "'")),
    parens=st.booleans(),
    multiline=st.booleans(),
    comments=st.booleans(),
    blank_lines=st.integers(0, 2),
    prefix=st.sampled_from(("", "my_", "tmp_", "_")),
    spaces_in_brackets=st.booleans(),
)


# ------------------------------------------------------------------------------------- rendering


@dataclass
class Writer:
    """Accumulates lines; knows the style for every piece of syntax it writes."""

    style: Style
    lines: list[str] = field(default_factory=list)
    comment_count: int = 0

    def v(self, name: str) -> str:
        """A local variable or function name, renamed by the style."""
        return f"{self.style.prefix}{name}"

    def s(self, text: str) -> str:
        """A string literal in the style's quotes."""
        return f"{self.style.quote}{text}{self.style.quote}"

    def p(self, expression: str) -> str:
        return f"({expression})" if self.style.parens else expression

    def bracket(self, opening: str, items: list[str], closing: str, depth: int) -> str:
        if not items:
            return opening + closing
        if self.style.multiline:
            inner = self.style.indent * (depth + 1)
            note = f"{inner}# entries\n" if self.style.comments else ""
            body = "".join(f"{inner}{item},\n" for item in items)
            return f"{opening}\n{note}{body}{self.style.indent * depth}{closing}"
        pad = " " if self.style.spaces_in_brackets else ""
        trailing = "," if opening == "(" and closing == ")" and len(items) == 1 else ""
        return f"{opening}{pad}{', '.join(items)}{trailing}{pad}{closing}"

    def call(self, function: str, arguments: list[str], depth: int) -> str:
        if self.style.multiline and arguments:
            inner = self.style.indent * (depth + 1)
            body = "".join(f"{inner}{argument},\n" for argument in arguments)
            return f"{function}(\n{body}{self.style.indent * depth})"
        return f"{function}({', '.join(arguments)})"

    def statement(self, text: str, depth: int) -> None:
        indent = self.style.indent * depth
        if self.style.comments:
            self.comment_count += 1
            self.lines.append(f"{indent}# step {self.comment_count}")
        first, *continuation = text.split("\n")
        self.lines.append(f"{indent}{first}")
        # Continuation lines are inside brackets, where indentation means nothing to Python; they
        # were indented for their depth when the brackets were written.
        self.lines.extend(continuation)

    def blank(self) -> None:
        self.lines.extend([""] * self.style.blank_lines)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _layer_module(program: Program) -> tuple[list[str], str, str]:
    """Import lines, the expression for the layers module, and the one for the keras namespace."""
    return {
        "keras": (["import keras", "from keras import layers"], "layers", "keras"),
        "tf.keras": (["import tensorflow as tf"], "tf.keras.layers", "tf.keras"),
        "from_tensorflow": (["from tensorflow import keras"], "keras.layers", "keras"),
        "tf_keras": (["import tf_keras as keras"], "keras.layers", "keras"),
        "from_keras_layers": (["import keras", "import keras.layers as kl"], "kl", "keras"),
    }[program.imports]


def _head_expression(w: Writer, program: Program, head: Head, features: str, layers: str, depth: int) -> str:
    name_arg = [f"name={w.p(w.s(head.name))}"] if head.name else []
    if head.layer == "concatenate":
        return w.call(f"{layers}.concatenate", [w.bracket("[", [features, features], "]", depth)] + name_arg, depth)
    if head.layer == "Activation":
        layer = w.call(f"{layers}.Activation", [w.s("sigmoid")] + name_arg, depth)
    else:
        layer = w.call(f"{layers}.Dense", ["1"] + name_arg, depth)
    return f"{w.p(layer)}({features})"


def _outputs_expression(w: Writer, program: Program, head_vars: list[str], depth: int) -> str:
    if program.container == "single":
        return head_vars[0]
    if program.container == "dict":
        entries = [f"{w.s(k)}: {w.p(v)}" for k, v in zip(program.output_keys, head_vars)]
        return w.bracket("{", entries, "}", depth)
    opening, closing = ("[", "]") if program.container == "list" else ("(", ")")
    return w.bracket(opening, [w.p(v) for v in head_vars], closing, depth)


def _build_heads(w: Writer, program: Program, layers: str, features: str, depth: int) -> list[str]:
    head_vars: list[str] = []
    last_layer: Optional[str] = None
    for index, head in enumerate(program.heads):
        var = w.v(f"head_{index}")
        if head.layer == "reuse" and last_layer is not None:
            # The same layer object called again: two outputs with one name.
            w.statement(f"{var} = {last_layer}({features})", depth)
        elif head.layer in ("Dense", "reuse"):
            last_layer = w.v(f"layer_{index}")
            name_arg = [f"name={w.p(w.s(head.name))}"] if head.name else []
            w.statement(f"{last_layer} = {w.call(f'{layers}.Dense', ['1', *name_arg], depth)}", depth)
            w.statement(f"{var} = {w.p(last_layer)}({features})", depth)
        else:
            w.statement(f"{var} = {w.p(_head_expression(w, program, head, features, layers, depth))}", depth)
        head_vars.append(var)
    return head_vars


def _trunk(w: Writer, layers: str, keras_ns: str, depth: int) -> tuple[str, str]:
    inputs, features = w.v("inputs"), w.v("features")
    shape = w.p(w.bracket("(", ["8"], ")", depth))
    w.statement(f"{inputs} = {w.call(keras_ns + '.Input', ['shape=' + shape], depth)}", depth)
    dense = w.call(f"{layers}.Dense", ["16", f"activation={w.s('relu')}"], depth)
    w.statement(f"{features} = {dense}({inputs})", depth)
    return inputs, features


def _model_call(w: Writer, keras_ns: str, inputs: str, outputs: str, depth: int) -> str:
    return w.call(f"{keras_ns}.Model", [f"inputs={inputs}", f"outputs={outputs}"], depth)


def _render_model(w: Writer, program: Program, layers: str, keras_ns: str) -> str:
    """Write the model-building code; return the expression that gives the model."""
    builder = program.builder
    if builder == "module":
        inputs, features = _trunk(w, layers, keras_ns, 0)
        outputs = _outputs_expression(w, program, _build_heads(w, program, layers, features, 0), 0)
        return _model_call(w, keras_ns, inputs, outputs, 0)
    if builder in ("function", "helper_heads"):
        if builder == "helper_heads":
            _render_helper(w, layers)
        w.statement(f"def {w.v('build')}():", 0)
        inputs, features = _trunk(w, layers, keras_ns, 1)
        if builder == "helper_heads":
            head_vars = [_helper_head(w, program, head, index, features) for index, head in enumerate(program.heads)]
        else:
            head_vars = _build_heads(w, program, layers, features, 1)
        w.statement(f"return {_model_call(w, keras_ns, inputs, _outputs_expression(w, program, head_vars, 1), 1)}", 1)
        w.blank()
        return f"{w.v('build')}()"
    if builder == "loop":
        return _render_loop(w, program, layers, keras_ns)
    if builder == "functional_subclass":
        w.statement(f"class {w.v('Net')}({keras_ns}.Model):", 0)
        w.statement("def __init__(self):", 1)
        inputs, features = _trunk(w, layers, keras_ns, 2)
        outputs = _outputs_expression(w, program, _build_heads(w, program, layers, features, 2), 2)
        w.statement(f"super().__init__(inputs={inputs}, outputs={outputs})", 2)
        w.blank()
        return f"{w.v('Net')}()"
    if builder == "sequential":
        return _render_sequential(w, program, layers, keras_ns)
    if builder == "subclassed":
        return _render_subclassed(w, program, layers, keras_ns)
    w.statement(f"class {w.v('Builder')}:", 0)
    w.statement("def build(self):", 1)
    inputs, features = _trunk(w, layers, keras_ns, 2)
    outputs = _outputs_expression(w, program, _build_heads(w, program, layers, features, 2), 2)
    w.statement(f"return {_model_call(w, keras_ns, inputs, outputs, 2)}", 2)
    w.blank()
    return f"{w.v('Builder')}().build()"


def _render_sequential(w: Writer, program: Program, layers: str, keras_ns: str) -> str:
    """A Sequential model: one output, and no output names Keras would match a dict against."""
    last = program.heads[-1]
    name_arg = [f"name={w.s(last.name)}"] if last.name else []
    stack = [w.call(f"{layers}.Dense", ["16"], 1), w.call(f"{layers}.Dense", ["1", *name_arg], 1)]
    return w.call(f"{keras_ns}.Sequential", [w.bracket("[", stack, "]", 1)], 0)


def _render_subclassed(w: Writer, program: Program, layers: str, keras_ns: str) -> str:
    """A subclassed model whose `call` returns its heads; only a returned dict has output names."""
    net = w.v("Net")
    w.statement(f"class {net}({keras_ns}.Model):", 0)
    w.statement("def __init__(self):", 1)
    w.statement("super().__init__()", 2)
    for index, head in enumerate(program.heads):
        name_arg = [f"name={w.s(head.name)}"] if head.name else []
        w.statement(f"self.head_{index} = {w.call(f'{layers}.Dense', ['1', *name_arg], 2)}", 2)
    w.blank()
    w.statement(f"def call(self, {w.v('inputs')}):", 1)
    head_vars = [f"self.head_{index}({w.v('inputs')})" for index in range(len(program.heads))]
    w.statement(f"return {_outputs_expression(w, program, head_vars, 2)}", 2)
    w.blank()
    return f"{net}()"


def _render_helper(w: Writer, layers: str) -> None:
    w.statement(f"def {w.v('make_head')}({w.v('x')}, {w.v('name')}=None):", 0)
    dense = w.call(f"{layers}.Dense", ["1", f"name={w.v('name')}"], 1)
    w.statement(f"return {dense}({w.v('x')})", 1)
    w.blank()


def _helper_head(w: Writer, program: Program, head: Head, index: int, features: str) -> str:
    var = w.v(f"head_{index}")
    name = w.s(head.name) if head.name else "None"
    w.statement(f"{var} = {w.v('make_head')}({features}, {w.v('name')}={w.p(name)})", 1)
    return var


def _render_loop(w: Writer, program: Program, layers: str, keras_ns: str) -> str:
    names_var, outputs = w.v("NAMES"), w.v("outputs")
    w.statement(f"{names_var} = {w.bracket('[', [w.s(h.name or '') for h in program.heads], ']', 0)}", 0)
    w.statement(f"def {w.v('build')}():", 0)
    inputs, features = _trunk(w, layers, keras_ns, 1)
    task = w.v("task")
    dense = w.call(f"{layers}.Dense", ["1", f"name={task}"], 1)
    if program.container == "dict":
        w.statement(f"{outputs} = {{{task}: {dense}({features}) for {task} in {names_var}}}", 1)
    else:
        w.statement(f"{outputs} = []", 1)
        w.statement(f"for {task} in {names_var}:", 1)
        w.statement(f"{outputs}.append({dense}({features}))", 2)
        if program.container == "tuple":
            w.statement(f"{outputs} = tuple({outputs})", 1)
    w.statement(f"return {_model_call(w, keras_ns, inputs, outputs, 1)}", 1)
    w.blank()
    return f"{w.v('build')}()"


def _value_expression(w: Writer, value: Value, depth: int) -> str:
    form = value.form
    if form == "single":
        return w.p(value.items[0])
    if form == "list_of_lists":
        return w.bracket("[", [w.bracket("[", [w.s("mae")], "]", depth + 1)], "]", depth)
    if form in ("list", "tuple"):
        opening, closing = ("[", "]") if form == "list" else ("(", ")")
        return w.bracket(opening, [w.p(item) for item in value.items], closing, depth)
    if form == "dict_call":
        return w.call("dict", [f"{k}={w.p(item)}" for k, item in zip(value.keys, value.items)], depth)
    if form == "comprehension":
        key = w.v("key")
        keys = w.bracket("[", [w.s(k) for k in value.keys], "]", depth)
        return f"{{{key}: {w.p(value.items[0])} for {key} in {keys}}}"
    entries = [f"{w.s(k)}: {w.p(item)}" for k, item in zip(value.keys, value.items)]
    return w.bracket("{", entries, "}", depth)


def _argument(w: Writer, value: Value, name: str, depth: int) -> str:
    """The argument's expression; a hoisted value is assigned to a variable first."""
    expression = _value_expression(w, value, depth)
    if not value.hoisted:
        return w.p(expression)
    var = w.v(name)
    w.statement(f"{var} = {expression}", depth)
    return var


def _render_compile(w: Writer, model: str, compile_: Compile, depth: int) -> None:
    pieces: list[tuple[str, str]] = [("optimizer", w.s("adam"))]
    for name in ("loss", "loss_weights", "metrics"):
        value = getattr(compile_, name)
        if value is not None:
            pieces.append((name, _argument(w, value, f"{name}_arg", depth)))
    positional = min(compile_.positional, len(pieces))
    if positional >= 3 and [n for n, _ in pieces[:3]] != ["optimizer", "loss", "loss_weights"]:
        positional = 2  # a third positional slot means different things in Keras 2 and 3 (KLO404)
    if positional >= 2 and pieces[1][0] != "loss":
        positional = 1
    arguments = [text for _, text in pieces[:positional]]
    arguments += [f"{name}={text}" for name, text in pieces[positional:]]
    call = w.call(f"{model}.compile", arguments, depth)
    if not compile_.in_branch:
        w.statement(call, depth)
        return
    w.statement(f"if {w.v('USE_GPU')}:", depth)
    w.statement(call, depth + 1)
    w.statement("else:", depth)
    w.statement(w.call(f"{model}.compile", arguments, depth + 1), depth + 1)


def _render_fit(w: Writer, model: str, fit: Fit, depth: int) -> None:
    arguments = [w.v("x_train")]
    if fit.y is not None:
        y = _argument(w, fit.y, "labels", depth)
        arguments.append(f"y={y}" if fit.y_by_keyword else y)
    if fit.sample_weight is not None:
        arguments.append(f"sample_weight={_argument(w, fit.sample_weight, 'weights', depth)}")
    w.statement(w.call(f"{model}.{fit.method}", arguments, depth), depth)


def render(program: Program, style: Style = Style()) -> str:
    w = Writer(style)
    import_lines, layers, keras_ns = _layer_module(program)
    for line in ["import numpy as np", *import_lines]:
        w.statement(line, 0)
    w.blank()
    for name in ("y_a", "y_b", "y_c", "w_a", "w_b"):
        w.statement(f"{name} = np.zeros((4, 1))", 0)
    w.statement(f"{w.v('x_train')} = np.zeros((4, 8))", 0)
    w.statement(f"{w.v('USE_GPU')} = False", 0)
    w.blank()
    model_expression = _render_model(w, program, layers, keras_ns)
    model = w.v("model")
    w.statement(f"{model} = {model_expression}", 0)
    for compile_ in program.compiles:
        _render_compile(w, model, compile_, 0)
    for fit in program.fits:
        _render_fit(w, model, fit, 0)
    if program.trailing_loop:
        w.blank()
        w.statement(f"def {w.v('report')}({w.v('history')}):", 0)
        w.statement(f"for {w.v('k')} in sorted({w.v('history')}):", 1)
        w.statement(f"print({w.v('k')}, {w.v('history')}[{w.v('k')}])", 2)
    return w.text()


def lint_codes(source: str, lint: Callable[[str], object]) -> list[str]:
    """Sorted codes (a multiset) of what `lint` reports for `source`."""
    result = lint(source)
    return sorted(d.code for d in result.diagnostics)  # type: ignore[attr-defined]
