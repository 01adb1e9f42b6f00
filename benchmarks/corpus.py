"""A deterministic corpus of realistic Keras training scripts, for benchmarking.

Each script looks like what people write: imports in one of the usual spellings, data loading and
preprocessing helpers, a multi-output model built inline, by helper functions, in a loop, by a builder
class or a Functional subclass, a `compile` with dict, list or single losses (sometimes miswired, so
the rules have something to say), `fit`/`evaluate` with dict or list labels, callbacks, plotting and a
`main()`. A share of the files are plain utility modules without Keras, as in a real project: those are
never parsed by the linter, and the benchmark compares against a parse of only the files that need one.

    python benchmarks/corpus.py OUT_DIR [--count 600] [--seed 20240611]
"""

from __future__ import annotations

import argparse
import random
import textwrap
from dataclasses import dataclass
from pathlib import Path

DEFAULT_COUNT = 600
DEFAULT_SEED = 20240611
# Share of utility modules without Keras: real projects have many more, but the Keras files dominate
# the linter's cost, and they are what this corpus is for.
PLAIN_SHARE = 0.15
# Share of training scripts wired correctly for every Keras release (most real code is): the rest carry
# the mistakes the rules are about, so findings (and their positions and messages) cost what they cost.
CLEAN_SHARE = 0.6

IMPORT_STYLES = (
    "import keras\nfrom keras import layers\n",
    "import tensorflow as tf\nfrom tensorflow import keras\nfrom tensorflow.keras import layers\n",
    "import keras\nfrom keras import layers, losses, metrics, optimizers\n",
    "import tf_keras as keras\nfrom tf_keras import layers\n",
    "from tensorflow.keras import layers, Model, Input\nimport tensorflow as tf\nkeras = tf.keras\n",
)
TASK_WORDS = (
    "price", "category", "sentiment", "topic", "age", "gender", "boxes", "classes", "depth", "mask",
    "priority", "department", "risk", "churn", "duration", "language", "style", "score", "label", "aux",
)
LOSSES = (
    '"mse"', '"mae"', '"binary_crossentropy"', '"categorical_crossentropy"',
    '"sparse_categorical_crossentropy"', '"huber"', "keras.losses.MeanSquaredError()",
    "keras.losses.BinaryCrossentropy(from_logits=True)", "keras.losses.Huber(delta=2.0)",
)
METRICS = ('"mae"', '"accuracy"', '"mse"', "keras.metrics.AUC()", '"precision"')


@dataclass(frozen=True)
class Head:
    name: str | None  # the `name=` of the output layer; None: left to Keras's counter
    var: str
    units: int
    loss: str


@dataclass(frozen=True)
class Wiring:
    """How a script addresses its outputs: `clean` scripts do it right for every Keras release."""

    clean: bool
    container: str  # "list", "tuple" or "dict": the model's `outputs`


def _heads(rng: random.Random, clean: bool) -> list[Head]:
    words = rng.sample(TASK_WORDS, rng.randint(2, 5))
    suffix = rng.choice(("", "_output", "_head", "_out"))
    heads = []
    for word in words:
        name = None if not clean and rng.random() < 0.08 else f"{word}{suffix}"
        heads.append(Head(name, f"{word}_pred", rng.choice((1, 1, 3, 10)), rng.choice(LOSSES)))
    return heads


def _name_arg(head: Head) -> str:
    return f', name="{head.name}"' if head.name else ""


def _key(head: Head, rng: random.Random, wiring: Wiring) -> str:
    """The key a user writes for a head: usually its layer name, sometimes a near miss."""
    if head.name is None:
        return f'"{head.var}"'
    if not wiring.clean and rng.random() < 0.06:
        return f'"{head.name[:-1] if len(head.name) > 3 else head.name + "s"}"'  # a typo
    return f'"{head.name}"'


# ------------------------------------------------------------------------------------------- models


def _inline_model(rng: random.Random, heads: list[Head], container: str) -> str:
    lines = [
        "def build_model(input_dim=INPUT_DIM):",
        '    inputs = keras.Input(shape=(input_dim,), name="features")',
        f'    x = layers.Dense({rng.choice((32, 64, 128))}, activation="relu")(inputs)',
        f"    x = layers.Dropout({rng.choice((0.1, 0.2, 0.5))})(x)",
    ]
    for head in heads:
        lines.append(f'    {head.var} = layers.Dense({head.units}{_name_arg(head)})(x)')
    lines.append(f"    return keras.Model(inputs=inputs, outputs={_outputs(heads, container)})")
    return "\n".join(lines) + "\n"


