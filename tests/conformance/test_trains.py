"""The linter's verdicts and fixes against real training scripts run under real Keras releases.

    .venv/bin/python -m pytest tests/conformance/test_trains.py -m conformance -q
    KLL_CONFORMANCE_RELEASES=3.5.0,3.15.1 .venv/bin/python -m pytest tests/conformance/test_trains.py -m conformance

Every script in `fixtures/trains/` trains a small multi-output model and ends with a self-check that
each loss ran on its own head, with its own labels and its own weight. For every (release, script):

* the script linted for exactly that release: no finding means it must run `ok` there (what the
  linter accepts trains as written), a finding means it must not (each finding is a real bug there);
* the safe-fixed script (`fix_source`, every release targeted) must be clean of the codes it fixed and
  is then held to the same rule: on a release where it lints clean, it must run `ok`.

One `run_scripts.py` process per release runs every script and every fixed script, two releases at a
time. A script that cannot run on some releases says so in a header: `# trains-on: >=3.0` (PEP 440).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.core.diagnostics import Diagnostic
from keras_loss_lint.core.fixing import FixReport, fix_source, is_applicable
from keras_loss_lint.project.settings import Settings
from keras_loss_lint.keras.versions import TargetVersions

from . import envs

TRAINS = Path(__file__).resolve().parents[2] / "fixtures" / "trains"
SCRIPTS = sorted(TRAINS.glob("*.py"))
RUN_SCRIPTS = Path(__file__).with_name("run_scripts.py")
RUN_TIMEOUT_S = 600
TRAINS_ON = re.compile(r"^#\s*trains-on:\s*(?P<spec>\S.*?)\s*$", re.MULTILINE)
RELEASES = envs.selected_releases()
# Rules whose findings are real but which a script's self-check cannot observe (code: reason). A script
# whose only findings on a release are of these rules makes no claim there. None so far: every rule
# the scripts exercise shows up as a wrong loss width, label width or weighted total, or as an error.
UNOBSERVABLE: dict[str, str] = {}

Json = dict[str, Any]


@dataclass(frozen=True)
class Variant:
    """What one runner item executes: a script as written, or its safe-fixed text."""

    script: Path
    fixed: bool

    @property
    def key(self) -> str:
        return f"{self.script.name}{' (fixed)' if self.fixed else ''}"

    @property
    def source(self) -> str:
        return fixed(self.script).source if self.fixed else self.script.read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def fixed(script: Path) -> FixReport:
    return fix_source(script.read_text(encoding="utf-8"), str(script), Settings(), unsafe=False)


def trains_on(script: Path, release: envs.Release) -> bool:
    match = TRAINS_ON.search(script.read_text(encoding="utf-8")[:500])
    return match is None or SpecifierSet(match.group("spec")).contains(release.version, prereleases=True)


def findings(source: str, script: Path, release: envs.Release) -> list[Diagnostic]:
    target = TargetVersions.from_specifier(f"=={release.name}", "test_trains")
    result = lint_source(source, str(script), Settings(target=target))
    assert result.error is None, f"{script.name}: the linter could not read it: {result.error}"
    return result.diagnostics


def variants(release: envs.Release) -> list[Variant]:
    chosen = [Variant(s, False) for s in SCRIPTS if trains_on(s, release)]
    return chosen + [Variant(v.script, True) for v in chosen if fixed(v.script).changed]


def run_release(release: envs.Release) -> Json:
    """Every script (and fixed script) of one release in one process; results keyed by Variant.key."""
    python = envs.build(release)
    items = [{"name": v.key, "path": str(v.script), "source": v.source if v.fixed else None} for v in variants(release)]
    started = time.monotonic()
    proc = subprocess.run(
        [str(python), str(RUN_SCRIPTS)],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env=envs.runner_environ(release),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"run_scripts.py failed in Keras {release.name} ({proc.returncode}):\n{proc.stderr[-4000:]}")
    report: Json = json.loads(proc.stdout)
    report["seconds"] = round(time.monotonic() - started, 1)
    report["by_key"] = {r["name"]: r for r in report["results"]}
    return report


@pytest.fixture(scope="session")
def script_runs(request: pytest.FixtureRequest) -> dict[str, Json | Exception]:
    """Run the releases this module's selected tests need, once per session and two at a time."""
    chosen = envs.releases_needed(request.session.items, "test_trains.py")

    def attempt(release: envs.Release) -> Json | Exception:
        try:
            return run_release(release)
        except (envs.EnvUnavailable, RuntimeError, subprocess.TimeoutExpired, ValueError) as error:
            return error

    with ThreadPoolExecutor(max_workers=envs.PARALLEL_BUILDS) as pool:
        return dict(zip((r.name for r in chosen), pool.map(attempt, chosen)))


