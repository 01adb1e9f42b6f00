"""Terminal colour: `--color always|never` decides; with `auto` (the default) it is on for a terminal
and off when piped, `NO_COLOR` turns it off and `FORCE_COLOR` on."""

from __future__ import annotations

import os
from typing import IO

RESET = "\x1b[0m"
CODES = {"bold": "1", "underline": "4", "red": "31", "green": "32", "cyan": "36", "blue": "34"}


COLOR_CHOICES = ("auto", "always", "never")


def color_enabled(
    stream: IO[str], environ: dict[str, str] | os._Environ[str] = os.environ, choice: str = "auto"
) -> bool:
    """`--color always/never` wins (as in ruff, over the environment too); with `auto`, FORCE_COLOR
    (or CLICOLOR_FORCE) wins, then NO_COLOR (any non-empty value), then isatty."""
    if choice != "auto":
        return choice == "always"
    for name in ("FORCE_COLOR", "CLICOLOR_FORCE"):
        if environ.get(name, "").strip().lower() not in ("", "0", "false", "no"):
            return True
    if environ.get("NO_COLOR", ""):
        return False
    if environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


class Style:
    """Wraps text in ANSI codes only when enabled, so formatters never test for colour themselves."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def paint(self, text: str, *styles: str) -> str:
        if not self.enabled or not text:
            return text
        prefix = "".join(f"\x1b[{CODES[style]}m" for style in styles)
        return f"{prefix}{text}{RESET}"

    def path(self, text: str) -> str:
        return self.paint(text, "bold")

    def underline(self, text: str) -> str:
        return self.paint(text, "underline")

    def separator(self, text: str) -> str:
        return self.paint(text, "cyan")

    def code(self, text: str) -> str:
        return self.paint(text, "bold", "red")

    def gutter(self, text: str) -> str:
        return self.paint(text, "bold", "blue")

    def marker(self, text: str) -> str:
        return self.paint(text, "bold", "red")

    def help(self, text: str) -> str:
        return self.paint(text, "bold", "cyan")

    def fix_marker(self, text: str) -> str:
        return self.paint(text, "cyan")

    def success(self, text: str) -> str:
        return self.paint(text, "green")


PLAIN = Style(False)