def _helper_model(rng: random.Random, heads: list[Head], container: str) -> str:
    lines = [
        "def dense_block(x, units, depth=2):",
        "    for _ in range(depth):",
        '        x = layers.Dense(units, activation="relu")(x)',
        "        x = layers.BatchNormalization()(x)",
        "    return x",
        "",
        "",
        "def make_head(features, units, name):",
        '    hidden = layers.Dense(32, activation="relu")(features)',
        "    return layers.Dense(units, name=name)(hidden)",
        "",
        "",
        "def build_model():",
        "    inputs = keras.Input(shape=(INPUT_DIM,))",
        f"    trunk = dense_block(inputs, {rng.choice((64, 128, 256))})",
    ]
    for head in heads:
        name = f'"{head.name}"' if head.name else "None"
        lines.append(f"    {head.var} = make_head(trunk, {head.units}, {name})")
    lines.append(f"    return keras.Model(inputs, {_outputs(heads, container)})")
    return "\n".join(lines) + "\n"


def _loop_model(rng: random.Random, heads: list[Head], container: str) -> str:
    named = [h for h in heads if h.name]
    tasks = ", ".join(f'"{h.name}"' for h in named) or '"only"'
    body = (
        "    outputs = {task: layers.Dense(1, name=task)(x) for task in TASKS}\n"
        if container == "dict"
        else "    outputs = []\n    for task in TASKS:\n        outputs.append(layers.Dense(1, name=task)(x))\n"
    )
    return (
        f"TASKS = [{tasks}]\n\n\n"
        "def build_model():\n"
        "    inputs = keras.Input(shape=(INPUT_DIM,))\n"
        f'    x = layers.Dense({rng.choice((16, 64))}, activation="relu")(inputs)\n'
        f"{body}"
        "    return keras.Model(inputs, outputs)\n"
    )


def _builder_class(rng: random.Random, heads: list[Head], container: str) -> str:
    lines = [
        "class ModelBuilder:",
        "    def __init__(self, width=64):",
        "        self.width = width",
        "",
        "    def trunk(self, inputs):",
        '        return layers.Dense(self.width, activation="relu")(inputs)',
        "",
        "    def build(self):",
        "        inputs = keras.Input(shape=(INPUT_DIM,))",
        "        x = self.trunk(inputs)",
    ]
    for head in heads:
        lines.append(f"        {head.var} = layers.Dense({head.units}{_name_arg(head)})(x)")
    lines.append(f"        return keras.Model(inputs, {_outputs(heads, container)})")
    lines += ["", "", "def build_model():", f"    return ModelBuilder(width={rng.choice((32, 64))}).build()"]
    return "\n".join(lines) + "\n"


def _functional_subclass(rng: random.Random, heads: list[Head], container: str) -> str:
    lines = [
        "class MultiHead(keras.Model):",
        "    def __init__(self, **kwargs):",
        "        inputs = keras.Input(shape=(INPUT_DIM,))",
        f'        x = layers.Dense({rng.choice((32, 128))}, activation="relu")(inputs)',
    ]
    for head in heads:
        lines.append(f"        {head.var} = layers.Dense({head.units}{_name_arg(head)})(x)")
    lines.append(f"        super().__init__(inputs=inputs, outputs={_outputs(heads, container)}, **kwargs)")
    lines += ["", "", "def build_model():", "    return MultiHead()"]
    return "\n".join(lines) + "\n"


def _outputs(heads: list[Head], container: str) -> str:
    if container == "dict":
        return "{" + ", ".join(f'"{h.name or h.var}": {h.var}' for h in heads) + "}"
    items = ", ".join(h.var for h in heads)
    return f"({items},)" if container == "tuple" else f"[{items}]"


BUILDERS = (_inline_model, _helper_model, _loop_model, _builder_class, _functional_subclass)

# ----------------------------------------------------------------------------------- compile and fit


