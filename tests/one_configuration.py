"""A test project with one configuration, checked through every face (flake8, the CLI, the pre-commit
hook, the language server): each must report exactly `EXPECTED`.

The configuration sets the target Keras version, an ignore and a per-file ignore; the files use every
noqa form (inline, unused, `# ruff: noqa: CODE`, `# keras-loss-lint: noqa`, `# flake8: noqa`).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

MODEL = textwrap.dedent(
    """\
    import keras
    from keras import layers

    inp = keras.Input(shape=(4,))
    small = layers.Dense(1, name="output_small")(inp)
    big = layers.Dense(1, name="output_big")(inp)
    model = keras.Model(inp, [small, big])
    """
)
KLO201_CALL = 'model.compile(loss={"output_small": "mse", "output_big": "mae"}, metrics=["mae"])'
KLO404_CALL = 'model.compile("adam", ["mse", "mae"], [1.0, 1.0])'

FILES = {
    "pyproject.toml": textwrap.dedent(
        """\
        [tool.keras-loss-lint]
        keras-version = "==3.5.0"
        ignore = ["KLO401"]
        per-file-ignores = { "legacy/*" = ["KLO201"] }
        """
    ),
    "train.py": MODEL + KLO201_CALL + "\n" + KLO201_CALL + "  # noqa: KLO201\n" + KLO404_CALL + "  # noqa: KLO105\n",
    "legacy/old.py": MODEL + KLO201_CALL + "\n" + KLO404_CALL + "\n",
    "ruff_noqa.py": "# ruff: noqa: KLO201\n" + MODEL + KLO201_CALL + "\n" + KLO404_CALL + "\n",
    "tool_noqa.py": "# keras-loss-lint: noqa\n" + MODEL + KLO201_CALL + "\n",
    "flake8_noqa.py": "# flake8: noqa\n" + MODEL + KLO201_CALL + "\n",
}
FINDING = re.compile(r"^(?:\./)?(?P<path>[^:\s]+\.py):(?P<row>\d+):(?P<col>\d+): (?P<code>KLO\d{3})\b")


def write_project(root: Path) -> list[Path]:
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(root / name for name in FILES if name.endswith(".py"))


def expected() -> list[tuple[str, int, int, str]]:
    """(path, line, 1-based column, code): what every face must report for the project."""
    loss = KLO201_CALL.index("{") + 1
    third_argument = KLO404_CALL.index("[1.0") + 1
    noqa = len(KLO404_CALL) + 3
    return sorted(
        [
            ("train.py", 8, loss, "KLO201"),  # the second call's noqa silences it; KLO401 is ignored
            ("train.py", 10, third_argument, "KLO404"),
            ("train.py", 10, noqa, "KLO900"),  # its noqa names KLO105, which silences nothing
            ("legacy/old.py", 9, third_argument, "KLO404"),  # per-file-ignores switch KLO201 off here
            ("ruff_noqa.py", 10, third_argument, "KLO404"),  # `# ruff: noqa: KLO201` silences the rest
        ]
    )


def findings(text: str) -> list[tuple[str, int, int, str]]:
    found = []
    for line in text.splitlines():
        match = FINDING.match(line.strip())
        if match:
            found.append((match["path"], int(match["row"]), int(match["col"]), match["code"]))
    return sorted(found)
