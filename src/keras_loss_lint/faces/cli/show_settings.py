"""`keras-loss-lint check --show-settings PATH`: the resolved configuration, target Keras versions
and enabled rules for one file, in TOML-like lines."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Sequence

from keras_loss_lint.faces.cli.check_report import display_path, write_out
from keras_loss_lint.faces.cli.exits import EXIT_OK, UsageError
from keras_loss_lint.faces.cli.runner import read_source
from keras_loss_lint.project.config import ConfigResolver


def show_settings(resolver: ConfigResolver, path: Path | None, stream: IO[str] | None = None) -> int:
    """Print the settings that apply to `path` (to `stream`, else stdout); a usage error without one."""
    if path is None:
        raise UsageError("--show-settings: no file to show settings for")
    config = resolver.for_path(path)
    notebook_cells = _notebook_cells(path)
    target = config.target_for(path, notebook_cells)
    from keras_loss_lint.core.catalogue import all_rules
    enabled = [rule.code for rule in all_rules() if config.selection.is_enabled(rule.code)]
    ignored_here = config.ignored_codes(path)
    lines = [
        f"Resolved settings for: {display_path(path, resolver.cwd)}",
        f"Settings path: {config.config_path if config.config_path is not None else '(none: built-in defaults)'}",
        "",
        f"select = {_toml_list(config.select)}",
        f"ignore = {_toml_list(config.ignore)}",
        "per-file-ignores = {"
        + ", ".join(f"{e.pattern.glob!r} = {_toml_list(e.codes)}" for e in config.per_file_ignores)
        + "}",
        f"per-file-ignores for this file = {_toml_list(ignored_here)}",
        f"exclude = {_toml_list([p.glob for p in config.exclude])}",
        f"respect-gitignore = {str(config.respect_gitignore).lower()}",
        f"force-exclude = {str(config.force_exclude).lower()}",
        f"output-format = {config.output_format!r}",
        f"keras-version = {config.keras_version!r}" if config.keras_version else "keras-version = (not set)",
        f"max-file-size = {_size_setting(config.limits.max_file_size)}",
        f"analysis-time-limit = {config.limits.seconds:g}",
        f"analysis-memory-limit = {config.limits.memory_mb:g}",
        "",
        f"target Keras versions = {target.describe()}",
        f"target chosen from = {target.source}",
        f"enabled rules = {', '.join(c for c in enabled if not c.startswith(ignored_here)) or '(none registered)'}",
    ]
    write_out("\n".join(lines) + "\n", stream)
    return EXIT_OK


def _notebook_cells(path: Path) -> tuple[str, ...] | None:
    if path.suffix != ".ipynb":
        return None
    from keras_loss_lint.faces.notebook import NotebookError, parse_notebook

    try:
        return parse_notebook(read_source(path).text).raw_cell_sources
    except (OSError, UnicodeDecodeError, NotebookError):
        return None


def _size_setting(size: int) -> str:
    """A size as the configuration takes it back: `"64KB"`, or `"1000B"` when not whole KB."""
    return f'"{size // 1024}KB"' if size % 1024 == 0 else f'"{size}B"'


def _toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"
