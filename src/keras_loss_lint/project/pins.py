"""Pins: what one mention of keras / tf-keras / tensorflow says about the Keras version.

The shared vocabulary of target detection (`keras_loss_lint.project.target`): the `Pin` record, how
pins rank against each other, how a requirement becomes a pin, and `ProjectReader`, the reading
interface every project-file parser is given. Nothing here reads a file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Protocol

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from keras_loss_lint.keras.versions import MAX_SPECIFIER_LENGTH

KERAS = "keras"
TF_KERAS = "tf-keras"
# Distributions that ship tf.keras. Nightlies (tf-nightly) are skipped: their versions say nothing
# stable about which Keras they bundle.
TENSORFLOW_DISTRIBUTIONS = frozenset(
    {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tensorflow-intel"}
)
# Lower rank wins: `import keras` loads the `keras` distribution whatever TensorFlow says.
FAMILY_RANK = {KERAS: 0, TF_KERAS: 1, **{name: 2 for name in TENSORFLOW_DISTRIBUTIONS}}
# TF 2.16 is the first release whose tf.keras is Keras 3.
FIRST_TF_WITH_KERAS3 = (2, 16)
# Ranges of TensorFlow versions are classified by the versions they admit from this grid.
TF_PROBES: tuple[Version, ...] = (Version("1.15.0"),) + tuple(
    Version(f"2.{minor}.{patch}") for minor in range(41) for patch in range(10)
)


@dataclass(frozen=True)
class Pin:
    """One mention of keras / tf-keras / tensorflow that says something about the Keras version."""

    package: str  # canonical distribution name
    requirement: str  # as the user wrote it (normalised a little), e.g. "keras==3.5.0"
    keras_specifier: str  # what it means for Keras: "==3.5.0", "<3", ">=3"
    exact: bool
    marked: bool  # carried an environment marker or a conditional constraint
    # After the file name (":3", " [project.dependencies]"), or all of "notebook cell 2 (...)".
    location: str
    file: Path | None = None  # the file, rendered relative to the working directory when described

    def rank(self) -> tuple[int, bool, bool]:
        # keras, tf-keras, tensorflow; then unconditional before marked; then exact before range.
        return (FAMILY_RANK[self.package], self.marked, not self.exact)

    def describe(self) -> str:
        where = self.location if self.file is None else _display(self.file) + self.location
        if self.package == KERAS:
            # A notebook location already quotes the whole pip line, which names the requirement.
            return where if self.file is None else f"{where} ({self.requirement})"
        major = "2" if self.keras_specifier == "<3" else "3"
        return f"{self.requirement} in {where} implies Keras {major}"


class ProjectReader(Protocol):
    """Reads project files for the parsers, so that the caller knows which files a result used."""

    def text(self, path: Path) -> str | None:
        """The file's text, or None when it cannot be read."""

    def toml(self, path: Path) -> dict[str, Any] | None:
        """The file parsed as TOML, or None when it cannot be read or parsed."""


def best(pins: Iterable[Pin]) -> Pin | None:
    """The winning pin; ties go to the earliest, so callers list pins in precedence order."""
    ranked = [(pin.rank(), index, pin) for index, pin in enumerate(pins)]
    return min(ranked, key=lambda item: item[:2])[2] if ranked else None


def make_pin(
    name: str, specifier: SpecifierSet, requirement: str, location: str, *,
    file: Path | None = None, marked: bool = False,
) -> Pin | None:
    """A Pin if `name` is a Keras-bearing distribution whose `specifier` tells us about Keras."""
    package = canonicalize_name(name)
    if len(str(specifier)) > MAX_SPECIFIER_LENGTH or not _well_formed(specifier):
        return None
    keras_specifier = _keras_specifier(package, specifier)
    if keras_specifier is None:
        return None
    return Pin(package, requirement, keras_specifier, _is_exact(specifier), marked, location, file)


def _well_formed(specifier: SpecifierSet) -> bool:
    """False for `===` with a non-version (`keras=====` parses as `=== "=="`): a typo, not a pin."""
    for item in specifier:
        if item.operator == "===":
            try:
                Version(item.version)
            except (InvalidVersion, ValueError):
                return False
    return True


def _keras_specifier(package: str, specifier: SpecifierSet) -> str | None:
    if package == KERAS:
        return str(specifier) or None  # a bare `keras` says nothing about the version
    if package == TF_KERAS:
        return "<3"  # tf-keras exists only to keep Keras 2 under TF >= 2.16
    if package in TENSORFLOW_DISTRIBUTIONS:
        return _tensorflow_keras(specifier)
    return None


def _tensorflow_keras(specifier: SpecifierSet) -> str | None:
    """`<3` or `>=3` if every TensorFlow the specifier admits bundles the same major Keras."""
    versions = _exact_versions(specifier) or list(specifier.filter(TF_PROBES))
    majors = {3 if v.release[:2] >= FIRST_TF_WITH_KERAS3 else 2 for v in versions}
    if majors == {2}:
        return "<3"
    if majors == {3}:
        return ">=3"
    return None  # no TensorFlow at all, or both sides of 2.16: no information


def _exact_versions(specifier: SpecifierSet) -> list[Version]:
    versions = []
    for item in specifier:
        if item.operator in ("==", "===") and "*" not in item.version:
            try:
                versions.append(Version(item.version))
            except (InvalidVersion, ValueError):
                continue
    return versions


def _is_exact(specifier: SpecifierSet) -> bool:
    items = list(specifier)
    return len(items) == 1 and items[0].operator in ("==", "===") and "*" not in items[0].version


def pin_from_pep508(text: str, location: str, file: Path | None) -> Pin | None:
    """A Pin from one PEP 508 requirement string; anything unparseable is skipped."""
    try:
        requirement = Requirement(text.strip())
    except (InvalidRequirement, ValueError):  # ValueError: a version beyond the integer-string limit
        return None
    shown = str(requirement).split(";")[0].strip()
    return make_pin(
        requirement.name, requirement.specifier, shown, location,
        file=file, marked=requirement.marker is not None,
    )


def resolve_path(path: Path) -> Path:
    """The absolute path, resolved where the filesystem allows (cache keys and include cycles)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # symlink loops, vanished cwd
        return Path(os.path.abspath(path))


def _display(path: Path) -> str:
    """Relative to the working directory when inside it (what the user typed), else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
