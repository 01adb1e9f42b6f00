"""The language server keeps a document's other findings when one rule raises (see tests/test_isolation.py)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import SERVER_COMMAND, RecordingClient, make_client, open_document, workspace
from pytest_lsp import ClientServerConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_isolation import KERAS_3_5, SITECUSTOMIZE, SOURCE  # noqa: E402

pytestmark = pytest.mark.asyncio

HOOKS = Path(tempfile.mkdtemp(prefix="kll-hooks-"))
(HOOKS / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
ENVIRONMENT = dict(
    os.environ,
    KLL_FAULT="rule",
    PYTHONPATH=os.pathsep.join(filter(None, [str(HOOKS), os.environ.get("PYTHONPATH")])),
)
CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client, server_env=ENVIRONMENT)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: RecordingClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(f'[tool.keras-loss-lint]\nkeras-version = "{KERAS_3_5}"\n')
    await lsp_client.initialize_session(workspace(tmp_path, debounce_ms=0))
    yield
    await lsp_client.shutdown_session()


async def test_a_raising_rule_costs_only_itself(client: RecordingClient, tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(SOURCE, encoding="utf-8")
    diagnostics = await client.diagnostics_for(open_document(client, path), 1)
    codes = sorted(str(d.code) for d in diagnostics)
    assert codes == ["KLO401", "KLO901"]
    failure = next(d for d in diagnostics if d.code == "KLO901")
    assert "rule KLO201 (dict-loss-sorted-order) failed" in failure.message
