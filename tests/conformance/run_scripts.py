"""Run training scripts inside one Keras release's environment and report how each ended.

This file runs INSIDE a per-release virtual environment (see `envs.py`), as a plain script: it must not
import `keras_loss_lint` or anything else from this repository. It reads a JSON list on stdin whose
items are either a script path or `{"name": ..., "path": ..., "source": ...}` (the source is executed
in place of the file's text, e.g. the linter's fixed version of it), runs each in a fresh `__main__`
namespace, and prints one JSON document on stdout:

    {"keras": "3.5.0", "backend": "jax", "results": [{"name": ..., "verdict": "ok", "seconds": 1.2}, ...]}

A verdict is `ok` (the script ran to the end, its self-checks included), `assertion: <message>` (a
self-check failed) or `error: <ExceptionType>: <first line of the message>` (anything else raised,
Keras or the script). What the scripts print goes to stderr, so stdout stays one JSON document.
"""

from __future__ import annotations

import contextlib
import gc
import json
import linecache
import os
import runpy
import sys
import time
import traceback
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")  # before Keras is imported; envs.py sets it too
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

Json = dict[str, Any]
MESSAGE_LIMIT = 300


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if len(lines) > 1 and lines[0] == "in user code:":  # tf.function: the cause is on the last line
        return lines[-1][:MESSAGE_LIMIT]
    return lines[0][:MESSAGE_LIMIT] if lines else ""


def _verdict(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, AssertionError):
        return f"assertion: {_first_line(error)}"
    return f"error: {type(error).__name__}: {_first_line(error)}"


def _item(entry: Any) -> Json:
    if isinstance(entry, str):
        return {"name": entry, "path": entry, "source": None}
    path = entry.get("path") or entry["name"]
    return {"name": entry.get("name", path), "path": path, "source": entry.get("source")}


def run_one(item: Json) -> Json:
    """Run one script as `python script.py` would, in a fresh namespace, with its folder on sys.path."""
    import keras

    keras.backend.clear_session()
    path = os.path.abspath(item["path"])
    saved_path, saved_argv = list(sys.path), list(sys.argv)
    sys.path.insert(0, os.path.dirname(path))
    sys.argv = [path]
    started = time.monotonic()
    error: BaseException | None = None
    detail = ""
    try:
        with contextlib.redirect_stdout(sys.stderr):
            if item["source"] is None:
                runpy.run_path(path, run_name="__main__")
            else:
                # A distinct file name, registered with linecache, so tracebacks quote the given source.
                filename = f"{path} <{item['name']}>"
                linecache.cache[filename] = (len(item["source"]), None, item["source"].splitlines(True), filename)
                code = compile(item["source"], filename, "exec")
                exec(code, {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__})
    except (Exception, SystemExit) as caught:  # noqa: BLE001 - every failure is a verdict
        error = caught
        detail = "".join(traceback.format_exception(type(caught), caught, caught.__traceback__)[-6:])
    finally:
        sys.path[:], sys.argv[:] = saved_path, saved_argv
    if isinstance(error, SystemExit) and error.code in (None, 0):
        error = None
    result = {"name": item["name"], "verdict": _verdict(error), "seconds": round(time.monotonic() - started, 2)}
    if detail:
        result["traceback"] = detail[-3000:]
    gc.collect()
    return result


def main() -> int:
    entries = json.load(sys.stdin)
    import keras

    results = [run_one(_item(entry)) for entry in entries]
    json.dump({"keras": keras.__version__, "backend": _backend(keras), "results": results}, sys.stdout)
    return 0


def _backend(keras: Any) -> str:
    try:
        return str(keras.backend.backend())
    except AttributeError:  # pragma: no cover - every supported Keras has it
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
