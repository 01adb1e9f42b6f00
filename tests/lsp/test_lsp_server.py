"""The language server driven as an editor drives it: a real LSP client over stdio, one server
process per test, a temporary workspace folder per test."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from lsp_helpers import (
    CONFIG,
    FIXED_LOSS,
    KLO201_LINE,
    KLO201_SOURCE,
    RecordingClient,
    apply_workspace_edit,
    workspace,
)

from keras_loss_lint.core.lint import lint_source

pytestmark = pytest.mark.asyncio


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: RecordingClient, tmp_path: Path):
    await lsp_client.initialize_session(workspace(tmp_path, debounce_ms=50))
    yield
    await lsp_client.shutdown_session()


class Editor:
    """One open document, edited the way an editor edits it."""

    def __init__(self, client: RecordingClient, path: Path, text: str) -> None:
        self.client, self.path, self.text, self.version = client, path, text, 1
        self.uri = path.as_uri()
        path.write_text(text, encoding="utf-8")
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=self.uri, language_id="python", version=1, text=text)
            )
        )

    async def diagnostics(self) -> list[types.Diagnostic]:
        return list(await self.client.diagnostics_for(self.uri, self.version))

    def replace_all(self, text: str) -> None:
        self.text, self.version = text, self.version + 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def insert(self, line: int, character: int, new_text: str, new_full_text: str) -> None:
        self.text, self.version = new_full_text, self.version + 1
        at = types.Position(line=line, character=character)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=new_text)
                ],
            )
        )

    async def actions(
        self, line: int, character: int = 0, only: list[str] | None = None, listed: list | None = None
    ) -> list[types.CodeAction]:
        at = types.Position(line=line, character=character)
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri),
                range=types.Range(start=at, end=at),
                context=types.CodeActionContext(diagnostics=listed or [], only=only),
            )
        )
        return [action for action in result or [] if isinstance(action, types.CodeAction)]

    def apply(self, action: types.CodeAction) -> None:
        assert action.edit is not None
        self.replace_all(apply_workspace_edit(self.text, self.uri, action.edit))


async def test_diagnostics_follow_edits_and_the_quick_fix_removes_them(
    client: RecordingClient, tmp_path: Path
) -> None:
    editor = Editor(client, tmp_path / "model.py", KLO201_SOURCE)
    (diagnostic,) = await editor.diagnostics()
    assert diagnostic.code == "KLO201"
    assert diagnostic.source == "keras-loss-lint"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("KLO201.md")
    assert "'output_small' would get the loss for 'output_big'" in diagnostic.message
    column = KLO201_SOURCE.splitlines()[KLO201_LINE].index("{")
    assert diagnostic.range.start == types.Position(line=KLO201_LINE, character=column)

    editor.insert(0, 0, "# a comment\n", "# a comment\n" + KLO201_SOURCE)
    (moved,) = await editor.diagnostics()
    assert moved.range.start == types.Position(line=KLO201_LINE + 1, character=column)

    # Asked at the start of the line (as Neovim does), listing the line's diagnostics.
    actions = await editor.actions(KLO201_LINE + 1, 0, listed=[moved])
    titles = [action.title for action in actions]
    assert titles[:2] == ["Rewrite as lists in output order", "Disable KLO201 for this line"]
    fix = actions[0]
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert list(fix.diagnostics or []) == [moved]
    editor.apply(fix)
    assert FIXED_LOSS in editor.text
    assert await editor.diagnostics() == []


async def test_edits_inside_one_function_are_seen_and_the_others_kept(
    client: RecordingClient, tmp_path: Path
) -> None:
    """The server re-parses only the statements an edit changed (core/reparse.py): a change inside one
    builder, and one that re-indents it with tabs (so that the module is parsed whole), both show."""
    builder = KLO201_SOURCE.split("\n", 2)[2].replace("\n", "\n    ")
    source = "import keras\nfrom keras import layers\n\n\n" + "".join(
        f"def build_{i}():\n    {builder.rstrip()}\n    return model\n\n\n" for i in range(3)
    )
    editor = Editor(client, tmp_path / "builders.py", source)
    assert [d.code for d in await editor.diagnostics()] == ["KLO201"] * 3
    fixed_second = source.replace("def build_1", "def build_one", 1)
    second = fixed_second.index("def build_one")
    fixed_second = fixed_second[:second] + fixed_second[second:].replace(
        '{"output_small": "mse", "output_big": "mae"}', '["mse", "mae"]', 1
    )
    editor.replace_all(fixed_second)
    lines = [d.range.start.line for d in await editor.diagnostics()]
    assert len(lines) == 2
    assert all(fixed_second.splitlines()[line].lstrip().startswith("model.compile") for line in lines)
    third = fixed_second.index("def build_2")
    tabbed = fixed_second[:third] + fixed_second[third:].replace("\n    ", "\n\t")
    editor.replace_all(tabbed)
    assert len(await editor.diagnostics()) == 2
    editor.replace_all(source)
    assert len(await editor.diagnostics()) == 3


async def test_disable_for_this_line_adds_a_noqa_comment(client: RecordingClient, tmp_path: Path) -> None:
    editor = Editor(client, tmp_path / "model.py", KLO201_SOURCE.replace('"mae"})', '"mae"})  # noqa: E501'))
    (diagnostic,) = await editor.diagnostics()
    (noqa,) = [a for a in await editor.actions(KLO201_LINE, diagnostic.range.start.character) if "Disable" in a.title]
    assert noqa.title == "Disable KLO201 for this line"
    editor.apply(noqa)
    assert editor.text.splitlines()[KLO201_LINE].endswith("# noqa: E501, KLO201")
    assert await editor.diagnostics() == []


async def test_unsafe_fixes_say_so_and_are_not_preferred(client: RecordingClient, tmp_path: Path) -> None:
    # On 3.5-3.6 a None in the dict drops other losses, so the fix is offered only past them.
    (tmp_path / "pyproject.toml").write_text('[tool.keras-loss-lint]\nkeras-version = ">=3.7"\n', encoding="utf-8")
    source = KLO201_SOURCE.replace(', "output_big": "mae"}', "}")
    editor = Editor(client, tmp_path / "model.py", source)
    (diagnostic,) = await editor.diagnostics()
    assert diagnostic.code == "KLO104"
    fix, noqa = await editor.actions(KLO201_LINE, diagnostic.range.start.character)
    assert fix.title == "Add 'output_big' with no loss (unsafe)" and not fix.is_preferred
    assert noqa.title == "Disable KLO104 for this line"
    assert await editor.actions(0, only=[types.CodeActionKind.SourceFixAll]) == []  # no safe fix here
    editor.apply(fix)
    assert '"output_big": None})' in editor.text
    assert await editor.diagnostics() == []


async def test_fix_all_is_resolved_lazily_and_fixes_everything(client: RecordingClient, tmp_path: Path) -> None:
    twice = KLO201_SOURCE + KLO201_SOURCE.splitlines(keepends=True)[-1]
    editor = Editor(client, tmp_path / "model.py", twice)
    assert len(await editor.diagnostics()) == 2
    (action,) = await editor.actions(0, only=[types.CodeActionKind.SourceFixAll])
    assert (action.title, action.kind, action.edit) == (
        "Fix all safe keras-loss-lint problems",
        "source.fixAll.keras-loss-lint",
        None,
    )
    resolved = await client.code_action_resolve_async(action)
    editor.apply(resolved)
    assert editor.text.count(FIXED_LOSS) == 2
    assert await editor.diagnostics() == []
    assert await editor.actions(0, only=[types.CodeActionKind.SourceFixAll]) == []


async def test_columns_are_utf16_code_units(client: RecordingClient, tmp_path: Path) -> None:
    lines = KLO201_SOURCE.splitlines(keepends=True)
    lines[KLO201_LINE] = 'note = "🙂🙂"; ' + lines[KLO201_LINE]
    editor = Editor(client, tmp_path / "model.py", "".join(lines))
    (diagnostic,) = await editor.diagnostics()
    characters = lines[KLO201_LINE].index("{")
    assert diagnostic.range.start.character == characters + 2  # each emoji is two UTF-16 units
    fix = (await editor.actions(KLO201_LINE, diagnostic.range.start.character))[0]
    editor.apply(fix)
    assert 'note = "🙂🙂"; model.compile(optimizer="adam", loss=["mse", "mae"])' in editor.text
    assert await editor.diagnostics() == []


async def test_project_configuration_is_honoured_and_watched(client: RecordingClient, tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.keras-loss-lint]\nkeras-version = "==3.4.1"\n', encoding="utf-8")
    editor = Editor(client, tmp_path / "model.py", KLO201_SOURCE)
    assert await editor.diagnostics() == []  # KLO201 only affects Keras 3.5-3.6
    assert any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations)

    pyproject.write_text('[tool.keras-loss-lint]\nkeras-version = "==3.5.0"\n', encoding="utf-8")
    before = len(client.published[editor.uri])
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await _until(lambda: len(client.published[editor.uri]) > before)
    assert [d.code for d in client.published[editor.uri][-1].diagnostics] == ["KLO201"]

    # Saving a project file the editor has open counts as a change too.
    pyproject.write_text('[tool.keras-loss-lint]\nkeras-version = "==3.4.1"\n', encoding="utf-8")
    before = len(client.published[editor.uri])
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=pyproject.as_uri()))
    )
    await _until(lambda: len(client.published[editor.uri]) > before)
    assert list(client.published[editor.uri][-1].diagnostics) == []


async def test_a_broken_configuration_is_reported_once_and_defaults_apply(
    client: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.keras-loss-lint]\nkeras-versoin = "3"\n', encoding="utf-8")
    editor = Editor(client, tmp_path / "model.py", KLO201_SOURCE)
    assert [d.code for d in await editor.diagnostics()] == ["KLO201"]
    editor.replace_all(KLO201_SOURCE + "\n")
    assert len(await editor.diagnostics()) == 1
    shown = [m.message for m in client.messages if "keras-versoin" in m.message]
    assert len(shown) == 1 and "did you mean 'keras-version'" in shown[0]


async def test_a_syntax_error_or_closing_clears_the_diagnostics(client: RecordingClient, tmp_path: Path) -> None:
    editor = Editor(client, tmp_path / "model.py", KLO201_SOURCE)
    assert len(await editor.diagnostics()) == 1
    editor.replace_all(KLO201_SOURCE.replace("model.compile(", "model.compile((", 1))
    assert await editor.diagnostics() == []  # mid-typing: no stale positions
    editor.replace_all(KLO201_SOURCE)
    assert len(await editor.diagnostics()) == 1
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=editor.uri))
    )
    await _until(lambda: not client.published[editor.uri][-1].diagnostics)


async def test_a_thousand_rapid_edits_end_on_the_latest_text(client: RecordingClient, tmp_path: Path) -> None:
    editor = Editor(client, tmp_path / "model.py", KLO201_SOURCE)
    assert len(await editor.diagnostics()) == 1
    # Type 1,000 characters at the top of the file, one didChange each, as fast as the pipe takes them.
    typed = ("# " + "x" * 47 + "\n") * 20
    assert len(typed) == 1000
    started = time.perf_counter()
    line = character = 0
    for index, char in enumerate(typed):
        editor.insert(line, character, char, typed[: index + 1] + KLO201_SOURCE)
        line, character = (line + 1, 0) if char == "\n" else (line, character + 1)
    final = await editor.diagnostics()
    elapsed = time.perf_counter() - started
    expected = lint_source(editor.text).diagnostics
    assert [(d.code, d.range.start.line) for d in final] == [(d.code, d.line - 1) for d in expected]
    assert len(expected) == 1 and expected[0].line - 1 == KLO201_LINE + typed.count("\n")
    versions = [p.version for p in client.published[editor.uri]]
    assert versions == sorted(versions), "an older result was published after a newer one"
    assert len(versions) < 50, "debouncing should have coalesced the burst"
    print(f"1,000 didChange + final diagnostics: {elapsed:.2f} s, {len(versions)} publications")


async def _until(condition, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.01)
