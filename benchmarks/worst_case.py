"""Worst-case inputs: small (or merely large) valid files built to make an analyzer slow or hungry.

Each input is written to a temporary directory and checked by the CLI in a child process
(`check --no-cache --exit-zero`); the child's wall time and peak resident set (`os.wait4`) are
measured, and its output tells whether the file was analysed fully, reported as not fully analysed,
or refused (too large). The target: each input finishes within 2 s and 200 MB, or is reported as not
fully analysed within that.

    python benchmarks/worst_case.py                  # measure every input, print the table
    python benchmarks/worst_case.py --write          # and replace the "Worst-case inputs" section of
                                                     # benchmarks/results.md with it
    python benchmarks/worst_case.py --only zfill     # inputs whose name contains a word
    python benchmarks/worst_case.py --keep DIR       # write the inputs to DIR and keep them

A child that runs past `--timeout` seconds is killed and shown as such: the measurement is then a
lower bound.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.md"
SECTION = "## Worst-case inputs"
PY = sys.executable
MIB = 1024  # ru_maxrss is in KiB on Linux
TARGET_SECONDS = 2.0
TARGET_MIB = 200
DEFAULT_TIMEOUT = 120.0

KERAS_HEADER = """\
import keras
from keras import layers

inp = keras.Input(shape=(4,))
"""
# The README's miswired compile: a file that still reports it was analysed up to its end.
KERAS_FOOTER = """
small = layers.Dense(1, name="output_small")(inp)
big = layers.Dense(1, name="output_big")(inp)
model = keras.Model(inp, [small, big])
model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})
"""


def _module(body: str) -> str:
    return KERAS_HEADER + body + KERAS_FOOTER


def self_sharing_join() -> str:
    """`x = [x, x]` thirty times: a DAG of 30 nodes that is 2**30 nodes as a tree; then a join."""
    return _module(
        "x = [1]\nfor i in range(30):\n    x = [x, x]\n"
        "if unknown_condition():\n    y = x\nelse:\n    y = [x, x][0]\n"
        "model0 = keras.Model(inp, y)\n"
    )


def self_sharing_outputs() -> str:
    """The same self-sharing list as a model's outputs: flattening it naively is exponential."""
    return _module(
        "head = layers.Dense(1)(inp)\nx = [head]\nfor i in range(30):\n    x = [x, x]\n"
        "shared = keras.Model(inp, x)\nshared.compile(loss='mse')\n"
    )


def format_spec_width() -> str:
    return _module('names = [f"{i:>100000000}" for i in range(64)]\n')


def format_method_width() -> str:
    return _module('names = ["{:>300000000}".format(i) for i in range(64)]\n')


def zfill_width() -> str:
    return _module('names = ["a".zfill(2_000_000_000) for i in range(64)]\n')


def percent_width() -> str:
    return _module('names = ["%0300000000d" % (i,) for i in range(64)]\n')


def dict_doubling() -> str:
    """2,000 lines of `d = {**d, **d}`: each merge as costly as the dict is long."""
    return _module('d = {"a": 1, "b": 2}\n' + "d = {**d, **d}\n" * 2000)


def many_compiles() -> str:
    """10,000 `compile()` calls on one model, each recorded with its arguments."""
    lines = [
        "small = layers.Dense(1, name='s')(inp)",
        "big = layers.Dense(1, name='b')(inp)",
        "m = keras.Model(inp, [small, big])",
    ]
    lines += [f"m.compile(loss={{'s': 'mse', 'b': 'mae'}}, loss_weights=[{i}, 1])" for i in range(10_000)]
    return _module("\n".join(lines) + "\n")


def large_file(megabytes: float = 1.9) -> str:
    """Short model-building functions, repeated up to just under the size limit."""
    unit = (
        "def build_{n}(width={n}):\n"
        "    inp = keras.Input(shape=(width,))\n"
        "    out_a = layers.Dense(1, name='a_{n}')(inp)\n"
        "    out_b = layers.Dense(1, name='b_{n}')(inp)\n"
        "    model = keras.Model(inp, [out_a, out_b])\n"
        "    model.compile(loss={{'a_{n}': 'mse', 'b_{n}': 'mae'}})\n"
        "    return model\n\n\n"
    )
    parts: list[str] = [KERAS_HEADER]
    size = len(KERAS_HEADER) + len(KERAS_FOOTER)
    n = 0
    while size < megabytes * 1_000_000:
        part = unit.format(n=n)
        parts.append(part)
        size += len(part)
        n += 1
    return "".join(parts) + KERAS_FOOTER