def result_of(runs: dict[str, Json | Exception], release: envs.Release, variant: Variant) -> Json:
    got = runs[release.name]
    if isinstance(got, Exception):
        if release.optional:
            pytest.skip(f"Keras {release.name} is optional and unavailable here: {got}")
        pytest.fail(f"Keras {release.name}: {got}", pytrace=False)
    return dict(got["by_key"][variant.key])


def check(release: envs.Release, variant: Variant, result: Json) -> None:
    """Clean on this release means it trains as written; a finding means it does not."""
    found = findings(variant.source, variant.script, release)
    claimed = [d for d in found if d.code not in UNOBSERVABLE]
    if found and not claimed:
        pytest.skip(f"only findings the self-check cannot observe: {sorted({d.code for d in found})}")
    ran_ok = result["verdict"] == "ok"
    if ran_ok == (not claimed):
        return
    if claimed:
        expectation = "the linter reports a bug here, so the script must not train as written"
    else:
        expectation = "the linter reports nothing here, so the script must train as written"
    lines = [
        f"{variant.key} on Keras {release.name}: {expectation}",
        f"  linter (target =={release.name}): "
        + ("clean" if not found else "; ".join(f"{d.line}: {d.code} {d.message}" for d in found)),
        f"  runner: {result['verdict']}",
    ]
    if variant.fixed:
        applied = ", ".join(f"{d.code} (line {d.line})" for d in fixed(variant.script).applied)
        lines.append(f"  safe fixes applied (all releases targeted): {applied}")
    if result.get("traceback"):
        lines.append("  traceback (last frames):\n" + result["traceback"].rstrip())
    pytest.fail("\n".join(lines), pytrace=False)


@pytest.mark.conformance
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_script_trains_as_linted(release: envs.Release, script: Path, script_runs: dict[str, Json | Exception]) -> None:
    if not trains_on(script, release):
        pytest.skip(f"{script.name} does not run on Keras {release.name} (trains-on header)")
    variant = Variant(script, fixed=False)
    check(release, variant, result_of(script_runs, release, variant))


@pytest.mark.conformance
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_fixed_script_trains_as_linted(
    release: envs.Release, script: Path, script_runs: dict[str, Json | Exception]
) -> None:
    offered = safe_fixes_offered(script)
    if not offered and not fixed(script).changed:
        pytest.skip(f"no safe fix applies to {script.name}")
    if not trains_on(script, release):
        pytest.skip(f"{script.name} does not run on Keras {release.name} (trains-on header)")
    if not fixed(script).changed:
        pytest.fail(f"{script.name}: safe fixes offered for {offered}, yet fix_source changed nothing", pytrace=False)
    variant = Variant(script, fixed=True)
    applied = {d.code for d in fixed(script).applied}
    left = [f"{d.line}: {d.code} {d.message}" for d in findings(variant.source, script, release) if d.code in applied]
    if left:
        pytest.fail(f"{variant.key} on Keras {release.name}: still reported after the fix: {left}", pytrace=False)
    check(release, variant, result_of(script_runs, release, variant))


def safe_fixes_offered(script: Path) -> list[str]:
    """The codes whose diagnostics carry a safe fix, every release targeted (what `check --fix` takes)."""
    result = lint_source(script.read_text(encoding="utf-8"), str(script), Settings())
    return sorted({d.code for d in result.diagnostics if is_applicable(d.fix, unsafe=False)})


# Fast checks (no Keras): they run in the plain test suite too.


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_safe_fixes_remove_what_they_fix(script: Path) -> None:
    report = fixed(script)
    left = {d.code for d in report.remaining.diagnostics} & {d.code for d in report.applied}
    assert not left, f"{script.name}: still reported after --fix: {sorted(left)}"
    assert report.remaining.error is None


def test_scripts_cover_the_claims() -> None:
    """At least two clean scripts, a fixable KLO201, KLO202 and KLO203, all per the fixture annotations."""
    linted = {s: lint_source(s.read_text(encoding="utf-8"), str(s), Settings()).diagnostics for s in SCRIPTS}
    clean = [s.name for s, found in linted.items() if not found]
    fixed_codes = {d.code for s in SCRIPTS for d in fixed(s).applied}
    reported = {d.code for found in linted.values() for d in found}
    assert len(clean) >= 2, clean
    assert {"KLO201", "KLO202"} <= fixed_codes and {"KLO201", "KLO202", "KLO203"} <= reported


def test_run_scripts_imports_nothing_from_this_repository() -> None:
    tree = ast.parse(RUN_SCRIPTS.read_text())
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(m.startswith(("keras_loss_lint", "tests")) or m == "" for m in modules)
