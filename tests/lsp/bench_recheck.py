"""How long the server takes to re-check a 2,000-line file after an edit (not a test: run it).

    python tests/lsp/bench_recheck.py

Opens a generated 2,000-line module in a real server over stdio, then times, five times over, from
sending one didChange to receiving the diagnostics for that version (debounce set to 0). Two files:
a training script with one multi-output model among 2,000 lines of other code, and one with a model
every ~12 lines (about 170 models and compile calls).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_lsp_robustness import RawClient  # noqa: E402

HEAD = """import keras
from keras import layers
inp = keras.Input(shape=(4,))
small = layers.Dense(1, name="output_small")(inp)
big = layers.Dense(1, name="output_big")(inp)
model = keras.Model(inp, [small, big])
model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})
"""
FILLER = '''
def helper_{i}(data, scale={i}):
    """Normalise a batch."""
    total = 0
    for row in data:
        if row is None:
            continue
        total += sum(v * scale for v in row)
    return {{"total": total, "mean": total / max(len(data), 1)}}
'''
MODEL = '''
def build_{i}(units={i}):
    inp = keras.Input(shape=(4,))
    hidden = layers.Dense(units, activation="relu")(inp)
    small = layers.Dense(1, name="output_small")(hidden)
    big = layers.Dense(1, name="output_big")(hidden)
    model = keras.Model(inp, [small, big])
    model.compile(optimizer="adam", loss={{"output_small": "mse", "output_big": "mae"}})
    return model
'''


def generate(block: str, lines: int = 2000) -> str:
    parts, i = [HEAD], 0
    while sum(part.count("\n") for part in parts) < lines:
        parts.append(block.format(i=i))
        i += 1
    return "".join(parts)


def measure(text: str, rounds: int = 5) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        client = RawClient(Path(folder))
        uri = (Path(folder) / "big.py").as_uri()
        client.initialize({"debounceMs": 0})
        client.send({"method": "initialized", "params": {}})
        item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": item}})
        _published(client, 1)
        times = []
        for version in range(2, 2 + rounds):
            at = {"line": 1, "character": 0}
            change = {"range": {"start": at, "end": at}, "text": "#\n"}
            started = time.perf_counter()
            client.send(
                {
                    "method": "textDocument/didChange",
                    "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
                }
            )
            _published(client, version)
            times.append(time.perf_counter() - started)
        client.send({"id": 2, "method": "shutdown"})
        client.response(2)
        client.send({"method": "exit"})
        client.process.wait(timeout=15)
        return times


def _published(client: RawClient, version: int) -> None:
    client.wait_for(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == version,
        timeout=120,
    )


if __name__ == "__main__":
    for name, block in (("one model", FILLER), ("a model every 12 lines", MODEL)):
        text = generate(block)
        times = measure(text)
        print(
            f"{name}: {text.count(chr(10))} lines, re-check median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f})"
        )