def compiles_up_to(size: int) -> str:
    """As many `compile()` calls as fit in `size` bytes: the costliest shape per byte that this
    analysis records (each call is a finding, with its position and message)."""
    head = _module("").split(KERAS_FOOTER)[0]
    lines = [
        "small = layers.Dense(1, name='s')(inp)",
        "big = layers.Dense(1, name='b')(inp)",
        "m = keras.Model(inp, [small, big])",
    ]
    used = len(head) + len(KERAS_FOOTER) + sum(len(line) + 1 for line in lines)
    for i in range(size):
        line = f"m.compile(loss={{'s': 'mse', 'b': 'mae'}}, loss_weights=[{i}, 1])"
        if used + len(line) + 1 > size:
            break
        lines.append(line)
        used += len(line) + 1
    return _module("\n".join(lines) + "\n")


def dense_literal(size: int) -> str:
    """A list of one-digit numbers up to `size` bytes: the costliest source per byte for LibCST's
    parse (two characters per token: about 20 ms and 2 MB per KB)."""
    items = (size - len(_module("data = []\n"))) // 2 + 1
    return _module("data = [" + ",".join(["1"] * items) + "]\n")


def empty_cells(size: int) -> str:
    """A notebook of empty code cells between the Keras import and the miswired compile, its module
    (a line per cell) up to `size` bytes: each cell costs its preparation and nothing else."""
    notebook = json.loads(large_notebook(cells=2))
    count = size - len(KERAS_HEADER) - len(KERAS_FOOTER)
    notebook["cells"][1:1] = [_cell([]) for _ in range(count)]
    return json.dumps(notebook)


def large_notebook(cells: int = 100_000) -> str:
    code = [_cell(["import keras\n", "from keras import layers\n", "inp = keras.Input(shape=(4,))\n"])]
    code += [_cell([f"value_{n} = {n}\n"]) for n in range(cells - 2)]
    code.append(_cell([line + "\n" for line in KERAS_FOOTER.strip().splitlines()]))
    notebook = {
        "cells": code,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook)


def _cell(source: list[str]) -> dict[str, object]:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    file_name: str
    build: Callable[[], str]


def _limit() -> int:
    """The default size limit (the package is imported only to read it)."""
    sys.path.insert(0, str(ROOT / "src"))
    from keras_loss_lint.project.settings import DEFAULT_MAX_FILE_SIZE

    return DEFAULT_MAX_FILE_SIZE


# Just under the default size limit: what the largest input that is still analysed costs.
UNDER_LIMIT = _limit() - 64

CASES = (
    Case("baseline", "the README's miswired compile alone (start-up cost)", "baseline.py", lambda: _module("")),
    Case("self-sharing-join", "`x = [x, x]` x30 in a loop, then a branch join", "sharing_join.py", self_sharing_join),
    Case("self-sharing-outputs", "`x = [x, x]` x30 as a model's outputs", "sharing_outputs.py", self_sharing_outputs),
    Case("fstring-width", '`f"{i:>100000000}"` in a comprehension', "fstring.py", format_spec_width),
    Case("format-width", '`"{:>300000000}".format(i)` in a comprehension', "format.py", format_method_width),
    Case("zfill", '`"a".zfill(2_000_000_000)` in a comprehension', "zfill.py", zfill_width),
    Case("percent-width", '`"%0300000000d" % (i,)` in a comprehension', "percent.py", percent_width),
    Case("dict-doubling", "2,000 lines of `d = {**d, **d}`", "doubling.py", dict_doubling),
    Case("many-compiles", "10,000 `compile()` calls", "compiles.py", many_compiles),
    Case("quarter-megabyte", "a 0.25 MB module of short model builders", "quarter.py", lambda: large_file(0.25)),
    Case("large-file", "a 1.9 MB module of short model builders", "large.py", large_file),
    Case("large-notebook", "a notebook of 100,000 code cells", "large.ipynb", large_notebook),
    Case("compiles-at-limit", "`compile()` calls up to the size limit", "compiles_limit.py",
         lambda: compiles_up_to(UNDER_LIMIT)),
    Case("builders-at-limit", "short model builders up to the size limit", "builders_limit.py",
         lambda: large_file(UNDER_LIMIT / 1_000_000)),
    Case("dense-at-limit", "a literal list of one-digit numbers up to the size limit", "dense_limit.py",
         lambda: dense_literal(UNDER_LIMIT)),
    Case("cells-at-limit", "a notebook of empty code cells up to the size limit", "cells_limit.ipynb",
         lambda: empty_cells(UNDER_LIMIT)),
)