def _compile(rng: random.Random, heads: list[Head], wiring: Wiring) -> str:
    keyed = wiring.container == "dict"
    if wiring.clean:
        form = rng.choice(("single", "dict", "variable") if keyed else ("single", "list", "list"))
    else:
        form = rng.choice(("dict", "dict", "list", "single", "variable"))
    if form == "single":
        loss = rng.choice(LOSSES)
    elif form == "list":
        loss = "[" + ", ".join(h.loss for h in heads) + "]"
    else:
        order = heads if wiring.clean else rng.sample(heads, len(heads))
        loss = "{" + ", ".join(f"{_key(h, rng, wiring)}: {h.loss}" for h in order) + "}"
    prelude = ""
    if form == "variable":
        prelude, loss = f"    losses = {loss}\n", "losses"
    return (
        f"{prelude}"
        "    model.compile(\n"
        f"        optimizer=keras.optimizers.Adam(learning_rate={rng.choice(('1e-3', '3e-4', 'LR'))}),\n"
        f"        loss={loss},\n"
        f"{_weights(rng, heads, wiring, form)}{_metrics(rng, heads, wiring)}"
        "    )\n"
    )


def _weights(rng: random.Random, heads: list[Head], wiring: Wiring, loss_form: str) -> str:
    choice = rng.random()
    if choice < 0.4 or (wiring.clean and loss_form == "single"):
        return ""
    as_list = loss_form == "list" if wiring.clean else choice < 0.7
    if as_list:
        return "        loss_weights=[" + ", ".join(str(rng.choice((1.0, 0.5, 0.2))) for _ in heads) + "],\n"
    pairs = ", ".join(f"{_key(h, rng, wiring)}: {rng.choice((1.0, 0.5, 2.0))}" for h in heads)
    return f"        loss_weights={{{pairs}}},\n"


def _metrics(rng: random.Random, heads: list[Head], wiring: Wiring) -> str:
    choice = rng.random()
    if choice < 0.3:
        return ""
    if wiring.clean:
        choice = 0.8 if wiring.container == "dict" else 0.6
    if choice < 0.5:
        return f"        metrics=[{rng.choice(METRICS)}],\n"
    if choice < 0.7:
        return "        metrics=[" + ", ".join(f"[{rng.choice(METRICS)}]" for _ in heads) + "],\n"
    pairs = ", ".join(f"{_key(h, rng, wiring)}: [{rng.choice(METRICS)}]" for h in heads)
    return f"        metrics={{{pairs}}},\n"


def _labels(rng: random.Random, heads: list[Head], wiring: Wiring, split: str) -> str:
    if wiring.clean:
        form = "dict" if wiring.container == "dict" else "list"
    else:
        form = rng.choice(("dict", "list", "single"))
    if form == "single":
        return f"{split}[0]"
    if form == "list":
        return "[" + ", ".join(f"{split}[{i}]" for i in range(len(heads))) + "]"
    return "{" + ", ".join(f"{_key(h, rng, wiring)}: {split}[{i}]" for i, h in enumerate(heads)) + "}"


# ------------------------------------------------------------------------------------- whole files

DATA_HELPERS = '''
def load_dataset(path, num_rows=NUM_ROWS, seed=SEED):
    """Load features and one target array per head (synthetic when the file is missing)."""
    rng = np.random.default_rng(seed)
    if os.path.exists(path):
        with open(path, "rb") as handle:
            data = np.load(handle, allow_pickle=False)
        features = data["features"]
    else:
        features = rng.normal(size=(num_rows, INPUT_DIM)).astype("float32")
    targets = [rng.normal(size=(len(features), 1)).astype("float32") for _ in range(NUM_HEADS)]
    return features, targets


def standardize(features, eps=1e-7):
    mean = features.mean(axis=0, keepdims=True)
    std = features.std(axis=0, keepdims=True)
    return (features - mean) / (std + eps)


def train_val_split(features, targets, val_fraction=0.2):
    cut = int(len(features) * (1 - val_fraction))
    return (features[:cut], [t[:cut] for t in targets]), (features[cut:], [t[cut:] for t in targets])
'''

REPORTING = '''
def summarize(history, keys=("loss", "val_loss")):
    lines = []
    for key in keys:
        values = history.history.get(key, [])
        if values:
            lines.append(f"{key}: first={values[0]:.4f} last={values[-1]:.4f} best={min(values):.4f}")
    return "\\n".join(lines)


def save_report(history, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "history.json"), "w", encoding="utf-8") as handle:
        json.dump({k: [float(v) for v in vs] for k, vs in history.history.items()}, handle, indent=2)
'''

