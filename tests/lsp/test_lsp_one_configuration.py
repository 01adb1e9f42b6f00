"""The language server reports, for the one-configuration project, what the CLI, flake8 and the
pre-commit hook report (tests/cli/test_cli_one_configuration.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import CONFIG, RecordingClient, open_document, workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from one_configuration import expected, write_project  # noqa: E402

pytestmark = pytest.mark.asyncio


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: RecordingClient, tmp_path: Path):
    await lsp_client.initialize_session(workspace(tmp_path, debounce_ms=0))
    yield
    await lsp_client.shutdown_session()


async def test_the_server_reports_what_the_configuration_says(client: RecordingClient, tmp_path: Path) -> None:
    found = []
    for path in write_project(tmp_path):
        for diagnostic in await client.diagnostics_for(open_document(client, path), 1):
            start = diagnostic.range.start
            relative = path.relative_to(tmp_path).as_posix()
            found.append((relative, start.line + 1, start.character + 1, str(diagnostic.code)))
    assert sorted(found) == expected()