@dataclass
class Measured:
    case: Case
    size: int
    wall: float
    cpu: float  # user + system time of the child: what load on a shared machine does not inflate
    peak_kib: int
    exit_code: int | None  # None: killed at the time limit
    outcome: str

    @property
    def within_target(self) -> bool:
        # CPU time, not wall time: on a loaded machine the wall clock measures the other processes too.
        return self.exit_code is not None and self.cpu <= TARGET_SECONDS and self.peak_kib / MIB <= TARGET_MIB

    def file_cost(self, baseline: Measured) -> tuple[float, float]:
        """CPU seconds and MiB of this file beyond the baseline run (start-up, imports, one tiny file):
        what one more file costs a run of many, or an editor's server."""
        return max(0.0, self.cpu - baseline.cpu), max(0.0, (self.peak_kib - baseline.peak_kib) / MIB)

    def file_within_target(self, baseline: Measured) -> bool:
        cpu, mib = self.file_cost(baseline)
        return self.exit_code is not None and cpu <= TARGET_SECONDS and mib <= TARGET_MIB


def run_case(case: Case, directory: Path, timeout: float) -> Measured:
    path = directory / case.file_name
    text = case.build()
    path.write_text(text, encoding="utf-8")
    command = [PY, "-m", "keras_loss_lint.faces.cli", "check", "--no-cache", "--exit-zero", "--output-format", "json"]
    command.append(path.name)
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=directory, stdout=stdout, stderr=stderr, start_new_session=True)
        exit_code, usage = _wait(process, timeout)
        wall = time.perf_counter() - start
        stdout.seek(0)
        stderr.seek(0)
        out = stdout.read().decode("utf-8", "replace")
        err = stderr.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    outcome = _outcome(exit_code, out, err)
    return Measured(case, len(text.encode("utf-8")), wall, cpu, usage.ru_maxrss, exit_code, outcome)


