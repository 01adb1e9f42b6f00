"""The server's pure parts, without a client: positions, the document store, the action edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.core.diagnostics import Position
from keras_loss_lint.core.fixing import apply_edits
from keras_loss_lint.faces.lsp.actions import minimal_edit, noqa_edit
from keras_loss_lint.faces.lsp.documents import Change, Document, path_from_uri
from keras_loss_lint.faces.lsp.linting import Linter, folder_for, is_project_file
from keras_loss_lint.faces.lsp.positions import UTF8, UTF16, UTF32, TextIndex, characters_in, units

KLO201_SOURCE = """\
import keras
from keras import layers
inp = keras.Input(shape=(4,))
small = layers.Dense(1, name="output_small")(inp)
big = layers.Dense(1, name="output_big")(inp)
model = keras.Model(inp, [small, big])
model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})
"""


def apply(source: str, edit) -> str:
    index = TextIndex(source)
    return apply_edits(source, [(index.offset(edit.span.start), index.offset(edit.span.end), edit.content)])


# -- positions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "utf8", "utf16", "utf32"),
    [("abc", 3, 3, 3), ("é", 2, 1, 1), ("€", 3, 1, 1), ("😀", 4, 2, 1), ("a😀b", 6, 4, 3)],
)
def test_units_per_encoding(text: str, utf8: int, utf16: int, utf32: int) -> None:
    assert (units(text, UTF8), units(text, UTF16), units(text, UTF32)) == (utf8, utf16, utf32)


def test_columns_after_a_non_bmp_character_shift_in_utf16() -> None:
    index = TextIndex('x = "😀"; y = 1\n')
    column = 'x = "😀"; '.__len__()  # characters, as the core counts
    assert index.to_lsp(Position(1, column), UTF16) == (0, column + 1)
    assert index.to_lsp(Position(1, column), UTF8) == (0, column + 3)
    assert index.to_lsp(Position(1, column), UTF32) == (0, column)
    assert index.position_from_lsp(0, column + 1, UTF16) == Position(1, column)


def test_half_a_surrogate_pair_rounds_down_and_long_columns_clamp() -> None:
    assert characters_in("😀b", 1, UTF16) == 0
    assert characters_in("😀b", 2, UTF16) == 1
    assert characters_in("ab", 99, UTF16) == 2
    index = TextIndex("ab\ncd")
    assert index.offset_from_lsp(0, 99, UTF16) == 2  # end of line, not into the next one
    assert index.offset_from_lsp(7, 0, UTF16) == len("ab\ncd")


def test_only_lsp_line_breaks_end_lines() -> None:
    # A form feed and U+2028 stay inside their lines, as in LSP and LibCST (not str.splitlines).
    text = "a\x0cb\u2028c\r\nd\re\nf"
    index = TextIndex(text)
    assert [index.line(i) for i in range(index.line_count)] == ["a\x0cb\u2028c", "d", "e", "f"]
    assert index.position(text.index("e")) == Position(3, 0)


# -- documents ----------------------------------------------------------------------------------


def test_incremental_changes_apply_in_order_with_utf16_columns() -> None:
    document = Document("file:///x.py", None, "python", 1, 's = "😀"\nt = 1\n')
    document.apply([Change("2", (1, 4), (1, 5)), Change("# 😀 ", (0, 0), (0, 0))], 2, UTF16)
    assert document.text == '# 😀 s = "😀"\nt = 2\n'
    document.apply([Change("X", (0, 10), (0, 12))], 3, UTF16)  # the emoji of the string: 2 units
    assert document.text == '# 😀 s = "X"\nt = 2\n'
    assert (document.version, document.generation) == (3, 2)


def test_a_form_feed_does_not_shift_later_edits() -> None:
    document = Document("file:///x.py", None, "python", 1, "a\x0c = 1\nb = 2\n")
    document.apply([Change("c", (1, 0), (1, 1))], 2, UTF16)
    assert document.text == "a\x0c = 1\nc = 2\n"


def test_full_text_changes_replace_everything() -> None:
    document = Document("file:///x.py", None, "python", 1, "old")
    document.apply([Change("new")], 2, UTF16)
    assert document.text == "new"


def test_path_from_uri(tmp_path: Path) -> None:
    target = tmp_path / "a b.py"
    assert path_from_uri(target.as_uri()) == target.resolve()
    assert path_from_uri("untitled:Untitled-1") is None


# -- actions ------------------------------------------------------------------------------------


def test_noqa_is_added_and_then_silences_the_diagnostic() -> None:
    (diagnostic,) = lint_source(KLO201_SOURCE).diagnostics
    edit = noqa_edit(KLO201_SOURCE, diagnostic.line, diagnostic.code)
    fixed = apply(KLO201_SOURCE, edit)
    assert fixed.splitlines()[6].endswith('"mae"})  # noqa: KLO201')
    assert lint_source(fixed).diagnostics == ()
    assert noqa_edit(fixed, diagnostic.line, diagnostic.code) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("x = 1  # noqa: E501", "x = 1  # noqa: E501, KLO201"),
        ("x = 1  # noqa:E501,W2 why", "x = 1  # noqa:E501,W2, KLO201 why"),
        ("x = 1  # type: ignore   ", "x = 1  # type: ignore  # noqa: KLO201"),
        ("x = 1\t", "x = 1  # noqa: KLO201"),
    ],
)
def test_noqa_merges_into_an_existing_list(line: str, expected: str) -> None:
    source = f"{line}\r\ny = 2\r\n"
    assert apply(source, noqa_edit(source, 1, "KLO201")) == f"{expected}\r\ny = 2\r\n"


def test_noqa_covering_the_code_already_needs_no_edit() -> None:
    assert noqa_edit("x = 1  # noqa\n", 1, "KLO201") is None
    assert noqa_edit("x = 1  # noqa: KLO2\n", 1, "KLO201") is None


def test_noqa_goes_after_a_multiline_token() -> None:
    source = 'x = f("""\nabc\n""", 1)\ny = 2 + \\\n    3\n'
    assert apply(source, noqa_edit(source, 1, "KLO201")).splitlines()[2] == '""", 1)  # noqa: KLO201'
    assert apply(source, noqa_edit(source, 4, "KLO201")).splitlines()[4] == "    3  # noqa: KLO201"


