"""The editor loop: from one edit (a `didChange`) to the diagnostics of that version, in a real language
server over stdio with the debounce set to 0, on a generated 2,000-line module with 20 multi-output
models (each compiled with a miswired dict loss, so every re-check reports 20 findings).

    python benchmarks/editor.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "lsp"))

import bench_recheck  # noqa: E402 - the server driver lives beside the server's tests

MODELS = 20
LINES = 2000


def module_with_models(models: int = MODELS, lines: int = LINES) -> str:
    """`models` model builders spread evenly through `lines` lines of ordinary helper functions."""
    parts = [bench_recheck.HEAD]  # imports, and one model
    filler_lines = bench_recheck.FILLER.count("\n")
    model_lines = bench_recheck.MODEL.count("\n")
    fillers = max(0, (lines - bench_recheck.HEAD.count("\n") - models * model_lines) // filler_lines)
    per_model = fillers // models if models else fillers
    index = 0
    for _ in range(models - 1):  # the head of the module builds the first
        for _ in range(per_model):
            parts.append(bench_recheck.FILLER.format(i=index))
            index += 1
        parts.append(bench_recheck.MODEL.format(i=index))
        index += 1
    while sum(part.count("\n") for part in parts) < lines:
        parts.append(bench_recheck.FILLER.format(i=index))
        index += 1
    return "".join(parts)


def edit_latencies(rounds: int) -> list[float]:
    """Seconds from each didChange to its publishDiagnostics."""
    return bench_recheck.measure(module_with_models(), rounds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    times = edit_latencies(parser.parse_args().rounds)
    print(f"median {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
