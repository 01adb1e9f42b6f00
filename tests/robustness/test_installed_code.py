"""The installed standard library and the test environment's site-packages, linted file by file.

Real code in every style Python allows is the cheapest corpus there is. Each file gets a comment naming
Keras and `compile`, so it passes the pre-check and goes through the parser and the whole analysis
(without it almost nothing here would be parsed and the test could not fail). A file passes when
`lint_source` returns, within the time limit, either without an error or with an error for a file that
Python itself rejects (the standard library ships deliberately broken files: lib2to3 test data,
`badsyntax_*`, files in other encodings).

The files are split over a process pool; each file has its own time limit (an alarm in the worker),
so a hang names the file that hung.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import sysconfig
import time
import tokenize
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from robust_helpers import KERAS_MARKER, SUMMARY

PER_FILE_SECONDS = 120
POOL_GRACE_SECONDS = PER_FILE_SECONDS + 60
# Known analyzer bugs, each with a minimal reproducer in test_known_bugs.py (a strict xfail there): the
# files they hit are listed in the summary instead of failing this test, so that the sweep keeps
# catching new problems meanwhile. Remove an entry when its reproducer passes.
KNOWN_BUGS = {
    "too deeply nested to analyse": "a long expression chain Python accepts ends the module's analysis",
}


class FileTimedOut(BaseException):
    """Raised by the alarm; a BaseException so that no `except Exception` in the analyzer eats it."""


@dataclass(frozen=True)
class Outcome:
    path: str
    # ok | rejected-by-python | undecodable | too-large | libcst-rejects | known-bug | error | raised | timeout
    kind: str
    seconds: float
    size: int
    detail: str = ""


def installed_roots() -> list[Path]:
    paths = sysconfig.get_paths()
    roots = [Path(paths["stdlib"]), Path(paths["purelib"]), Path(paths["platlib"])]
    return list(dict.fromkeys(root.resolve() for root in roots if root.is_dir()))


def python_files() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    files: set[Path] = set()
    for root in installed_roots():
        for path in root.rglob("*.py"):
            inside_stdlib = root == stdlib
            # The interpreter's own site-packages is not the test environment's: leave it out.
            if inside_stdlib and {"site-packages", "dist-packages"} & set(path.relative_to(root).parts):
                continue
            if path.is_file():
                files.add(path)
    return sorted(files)


def _on_alarm(signum: int, frame: object) -> None:
    raise FileTimedOut


def _decode(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def _python_rejects(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<installed>", "exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return True
    return False


def check_file(path_text: str) -> Outcome:
    """Runs in a pool worker."""
    from keras_loss_lint.core.lint import lint_source

    path = Path(path_text)
    data = path.read_bytes()
    try:
        text = _decode(data) + KERAS_MARKER
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return Outcome(path_text, "undecodable", 0.0, len(data), str(error))
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(PER_FILE_SECONDS)
    start = time.perf_counter()
    try:
        result = lint_source(text, path_text)
    except FileTimedOut:
        return Outcome(path_text, "timeout", time.perf_counter() - start, len(data))
    except BaseException:  # noqa: BLE001 - anything escaping lint_source is the finding
        return Outcome(path_text, "raised", time.perf_counter() - start, len(data), traceback.format_exc(limit=-6))
    finally:
        signal.alarm(0)
    seconds = time.perf_counter() - start
    if result.error is None:
        return Outcome(path_text, "ok", seconds, len(data))
    return Outcome(path_text, _classify_error(text, result.error), seconds, len(data), result.error)


def _classify_error(text: str, error: str) -> str:
    if _python_rejects(text):
        return "rejected-by-python"
    if error.startswith("too large to analyse"):
        return "too-large"  # the core's size limit, by design
    if error.startswith("syntax error") and _libcst_rejects(text):
        return "libcst-rejects"  # valid Python that LibCST cannot parse: LibCST's limit, not ours
    return "error"


def _libcst_rejects(text: str) -> bool:
    import libcst

    try:
        libcst.parse_module(text)
    except Exception:  # noqa: BLE001 - any parse failure counts
        return True
    return False


def known_bug(outcome: Outcome) -> str | None:
    if outcome.kind not in ("raised", "error"):
        return None
    return next((bug for signature, bug in KNOWN_BUGS.items() if signature in outcome.detail), None)


def lint_all(files: list[Path]) -> tuple[list[Outcome], list[str]]:
    """Outcomes, and the files never finished (a worker stuck beyond its alarm)."""
    pending = {str(p) for p in files}
    outcomes: list[Outcome] = []
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(processes=os.cpu_count() or 1, maxtasksperchild=200) as pool:
        results = pool.imap_unordered(check_file, sorted(pending, key=lambda p: -os.path.getsize(p)), chunksize=1)
        try:
            for _ in range(len(pending)):
                outcome = results.next(timeout=POOL_GRACE_SECONDS)
                outcomes.append(outcome)
                pending.discard(outcome.path)
        except multiprocessing.TimeoutError:
            pool.terminate()
    return outcomes, sorted(pending)


@pytest.mark.slow
def test_installed_python_code_is_linted_without_internal_errors() -> None:
    files = python_files()
    assert len(files) > 1000, "the standard library should be here: is this a stripped interpreter?"
    start = time.perf_counter()
    outcomes, unfinished = lint_all(files)
    elapsed = time.perf_counter() - start
    by_kind: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        kind = "known-bug" if known_bug(outcome) else outcome.kind
        by_kind.setdefault(kind, []).append(outcome)
    megabytes = sum(o.size for o in outcomes) / 1e6
    slowest = sorted(outcomes, key=lambda o: -o.seconds)[:3]
    SUMMARY.append(
        f"installed code: {len(outcomes)} files ({megabytes:.0f} MB) from {', '.join(map(str, installed_roots()))} "
        f"linted in {elapsed:.0f} s with {os.cpu_count()} processes; "
        + ", ".join(f"{kind}: {len(items)}" for kind, items in sorted(by_kind.items()))
        + "; slowest: " + ", ".join(f"{Path(o.path).name} {o.seconds:.1f} s" for o in slowest)
    )
    for kind in ("libcst-rejects", "known-bug"):
        SUMMARY.extend(f"  {kind}: {o.path}: {known_bug(o) or o.detail[:160]}" for o in by_kind.get(kind, []))
    problems = [
        f"{o.kind}: {o.path}: {o.detail.strip()[-1500:]}"
        for kind in ("raised", "timeout", "error")
        for o in by_kind.get(kind, [])
    ]
    problems += [f"unfinished (hung past its alarm): {path}" for path in unfinished]
    assert not problems, f"{len(problems)} files failed:\n" + "\n\n".join(problems[:20])