PLAIN_MODULE = '''"""Utilities shared by the training scripts: {topic}."""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator


@dataclass
class {cls}:
    name: str
    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        if math.isnan(value):
            raise ValueError(f"NaN for {{self.name}}")
        self.values.append(value)

    def mean(self) -> float:
        return sum(self.values) / len(self.values) if self.values else float("nan")


def read_rows(path: str, delimiter: str = ",") -> Iterator[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle, delimiter=delimiter)


def batched(items: Iterable[int], size: int = {size}) -> Iterator[list[int]]:
    batch: list[int] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def walk(root: str, suffix: str = ".csv") -> list[str]:
    found = []
    for directory, _, names in os.walk(root):
        found.extend(os.path.join(directory, n) for n in sorted(names) if n.endswith(suffix))
    return found
'''


def training_script(rng: random.Random) -> str:
    wiring = Wiring(rng.random() < CLEAN_SHARE, rng.choice(("list", "list", "tuple", "dict")))
    heads = _heads(rng, wiring.clean)
    container = wiring.container
    builder = rng.choice(BUILDERS)
    epochs = rng.choice((1, 5, 10, 50))
    header = textwrap.dedent(f'''\
        """Train a {len(heads)}-head model ({", ".join(h.name or h.var for h in heads)})."""

        import argparse
        import json
        import os

        import numpy as np
        ''') + rng.choice(IMPORT_STYLES) + textwrap.dedent(f"""
        INPUT_DIM = {rng.choice((8, 16, 32, 128))}
        NUM_ROWS = {rng.choice((256, 1024, 4096))}
        NUM_HEADS = {len(heads)}
        SEED = {rng.randint(0, 9999)}
        LR = {rng.choice(("1e-3", "5e-4"))}
        """)
    train = (
        "def train(args):\n"
        "    features, targets = load_dataset(args.data)\n"
        "    features = standardize(features)\n"
        "    (x_train, y_train), (x_val, y_val) = train_val_split(features, targets)\n"
        "    model = build_model()\n"
        f"{_compile(rng, heads, wiring)}"
        "    callbacks = [keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)]\n"
        f"    history = model.fit(x_train, {_labels(rng, heads, wiring, 'y_train')}, epochs=args.epochs,\n"
        "                        batch_size=args.batch_size, callbacks=callbacks, verbose=2)\n"
        f"    model.evaluate(x_val, {_labels(rng, heads, wiring, 'y_val')}, verbose=0)\n"
        "    save_report(history, args.out)\n"
        "    print(summarize(history))\n"
        "    return model\n"
    )
    main = textwrap.dedent(f"""
        def main(argv=None):
            parser = argparse.ArgumentParser(description=__doc__)
            parser.add_argument("--data", default="data/train.npz")
            parser.add_argument("--epochs", type=int, default={epochs})
            parser.add_argument("--batch-size", type=int, default={rng.choice((32, 64, 256))})
            parser.add_argument("--out", default="runs/latest")
            train(parser.parse_args(argv))


        if __name__ == "__main__":
            main()
        """)
    parts = [header, DATA_HELPERS, builder(rng, heads, container), REPORTING, train, main]
    return "\n\n".join(part.strip("\n") + "\n" for part in parts)


def plain_module(rng: random.Random, index: int) -> str:
    return PLAIN_MODULE.format(
        topic=rng.choice(("metrics", "csv input", "batching", "paths")),
        cls=f"Tracker{index}",
        size=rng.choice((8, 16, 32)),
    )


def generate(out_dir: Path, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write `count` files under `out_dir` (in a few sub-packages, as a project would); same seed, same
    bytes."""
    rng = random.Random(seed)
    written = []
    for index in range(count):
        package = out_dir / f"project_{index % 7}"
        package.mkdir(parents=True, exist_ok=True)
        if rng.random() < PLAIN_SHARE:
            path, text = package / f"util_{index:04d}.py", plain_module(rng, index)
        else:
            path, text = package / f"train_{index:04d}.py", training_script(rng)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    files = generate(args.out_dir, args.count, args.seed)
    print(f"wrote {len(files)} files under {args.out_dir}")


if __name__ == "__main__":
    main()
