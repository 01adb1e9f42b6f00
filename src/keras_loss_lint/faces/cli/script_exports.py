"""`.py` files exported from a notebook, with the IPython lines the export kept (`!pip install ...`,
`%matplotlib inline`, `%%time`): Colab's "Download .py" writes them as they were typed, so the file is
not valid Python and a linter reads nothing of it.

Such a file is read the way a notebook cell is read (faces/notebook_magics.py, `script_magics`): each
escape line becomes `pass` at its indentation, every other line stays where it was. This happens only
for a file that does not parse as written and parses once those lines are masked, so the meaning of
valid Python never changes. A `!pip install keras==X` line among them names the target release as it
does in a notebook (unless `--keras-version` or `keras-version` says otherwise). The run says so with
`check -v` (a note on stderr, as ruff's verbose log reads); the report itself stays ruff's. A fix is
placed on the real text like a notebook cell's, and never on a masked line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keras_loss_lint.core.diagnostics import LintResult
    from keras_loss_lint.faces.notebook import Notebook
    from pathlib import Path

    from keras_loss_lint.project.config import ResolvedConfig
    from keras_loss_lint.project.settings import Settings


class ScriptExport:
    """A `.py` text read as a notebook export: its text with "\\n" line breaks, the Python the linter
    sees, and the 1-based numbers of the masked lines."""

    __slots__ = ("text", "code", "masked")

    def __init__(self, text: str, code: str, masked: tuple[int, ...]) -> None:
        self.text = text
        self.code = code
        self.masked = masked

    def note(self, settings: Settings) -> str:
        """What `check -v` says: which lines were skipped, and the target when they pinned it."""
        lines = ", ".join(str(number) for number in self.masked[:5]) + (", ..." if len(self.masked) > 5 else "")
        plural = "s" if len(self.masked) > 1 else ""
        note = f"read as a notebook export: IPython line{plural} {lines} skipped (not Python as written)"
        target = settings.target
        if target.source.startswith("notebook "):
            note += f"; target Keras versions: {target.describe()}, from {target.source}"
        return note

    def pip_lines(self) -> str:
        """The masked lines only, each on its own line number (the rest blank), for pin detection."""
        masked = set(self.masked)
        return "\n".join(line if number in masked else "" for number, line in enumerate(self.text.split("\n"), 1))

    def settings(self, config: ResolvedConfig, path: Path | None) -> Settings:
        """The file's settings, its target read from its own `!pip install` lines when they pin Keras."""
        from dataclasses import replace

        from keras_loss_lint.project.target import notebook_pin, resolve_target

        settings = config.settings_for(path)
        explicit = config.keras_version
        pip_lines = self.pip_lines()
        if (explicit is None or not explicit.strip()) and notebook_pin(pip_lines) is not None:
            settings = replace(settings, target=resolve_target(None, notebook_source=pip_lines))
        return settings

    def as_notebook(self) -> Notebook:
        from keras_loss_lint.faces.notebook import script_as_notebook

        return script_as_notebook(self.text, self.code)


def script_export(text: str, result: LintResult) -> ScriptExport | None:
    """The export reading of a `.py` text whose lint `result` is a syntax error; None when the text
    has no IPython escape line or is not valid Python even without them."""
    if result.syntax_error is None:
        return None
    from keras_loss_lint.faces.notebook_magics import NEWLINES, script_magics  # only for broken files
    normalised = NEWLINES.sub("\n", text)
    masked = script_magics(normalised)
    if masked is None:
        return None
    code, numbers = masked
    try:
        compile(code, "<export>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return ScriptExport(normalised, code, numbers)
