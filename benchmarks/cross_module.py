"""Cross-module resolution: what following the project's imports adds over linting each file alone, on
a generated project of 500 modules and on the Keras source itself.

    python benchmarks/cross_module.py [--repeat 3] [--keras PATH] [--update]

The generated project (`pyproject.toml` at its root) holds a `src/` package of model builders
(`pkg/heads/h_N.py`, each a few helpers and a builder function) and a settings module with loss dicts,
and training scripts that import a builder and the settings and compile, with a realistic training
script of their own around it (benchmarks/corpus.py).

`--keras` is a Keras wheel (`pip download keras==3.15.1 --no-deps -d /tmp/kw`) or a directory holding
the `keras` package (a checkout of the repository, or site-packages): its `keras/` tree is copied into a
scratch project, so the project's modules are Keras's own, 900 files importing one another.

Every file is linted in process through `lint_source`, once with a fresh project index per run (each
imported module's top level is interpreted once per run, as in the CLI) and once with `project=False`
(the single-module analysis). Both runs parse and analyse the same files; the ratio of their CPU times
is the cost of following imports. The machine's load average is recorded with the figures: on a shared
machine the ratio moves with it. `--update` rewrites this benchmark's section of benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Callable

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


def keras_project(source: Path, root: Path) -> list[Path]:
    """Copy the `keras` package of a wheel or a directory into `root`, a project of its own."""
    (root / "pyproject.toml").write_text('[project]\nname = "keras"\nversion = "0"\n', encoding="utf-8")
    if source.is_file():
        with zipfile.ZipFile(source) as archive:
            members = [name for name in archive.namelist() if name.startswith("keras/") and ".." not in name]
            archive.extractall(root, members)
    else:
        package = source if source.name == "keras" else source / "keras"
        if not (package / "__init__.py").is_file():
            raise SystemExit(f"error: no keras package in {source}")
        shutil.copytree(package, root / "keras", ignore=shutil.ignore_patterns("__pycache__"))
    return sorted((root / "keras").rglob("*.py"))


def measure(files_of: Callable[[Path], list[Path]], repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        files = files_of(Path(directory))
        lint_all(files, True)  # warm-up: imports, .pyc, file cache
        load_before = os.getloadavg()[0]
        alone, together = [], []
        for _ in range(repeat):  # interleaved, so drifting load hits both alike
            seconds, single_findings = lint_all(files, False)
            alone.append(seconds)
            seconds, cross_findings = lint_all(files, True)
            together.append(seconds)
        load_after = os.getloadavg()[0]
    single, cross = statistics.median(alone), statistics.median(together)
    return {
        "files": float(len(files)),
        "single": single,
        "cross": cross,
        "ratio": cross / single,
        "single_findings": float(single_findings),
        "cross_findings": float(cross_findings),
        "load_before": load_before,
        "load_after": load_after,
    }


SECTION = "## Cross-module resolution (benchmarks/cross_module.py)"


def table(title: str, figures: dict[str, float]) -> str:
    verdict = "meets" if figures["ratio"] <= TARGET else "misses"
    return (
        f"{title}\n\n"
        "| run | CPU s | findings |\n|---|---|---|\n"
        f"| each file alone (`project=False`) | {figures['single']:.2f} | {int(figures['single_findings'])} |\n"
        f"| following the project's imports | {figures['cross']:.2f} | {int(figures['cross_findings'])} |\n\n"
        f"Ratio: **{figures['ratio']:.2f}x** ({verdict} the {TARGET}x target); 1-minute load average "
        f"{figures['load_before']:.2f} before and {figures['load_after']:.2f} after the timed runs "
        f"({os.cpu_count()} cores).\n"
    )


def report(generated: dict[str, float], keras: dict[str, float] | None, repeat: int, keras_name: str) -> str:
    text = (
        f"\n{SECTION}\n\n"
        f"Every file linted in process; median CPU time of {repeat} interleaved runs after a warm-up.\n\n"
    )
    text += table(
        f"A generated project of {int(generated['files'])} modules ({BUILDERS} builder modules in a `src/` "
        "package, a settings module with the loss dicts, the rest training scripts importing both):",
        generated,
    )
    if keras is not None:
        text += "\n" + table(
            f"The Keras source ({keras_name}, {int(keras['files'])} files of the `keras` package as the project). "
            "Its imports of `keras.src...` name the Keras API, which the analysis knows and never reads as "
            "project code, so the added cost is the project index and the import pre-check:",
            keras,
        )
    return text


def update_results(text: str) -> None:
    """Replace this benchmark's section of results.md (the rest of the file is other benchmarks')."""
    path = HERE / "results.md"
    current = path.read_text(encoding="utf-8")
    start = current.find(SECTION)
    if start < 0:
        path.write_text(current.rstrip("\n") + "\n" + text, encoding="utf-8")
        return
    following = current.find("\n## ", start + len(SECTION))
    rest = current[following:] if following >= 0 else ""
    path.write_text(current[:start].rstrip("\n") + "\n" + text + rest, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keras", type=Path, help="a Keras wheel, or a directory holding the keras package")
    parser.add_argument("--update", action="store_true", help="rewrite this section of benchmarks/results.md")
    args = parser.parse_args()
    if args.keras is not None and not args.keras.exists():
        parser.error(f"{args.keras} does not exist")
    generated = measure(generate, args.repeat)
    keras = None
    if args.keras is not None:
        keras = measure(lambda root: keras_project(args.keras, root), args.repeat)
    text = report(generated, keras, args.repeat, args.keras.name if args.keras is not None else "")
    print(text)
    if args.update:
        update_results(text)


if __name__ == "__main__":
    main()
