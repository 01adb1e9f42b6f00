"""Known Keras releases, the behavioural eras they fall into, and target-version sets.

Everything version-dependent in the linter is phrased in terms of this module: a rule declares the
releases it affects as a PEP 440 specifier, the settings decide which releases the linted code runs on,
and the intersection of the two decides whether (and for which releases) the rule speaks.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

# Keras 2 as shipped in the `keras` distribution alongside TF >= 2.2 (tf.keras semantics).
KERAS2_RELEASES: tuple[str, ...] = (
    "2.4.0", "2.6.0", "2.7.0", "2.8.0", "2.9.0", "2.10.0", "2.11.0", "2.12.0", "2.13.1", "2.14.0",
    "2.15.0",
)
KERAS3_RELEASES: tuple[str, ...] = (
    "3.0.0", "3.0.1", "3.0.2", "3.0.3", "3.0.4", "3.0.5", "3.1.0", "3.1.1", "3.2.0", "3.2.1",
    "3.3.0", "3.3.1", "3.3.2", "3.3.3", "3.4.0", "3.4.1", "3.5.0", "3.6.0", "3.7.0", "3.8.0",
    "3.9.0", "3.9.1", "3.9.2", "3.10.0", "3.11.0", "3.11.1", "3.11.2", "3.11.3", "3.12.0",
    "3.12.1", "3.12.2", "3.12.3", "3.12.4", "3.13.0", "3.13.1", "3.13.2", "3.14.0", "3.14.1",
    "3.15.0", "3.15.1",
)
KNOWN_RELEASES: tuple[Version, ...] = tuple(Version(v) for v in KERAS2_RELEASES + KERAS3_RELEASES)
NEWEST_KNOWN: Version = KNOWN_RELEASES[-1]
# Stands for "any release newer than the newest we know", which behaves like the newest one.
NEWER_THAN_KNOWN: Version = Version(f"{NEWEST_KNOWN.major}.{NEWEST_KNOWN.minor + 1}.0")
CANDIDATES: tuple[Version, ...] = KNOWN_RELEASES + (NEWER_THAN_KNOWN,)


class InvalidKerasVersion(ValueError):
    """A target-version specifier that is not valid PEP 440."""


class LossEra(enum.Enum):
    """How `CompileLoss` matches a structured loss to outputs (KERAS_SEMANTICS.md section 3)."""

    K2 = "Keras 2"
    A = "3.0-3.4"
    B = "3.5-3.6"
    C = "3.7+"


class MetricsEra(enum.Enum):
    """How `CompileMetrics` matches metrics to outputs (KERAS_SEMANTICS.md section 4)."""

    K2 = "Keras 2"
    M1 = "3.0-3.11"
    M2 = "3.12-3.13"
    M3 = "3.14.0"
    M4 = "3.14.1+"


def loss_era(version: Version) -> LossEra:
    if version.major < 3:
        return LossEra.K2
    if version < Version("3.5.0"):
        return LossEra.A
    if version < Version("3.7.0"):
        return LossEra.B
    return LossEra.C


def metrics_era(version: Version) -> MetricsEra:
    if version.major < 3:
        return MetricsEra.K2
    if version < Version("3.12.0"):
        return MetricsEra.M1
    if version < Version("3.14.0"):
        return MetricsEra.M2
    if version < Version("3.14.1"):
        return MetricsEra.M3
    return MetricsEra.M4


def parse_specifier(text: str) -> SpecifierSet:
    """Parse a PEP 440 specifier; a bare version means `==version`."""
    cleaned = text.strip()
    if cleaned and cleaned[0].isdigit():
        cleaned = f"=={cleaned}"
    try:
        return SpecifierSet(cleaned)
    except InvalidSpecifier as error:
        raise InvalidKerasVersion(
            f"invalid Keras version specifier {text!r}: expected PEP 440, e.g. '==3.5.0' or '>=3.7'"
        ) from error


@dataclass(frozen=True)
class TargetVersions:
    """The Keras releases the linted code may run on, and where that knowledge came from."""

    versions: tuple[Version, ...]
    source: str = "default: every known Keras version"
    specifier: str = ""

    @classmethod
    def all_known(cls) -> "TargetVersions":
        return cls(CANDIDATES)

    @classmethod
    def from_specifier(cls, text: str, source: str) -> "TargetVersions":
        specifier = parse_specifier(text)
        matching = tuple(specifier.filter(CANDIDATES, prereleases=True))
        if not matching:
            matching = _exact_pins(specifier)
        return cls(matching, source, text.strip())

    def matching(self, affected: SpecifierSet) -> tuple[Version, ...]:
        return _matching(self.versions, affected)

    def describe(self) -> str:
        if self.versions == CANDIDATES:
            return "every known Keras version"
        return describe_versions(self.versions)


@lru_cache(maxsize=1024)
def _matching(versions: tuple[Version, ...], affected: SpecifierSet) -> tuple[Version, ...]:
    """Cached: every rule asks this for every file, with the same few targets."""
    return tuple(v for v in versions if affected.contains(v, prereleases=True))


def _exact_pins(specifier: SpecifierSet) -> tuple[Version, ...]:
    pins = []
    for item in specifier:
        if item.operator in ("==", "===") and "*" not in item.version:
            try:
                pins.append(Version(item.version))
            except InvalidVersion:
                continue
    return tuple(pins)


@lru_cache(maxsize=512)
def describe_versions(versions: Sequence[Version]) -> str:
    """Compress a set of releases into runs over the known releases: '3.5.0–3.6.0, 3.14.0'."""
    chosen = set(versions)
    runs: list[list[Version]] = []
    previous_chosen = False
    for candidate in CANDIDATES:
        if candidate in chosen:
            if previous_chosen:
                runs[-1].append(candidate)
            else:
                runs.append([candidate])
        previous_chosen = candidate in chosen
    unknown = sorted(chosen.difference(CANDIDATES))
    parts = [_describe_run(run) for run in runs] + [str(v) for v in unknown]
    return ", ".join(parts)


def _describe_run(run: list[Version]) -> str:
    first, last = run[0], run[-1]
    if last == NEWER_THAN_KNOWN:
        return f"{first} and later" if first != NEWER_THAN_KNOWN else f"releases after {NEWEST_KNOWN}"
    if first == last:
        return str(first)
    return f"{first}\u2013{last}"


def describe_range(versions: Iterable[Version]) -> str:
    return describe_versions(tuple(sorted(set(versions))))