def _wait(process: subprocess.Popen[bytes], timeout: float) -> tuple[int | None, resource.struct_rusage]:
    """The child's exit code (None if it was killed at `timeout`) and its own resource usage."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            _, _, usage = os.wait4(process.pid, 0)
            process.returncode = -signal.SIGKILL
            return None, usage
        time.sleep(0.02)


def _outcome(exit_code: int | None, out: str, err: str) -> str:
    if exit_code is None:
        return "killed at the time limit"
    if "Traceback" in err or exit_code not in (0, 2):
        return f"exit {exit_code}: {err.strip().splitlines()[-1] if err.strip() else 'no output'}"
    try:
        findings = json.loads(out) if out.strip() else []
    except json.JSONDecodeError:
        return f"exit {exit_code}: unreadable output"
    codes = sorted({str(item.get("code")) for item in findings if item.get("code")})
    refusal = next((str(item["message"]) for item in findings if "too large" in str(item.get("message"))), None)
    if refusal is not None:
        return f"refused: {_short(refusal)}"
    incomplete = "KLO902" in codes or "not fully analysed" in err
    shown = ", ".join(code for code in codes if code != "KLO902") or "no findings"
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    if errors:
        return f"refused: {_short(errors[0])}"
    return f"{shown}; not fully analysed" if incomplete else f"{shown}; analysed fully"


def _short(line: str, width: int = 90) -> str:
    line = line.strip()
    return line if len(line) <= width else line[: width - 3] + "..."


def table(results: list[Measured]) -> str:
    lines = [
        "| Input | Size | Wall s | CPU s | Peak RSS MiB | File CPU s | File MiB | Outcome "
        "| Within 2 s / 200 MB (run, file) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    baseline = _baseline(results)
    for measured in results:
        size = f"{measured.size / 1_000_000:.2f} MB" if measured.size >= 100_000 else f"{measured.size / 1000:.0f} KB"
        wall = f"{measured.wall:.2f}" + ("+" if measured.exit_code is None else "")
        verdicts = (measured.within_target, measured.file_within_target(baseline))
        met = ", ".join("yes" if within else "**no**" for within in verdicts)
        peak = f"{measured.peak_kib / MIB:.0f}"
        file_cpu, file_mib = measured.file_cost(baseline)
        cells = [measured.case.description, size, wall, f"{measured.cpu:.2f}", peak]
        cells += [f"{file_cpu:.2f}", f"{file_mib:.0f}"]
        lines.append("| " + " | ".join([*cells, measured.outcome, met]) + " |")
    return "\n".join(lines)


def _baseline(results: list[Measured]) -> Measured:
    """The baseline row, or a zero cost when it was not run (`--only`)."""
    found = [measured for measured in results if measured.case.name == "baseline"]
    return found[0] if found else Measured(CASES[0], 0, 0.0, 0.0, 0, 0, "")


def section(results: list[Measured], timeout: float) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return "\n".join(
        [
            SECTION,
            "",
            f"{when}; Python {platform.python_version()}; {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs; load average at start {load}. Reproduce: `python benchmarks/worst_case.py`",
            "",
            "Each input is one file checked by `keras-loss-lint check --no-cache --output-format json` in a",
            "child process: wall time, the child's CPU time and peak resident set (`os.wait4`), interpreter",
            "start-up included; the target is judged on CPU time and peak RSS, for the whole run and for the",
            "file alone (the run minus the baseline row: what one more file costs a run of many, or the",
            f"language server). A child still running after {timeout:.0f} s is killed (its time then reads as a",
            "lower bound).",
            "",
            table(results),
            "",
            *NOTES,
            "",
        ]
    )


NOTES = (
    "What bounds each input: the size limit (64 KB by default, `max-file-size`) turns a larger file away",
    "before it is parsed, with one KLO902 finding (a file without any candidate call, up to 8 times the",
    "limit, is passed over after the `ast` pre-check instead). LibCST's parse cannot be",
    "interrupted and costs up to about 20 ms and 2 MB per KB of source (the literal list of one-digit",
    "numbers), so the limit is what bounds it; the rows \"up to the size limit\" are the costliest shapes",
    "just under it. Within the limit the step budget and the per-file ceiling (1.5 s of CPU time, 150 MB",
    "of growth: `analysis-time-limit`, `analysis-memory-limit`) stop the analysis, and the file is reported",
    "as not fully analysed (KLO902) with what was found before; sizes of strings and lists are capped",
    "before they are built. The `compile()` calls up to the limit cost their 2,000 findings (rules,",
    "positions, output), not their parse; positions and judgements are linear in the findings. A",
    "notebook's size is its code cells', each counted with its line of the module, so its cells are",
    "bounded by the limit too: `parse_notebook(text, limits)` refuses a larger one before preparing a",
    "cell, and only a syntax error makes the CLI look for broken cells.",
)


def write_section(text: str) -> None:
    """Replace (or append) the section at the end of results.md; the sections before it are kept."""
    existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    start = existing.find("\n" + SECTION)
    kept = existing if start < 0 else existing[: start + 1]
    if kept and not kept.endswith("\n\n"):
        kept = kept.rstrip("\n") + "\n\n"
    RESULTS.write_text(kept + text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], help="run the inputs whose name contains this word")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds before a child is killed")
    parser.add_argument("--keep", type=Path, help="write the inputs to this directory and keep them")
    parser.add_argument("--write", action="store_true", help="write the section into benchmarks/results.md")
    args = parser.parse_args(argv)
    cases = [case for case in CASES if not args.only or any(word in case.name for word in args.only)]
    with tempfile.TemporaryDirectory(prefix="kll-worst-") as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        results = []
        for case in cases:
            measured = run_case(case, directory, args.timeout)
            print(f"  {case.name}: {measured.wall:.2f} s, {measured.peak_kib / MIB:.0f} MiB", file=sys.stderr)
            results.append(measured)
    text = section(results, args.timeout)
    print(text)
    if args.write:
        write_section(text)
    baseline = _baseline(results)
    return 0 if all(measured.file_within_target(baseline) for measured in results) else 1


if __name__ == "__main__":
    sys.exit(main())
