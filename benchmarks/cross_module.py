"""Cross-module resolution on a generated project of 500 modules: what following the project's imports
adds over linting each file alone.

    python benchmarks/cross_module.py [--repeat 3] [--append]

The project (`pyproject.toml` at its root) holds a `src/` package of model builders (`pkg/heads/h_N.py`,
each a few helpers and a builder function) and a settings module with loss dicts, and training scripts
that import a builder and the settings and compile, with a realistic training script of their own
around it (benchmarks/corpus.py). Every file is linted in process through `lint_source`, once with a
fresh project index per run (each imported module's top level is interpreted once per run, as in the
CLI) and once with `project=False` (today's single-module analysis). Both runs parse and analyse the
same files; the ratio of their CPU times is the cost of following imports.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402 - benchmarks/ is not a package

MODULES = 500
BUILDERS = 100
TARGET = 1.3

BUILDER = '''"""Heads for task family {index}."""

import keras
from keras import layers

HEAD_NAMES = ("{first}", "{second}")


def _block(x, units, name):
    x = layers.Dense(units, activation="relu", name=f"{{name}}_dense")(x)
    return layers.Dropout(0.1, name=f"{{name}}_dropout")(x)


def _head(features, name, units):
    return layers.Dense(units, name=name)(_block(features, 32, name))


def build(input_dim=16, units=(1, 3)):
    inputs = keras.Input(shape=(input_dim,), name="features")
    features = _block(inputs, 64, "trunk")
    return keras.Model(inputs, [_head(features, n, u) for n, u in zip(HEAD_NAMES, units)], name="family_{index}")
'''
SETTINGS = '''"""Loss dicts per task family."""

LOSSES = {{
{entries}
}}
'''
USE = '''
from pkg import settings
from pkg.heads.h_{index} import HEAD_NAMES, build as build_family

family = build_family()
family.compile(optimizer="adam", loss=settings.LOSSES["family_{index}"])
family.compile(optimizer="adam", loss={{name: "mse" for name in HEAD_NAMES}})
'''


def generate(root: Path, seed: int = 20240611) -> list[Path]:
    """Write the project; return the files to lint (every .py file: 500 modules)."""
    rng = random.Random(seed)
    words = corpus.TASK_WORDS
    (root / "pyproject.toml").write_text('[project]\nname = "pkg"\nversion = "0"\n', encoding="utf-8")
    package = root / "src" / "pkg"
    (package / "heads").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "heads" / "__init__.py").write_text("", encoding="utf-8")
    entries = []
    for index in range(BUILDERS):
        first, second = rng.sample(words, 2)
        text = BUILDER.format(index=index, first=first, second=second)
        (package / "heads" / f"h_{index}.py").write_text(text, encoding="utf-8")
        entries.append(f'    "family_{index}": {{"{second}": "mse", "{first}": "mae"}},')
    (package / "settings.py").write_text(SETTINGS.format(entries="\n".join(entries)), encoding="utf-8")
    scripts = root / "scripts"
    scripts.mkdir()
    count = MODULES - BUILDERS - 3  # the package's two __init__ files and settings.py
    for number in range(count):
        text = corpus.training_script(rng) + USE.format(index=number % BUILDERS)
        (scripts / f"train_{number:03}.py").write_text(text, encoding="utf-8")
    return sorted(root.rglob("*.py"))


def lint_all(files: list[Path], cross_module: bool) -> tuple[float, int]:
    """CPU seconds to lint every file, and the number of findings."""
    from keras_loss_lint.core.lint import lint_source
    from keras_loss_lint.project.index import ProjectIndex, find_root

    texts = [(str(path), path.read_text(encoding="utf-8")) for path in files]
    root = find_root(texts[0][0])
    assert root is not None
    start = time.process_time()
    index = ProjectIndex(root) if cross_module else None  # a fresh index: one run's memo
    findings = 0
    for path, text in texts:
        result = lint_source(text, path, project=index if cross_module else False)
        findings += len(result.diagnostics)
    return time.process_time() - start, findings


def measure(repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        files = generate(Path(directory))
        lint_all(files, True)  # warm-up: imports, .pyc, file cache
        alone, together = [], []
        for _ in range(repeat):  # interleaved, so drifting load hits both alike
            seconds, single_findings = lint_all(files, False)
            alone.append(seconds)
            seconds, cross_findings = lint_all(files, True)
            together.append(seconds)
    single, cross = statistics.median(alone), statistics.median(together)
    return {
        "files": float(len(files)),
        "single": single,
        "cross": cross,
        "ratio": cross / single,
        "single_findings": float(single_findings),
        "cross_findings": float(cross_findings),
    }


def report(figures: dict[str, float], repeat: int) -> str:
    verdict = "meets" if figures["ratio"] <= TARGET else "misses"
    return (
        "\n## Cross-module resolution (benchmarks/cross_module.py)\n\n"
        f"A generated project of {int(figures['files'])} modules ({BUILDERS} builder modules in a `src/` package, "
        "a settings module with the loss dicts, the rest training scripts importing both), every file linted "
        f"in process; median CPU time of {repeat} interleaved runs after a warm-up.\n\n"
        "| run | CPU s | findings |\n|---|---|---|\n"
        f"| each file alone (`project=False`) | {figures['single']:.2f} | {int(figures['single_findings'])} |\n"
        f"| following the project's imports | {figures['cross']:.2f} | {int(figures['cross_findings'])} |\n\n"
        f"Ratio: **{figures['ratio']:.2f}x** ({verdict} the {TARGET}x target).\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--append", action="store_true", help="append the section to benchmarks/results.md")
    args = parser.parse_args()
    text = report(measure(args.repeat), args.repeat)
    print(text)
    if args.append:
        with open(HERE / "results.md", "a", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
