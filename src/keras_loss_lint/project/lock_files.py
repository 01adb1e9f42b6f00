"""Pins from lock files (poetry.lock, uv.lock, pdm.lock, Pipfile.lock, pylock*.toml): exact versions
of what is installed, which is why they come first among a directory's pins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from keras_loss_lint.project.pins import FAMILY_RANK, Pin, ProjectReader, make_pin

LOCK_FILES = ("poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "pylock.toml")


def lock_pins(directory: Path, names: set[str], reader: ProjectReader) -> Iterator[Pin]:
    """Pins from the lock files among `names` (the directory's entries): in `LOCK_FILES` order, then
    any other `pylock.*.toml` by name."""
    extra_pylocks = sorted(n for n in names if n.startswith("pylock.") and n.endswith(".toml"))
    for name in LOCK_FILES + tuple(n for n in extra_pylocks if n != "pylock.toml"):
        if name not in names:
            continue
        path = directory / name
        if name == "Pipfile.lock":
            yield from _pipfile_lock_pins(path, reader)
        else:
            yield from _toml_lock_pins(path, reader)


def _toml_lock_pins(path: Path, reader: ProjectReader) -> Iterator[Pin]:
    """poetry.lock / uv.lock / pdm.lock use `[[package]]`, pylock.toml (PEP 751) `[[packages]]`."""
    data = reader.toml(path)
    if data is None:
        return
    entries = data.get("packages" if path.name.startswith("pylock") else "package")
    versions: dict[str, set[Version]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            _collect_locked(entry.get("name"), entry.get("version"), versions)
    yield from _locked_pins(versions, path)


def _pipfile_lock_pins(path: Path, reader: ProjectReader) -> Iterator[Pin]:
    text = reader.text(path)
    try:
        data = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):
        return
    if not isinstance(data, dict):
        return
    versions: dict[str, set[Version]] = {}
    for section in ("default", "develop"):
        packages = data.get(section)
        for name, entry in packages.items() if isinstance(packages, dict) else ():
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                _collect_locked(name, entry["version"].lstrip("="), versions)
    yield from _locked_pins(versions, path)


def _collect_locked(name: object, version: object, into: dict[str, set[Version]]) -> None:
    if not isinstance(name, str) or not isinstance(version, str):
        return
    package = canonicalize_name(name)
    if package not in FAMILY_RANK:
        return
    try:
        into.setdefault(package, set()).add(Version(version))
    except InvalidVersion:
        return


def _locked_pins(versions: dict[str, set[Version]], path: Path) -> Iterator[Pin]:
    # A lock may hold several versions of one package (uv forks by platform): span them.
    for package, found in sorted(versions.items(), key=lambda item: FAMILY_RANK[item[0]]):
        low, high = min(found), max(found)
        text = f"=={low}" if low == high else f">={low},<={high}"
        pin = make_pin(package, SpecifierSet(text), f"{package}{text}", "", file=path)
        if pin is not None:
            yield pin
