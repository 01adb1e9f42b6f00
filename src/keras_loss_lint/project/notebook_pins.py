"""Pins from a notebook's `!pip install ...` / `%pip install ...` lines (also `python -m pip`,
`uv pip`, `pip3.11`, and several commands joined with `&&` or `;`).

`pip install -U keras` without a version installs the newest release there is, so it pins the newest
release this linter knows, or a later one; a bare `pip install keras` keeps whatever the machine has
(Colab has one preinstalled) and says nothing."""

from __future__ import annotations

import re
import shlex
from typing import Iterator, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from keras_loss_lint.keras.versions import KNOWN_RELEASES
from keras_loss_lint.project.pins import KERAS, Pin, make_pin, pin_from_pep508

# pip options that consume the next token (`-r file`, `--index-url URL`, ...).
_PIP_OPTIONS_WITH_VALUE = frozenset(
    {
        "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
        "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
        "--upgrade-strategy", "--platform", "--python-version", "--implementation", "--abi",
        "--no-binary", "--only-binary", "--trusted-host", "--proxy", "--timeout", "--retries",
        "--cache-dir", "--src", "--log", "--progress-bar", "-C", "--config-settings",
        "--global-option", "--report", "--python", "--exists-action", "--cert", "--client-cert",
        "--keyring-provider", "--root-user-action", "--use-feature", "--use-deprecated", "--group",
    }
)
_SHELL_SEPARATORS = frozenset({"&&", "||", ";", "|"})
_PIP_PROGRAM = re.compile(r"^pip[0-9.]*$")
# `-U`, `--upgrade`, or a cluster of flags that take no value (`-qU`).
_UPGRADE = re.compile(r"^(?:--upgrade|-[qvIU]*U[qvIU]*)$")


def notebook_pins(code: str | Sequence[str]) -> Iterator[Pin]:
    """Pins from pip lines; a sequence is one string per cell, so locations can say 'cell N'."""
    cells = [code] if isinstance(code, str) else list(code)
    by_cell = not isinstance(code, str)
    for cell_number, cell in enumerate(cells, 1):
        for line_number, line in enumerate(cell.splitlines(), 1):
            stripped = line.strip()
            if not stripped.startswith(("!", "%")):
                continue  # commented-out or ordinary Python lines never install anything
            unit = f"cell {cell_number}" if by_cell else f"line {line_number}"
            location = f"notebook {unit} ({stripped})"
            for requirement, upgraded in _pip_install_arguments(stripped.lstrip("!%")):
                pin = pin_from_pep508(requirement, location, None)
                if pin is None and upgraded:
                    pin = _newest(requirement, location)
                if pin is not None:
                    yield pin


def _newest(requirement: str, location: str) -> Pin | None:
    """The pin of an upgrade to the newest Keras: `keras` or `keras[jax]` with no version."""
    try:
        parsed = Requirement(requirement.strip())
    except (InvalidRequirement, ValueError):
        return None
    if parsed.specifier or parsed.url or parsed.marker is not None or canonicalize_name(parsed.name) != KERAS:
        return None
    return make_pin(parsed.name, SpecifierSet(f">={max(KNOWN_RELEASES)}"), str(parsed), location)


def _pip_install_arguments(command: str) -> list[tuple[str, bool]]:
    """The requirement arguments of every `pip install` in a shell command line, each with whether
    its `pip install` upgrades."""
    try:
        tokens = shlex.split(command, comments=True)
    except ValueError:  # unbalanced quotes: fall back to whitespace, dropping stray quotes
        tokens = [token.strip("\"'") for token in command.split()]
    arguments: list[tuple[str, bool]] = []
    for segment in _shell_segments(tokens):
        arguments += _install_arguments(segment)
    return arguments


def _shell_segments(tokens: list[str]) -> Iterator[list[str]]:
    segment: list[str] = []
    for token in tokens:
        if token in _SHELL_SEPARATORS:
            yield segment
            segment = []
        elif token.endswith(";"):  # `pip install keras==3.5.0; echo done`
            segment.append(token[:-1])
            yield segment
            segment = []
        else:
            segment.append(token)
    yield segment


def _install_arguments(segment: list[str]) -> list[tuple[str, bool]]:
    """Arguments after `pip install` (also `python -m pip install`, `uv pip install`, `pip3.11`)."""
    for index, token in enumerate(segment[:-1]):
        if _PIP_PROGRAM.match(token.rsplit("/", 1)[-1]) and segment[index + 1] == "install":
            arguments = segment[index + 2:]
            upgraded = any(_UPGRADE.match(argument) for argument in arguments)
            return [(requirement, upgraded) for requirement in _requirement_arguments(arguments)]
    return []


def _requirement_arguments(arguments: list[str]) -> list[str]:
    requirements = []
    skip_next = False
    for argument in arguments:
        if skip_next:
            skip_next = False
        elif argument.startswith("-"):
            skip_next = argument in _PIP_OPTIONS_WITH_VALUE  # `--opt=value` needs no skip
        else:
            requirements.append(argument)
    return requirements