def test_minimal_edit_covers_only_the_difference() -> None:
    old = "a = 1\r\nb = 2\r\nc = 3\r\n"
    new = "a = 1\r\nb = 20\r\nc = 3\r\n"
    edit = minimal_edit(old, new)
    assert (edit.span.start, edit.span.end, edit.content) == (Position(2, 5), Position(2, 5), "0")
    assert apply(old, edit) == new
    assert minimal_edit(old, old) is None


def test_minimal_edit_never_splits_a_crlf() -> None:
    old, new = "a\r\nb", "a\r\r\nb"
    edit = minimal_edit(old, new)
    assert apply(old, edit) == new
    assert edit.span.start == Position(1, 1)


# -- settings -----------------------------------------------------------------------------------


def test_project_files_are_recognised() -> None:
    for name in ("pyproject.toml", "setup.cfg", "requirements-dev.txt", "poetry.lock", "Pipfile", "pylock.toml"):
        assert is_project_file(Path("/p") / name), name
    assert not is_project_file(Path("/p/model.py"))


def test_folder_for_picks_the_innermost_folder(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    assert folder_for(inner / "a.py", [tmp_path, inner]) == inner
    assert folder_for(Path("/elsewhere/a.py"), [tmp_path]) == Path("/")


def test_configuration_and_per_file_ignores_apply(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.keras-loss-lint]\nper-file-ignores = {"ignored_*.py" = ["KLO2"]}\n', encoding="utf-8"
    )
    linter = Linter()
    assert [d.code for d in linter.lint(KLO201_SOURCE, tmp_path / "model.py", [tmp_path]).diagnostics] == [
        "KLO201"
    ]
    assert linter.lint(KLO201_SOURCE, tmp_path / "ignored_model.py", [tmp_path]).diagnostics == ()
    assert linter.fix_all(KLO201_SOURCE, tmp_path / "ignored_model.py", [tmp_path]) is None
    fixed = linter.fix_all(KLO201_SOURCE, tmp_path / "model.py", [tmp_path])
    assert fixed is not None and 'loss=["mse", "mae"]' in fixed


def test_a_broken_configuration_falls_back_to_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.keras-loss-lint]\nselectt = ["KLO"]\n', encoding="utf-8")
    outcome = Linter().lint(KLO201_SOURCE, tmp_path / "model.py", [tmp_path])
    assert outcome.config_error is not None and "selectt" in outcome.config_error
    assert [d.code for d in outcome.diagnostics] == ["KLO201"]


def test_excluded_files_are_not_linted(tmp_path: Path) -> None:
    outcome = Linter().lint(KLO201_SOURCE, tmp_path / ".venv" / "lib" / "model.py", [tmp_path])
    assert outcome.excluded and outcome.diagnostics == ()
