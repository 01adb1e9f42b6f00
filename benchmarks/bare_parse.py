"""The floor for the CLI: read every Python file under the given directories and `libcst.parse_module`
the ones the linter must parse, nothing else.

The selection repeats the linter's textual pre-check, keras_loss_lint.core.precheck.has_candidate (a
file without "keras" and a word of one of the recorded methods, compile/fit/evaluate/predict/..., is
never parsed), without importing the package, so this process pays only for Python, libcst and the
parses. It is the parse the linter would need without its syntactic (`ast`) pre-check: the CLI beats it
by parsing fewer files.

    python benchmarks/bare_parse.py [--max-bytes N] DIR [DIR ...]

`--max-bytes` leaves out files larger than N bytes of UTF-8, as the linter's `max-file-size` does
(64 KB, 65536, by default): the floor for a run under the same limit.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import libcst

# keras_loss_lint.keras.api.RECORDED_METHODS
METHODS = ("compile", "fit", "evaluate", "train_on_batch", "test_on_batch", "predict", "predict_on_batch")
CANDIDATE_CALL = re.compile(r"\b(?:" + "|".join(METHODS) + r")\b")


def needs_parse(text: str) -> bool:
    return "keras" in text and CANDIDATE_CALL.search(text) is not None


def main(arguments: list[str]) -> int:
    max_bytes = None
    if arguments[:1] == ["--max-bytes"]:
        max_bytes, arguments = int(arguments[1]), arguments[2:]
    parsed = 0
    for root in arguments:
        for path in sorted(Path(root).rglob("*.py")):
            data = path.read_bytes()
            if max_bytes is not None and len(data) > max_bytes:
                continue
            text = data.decode("utf-8")
            if needs_parse(text):
                libcst.parse_module(text)
                parsed += 1
    print(f"parsed {parsed} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
