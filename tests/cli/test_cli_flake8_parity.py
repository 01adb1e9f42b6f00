"""The flake8 plugin and the CLI share one core: same file, same (code, line, column, message).

flake8 prints 1-based columns (the core's 0-based column + 1); the CLI's concise format prints ruff's
1-based columns too, so the two texts must agree exactly.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cli_helpers import KLO201_SOURCE, run_subprocess, write

SEVERAL_RULES = textwrap.dedent("""\
    import keras
    from keras import layers

    inp = keras.Input(shape=(4,))
    small = layers.Dense(1, name="output_small")(inp)
    big = layers.Dense(1, name="output_big")(inp)
    model = keras.Model(inp, [small, big])
    model.compile(
        optimizer="adam",
        loss={"output_small": "mse", "output_big": "mae"},
        metrics="mae",
    )
    model.compile("adam", {"output_smal": "mse", "output_big": "mae"}, None, None)


    def build():
    \tx = keras.Input(shape=(2,))
    \ta = layers.Dense(1, name="\u00e9_head")(x)
    \tb = layers.Dense(1, name="b_head")(x)
    \tm = keras.Model(x, [a, b])
    \tm.compile(loss={"\u00e9_head": "mse", "b_hed": "mae"})
    \treturn m
    """)
# The CLI marks findings that --fix can fix with `[*]` (as ruff does); flake8 has no such mark.
LINE = re.compile(r"^(?P<path>[^:]+):(?P<row>\d+):(?P<col>\d+): (?P<code>KLO\d{3}) (?:\[\*\] )?(?P<message>.*)$")


def findings(text: str) -> list[tuple[str, int, int, str, str]]:
    found = []
    for line in text.splitlines():
        match = LINE.match(line)
        if match:
            found.append(
                (match["path"], int(match["row"]), int(match["col"]), match["code"], match["message"])
            )
    return sorted(found)


def flake8(cwd: Path, *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "KLO", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode in (0, 1), completed.stderr
    return completed.stdout


@pytest.mark.parametrize("keras_version", [None, "==3.5.0", ">=3.7"])
def test_same_findings_through_flake8_and_the_cli(tmp_path, keras_version):
    write(tmp_path, {"several.py": SEVERAL_RULES, "brief.py": KLO201_SOURCE})
    extra = ["--keras-version", keras_version] if keras_version else []
    through_flake8 = findings(flake8(tmp_path, *extra, "several.py", "brief.py"))
    through_cli = findings(run_subprocess(tmp_path, "check", "--output-format", "concise", *extra).out)
    assert through_cli == through_flake8
    assert through_cli, "the fixture must produce findings"
    if keras_version is None:
        assert {code for _, _, _, code, _ in through_cli} >= {"KLO101", "KLO201", "KLO402", "KLO404"}
        assert ("brief.py", 7, 38, "KLO201") in [item[:4] for item in through_cli]
