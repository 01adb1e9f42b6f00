"""Known Keras releases, the behavioural eras they fall into, and target-version sets.

Everything version-dependent in the linter is phrased in terms of this module: the settings decide
which releases the linted code runs on (a PEP 440 specifier), the semantics model decides on which of
them a rule's scenario misbehaves (`judgement.py`), and the rule speaks for those releases only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence, TypeVar

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
    """How `CompileLoss` matches a structured loss to outputs (measured: docs/conformance.md)."""

    KERAS_2 = "Keras 2"
    BY_NAME = "3.0-3.4"  # dict entries matched to `output_names` (layer names)
    FLATTENED = "3.5-3.6"  # `tree.flatten(loss)` applied by position: dicts in sorted key order
    STRUCTURED = "3.7+"  # matched by structure; a dict for list outputs is mapped by name


class MetricsEra(enum.Enum):
    """How `CompileMetrics` matches metrics to outputs (measured: docs/conformance.md)."""

    KERAS_2 = "Keras 2"
    BY_LAYER_NAME = "3.0-3.11"  # dict keys are layer names, even for dict outputs
    BY_OUTPUT_KEY = "3.12-3.13"  # dict outputs: the output dict's keys are preferred
    NESTED_SORTED_LABELS = "3.14.0"  # the nested rewrite pairs a dict `y` in sorted order (regression)
    NESTED = "3.14.1+"  # the nested rewrite, with the pairing fixed


class InputsEra(enum.Enum):
    """How `Functional` feeds list/tuple inputs from a dict `x` (measured with `predict`, `fit`,
    `evaluate` and the `*_on_batch` methods alike: tests/conformance/test_inputs.py)."""

    KERAS_2 = "Keras 2"  # by input name
    BY_NAME = "3.0-3.3"  # `[x[name] for name in input names]`: extra keys ignored, a missing one KeyError
    SORTED = "3.4-3.6"  # `tree.flatten(x)`, sorted key order, zipped with the inputs in written order
    CHECKED = "3.7+"  # by input name when every name is a key, else ValueError


E = TypeVar("E", bound=enum.Enum)

# Each era lasts until the release that starts the next one (Keras 2 is every release before 3).
_INPUT_ERAS = ((Version("3.4.0"), InputsEra.BY_NAME), (Version("3.7.0"), InputsEra.SORTED))
_LOSS_ERAS = ((Version("3.5.0"), LossEra.BY_NAME), (Version("3.7.0"), LossEra.FLATTENED))
_METRICS_ERAS = (
    (Version("3.12.0"), MetricsEra.BY_LAYER_NAME),
    (Version("3.14.0"), MetricsEra.BY_OUTPUT_KEY),
    (Version("3.14.1"), MetricsEra.NESTED_SORTED_LABELS),
)


def _era(version: Version, keras_2: E, bounded: Sequence[tuple[Version, E]], newest: E) -> E:
    if version.major < 3:
        return keras_2
    for first_after, era in bounded:
        if version < first_after:
            return era
    return newest


def inputs_era(version: Version) -> InputsEra:
    """3.4.0 is the first sorted release (3.3.3 feeds by name) and 3.6.0 the last (3.7.0 by name),
    both measured; 3.4.1, 3.5.0 and 3.6.0 were measured sorted too."""
    return _era(version, InputsEra.KERAS_2, _INPUT_ERAS, InputsEra.CHECKED)


def loss_era(version: Version) -> LossEra:
    return _era(version, LossEra.KERAS_2, _LOSS_ERAS, LossEra.STRUCTURED)


def metrics_era(version: Version) -> MetricsEra:
    return _era(version, MetricsEra.KERAS_2, _METRICS_ERAS, MetricsEra.NESTED)


# No real specifier is longer; a longer one (`keras==` and 5,000 nines) would reach Python's limit on
# integer strings inside `packaging`.
MAX_SPECIFIER_LENGTH = 200


def parse_specifier(text: str) -> SpecifierSet:
    """Parse a PEP 440 specifier; a bare version means `==version`."""
    cleaned = text.strip()
    if len(cleaned) > MAX_SPECIFIER_LENGTH:
        raise InvalidKerasVersion(
            f"invalid Keras version specifier {cleaned[:40]!r}...: longer than {MAX_SPECIFIER_LENGTH} characters"
        )
    if cleaned and cleaned[0].isdigit():
        cleaned = f"=={cleaned}"
    try:
        return SpecifierSet(cleaned)
    except (InvalidSpecifier, ValueError) as error:
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
        try:
            matching = tuple(specifier.filter(CANDIDATES, prereleases=True)) or _exact_pins(specifier)
        except ValueError as error:  # a version part beyond Python's integer-string limit
            raise InvalidKerasVersion(f"invalid Keras version specifier {text.strip()[:40]!r}: {error}") from None
        if not matching:
            raise InvalidKerasVersion(
                f"Keras version specifier {text.strip()!r} matches no Keras release "
                f"(known: {describe_versions(KNOWN_RELEASES)}); every rule would be silent"
            )
        return cls(matching, source, text.strip())

    def keras_2_only(self) -> "TargetVersions":
        """The Keras 2 releases among these, or every Keras 2 release when there are none: for code
        whose Keras comes from the `tf_keras` package, which is Keras 2 whatever Keras is installed."""
        keras_2 = tuple(v for v in self.versions if v.major == 2)
        if keras_2:
            return TargetVersions(keras_2, f"{self.source}; the module imports tf_keras (Keras 2)", self.specifier)
        every = tuple(v for v in CANDIDATES if v.major == 2)
        return TargetVersions(every, "the module imports tf_keras, which is Keras 2", "")

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
            except (InvalidVersion, ValueError):
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
