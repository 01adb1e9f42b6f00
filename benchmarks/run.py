"""keras-loss-lint benchmarks: one run prints a markdown report and writes it to benchmarks/results.md.

    python benchmarks/run.py                 # the full run (about 30 minutes on 2 quiet cores)
    python benchmarks/run.py --quick         # small inputs, one repetition: a smoke test of the script

What is measured, side by side, and how:

1. flake8 with and without our plugin on three trees: the Keras source (the `keras` wheel's package,
   tests included), a generated corpus of training scripts (benchmarks/corpus.py) and a subset of the
   standard library. flake8 runs every installed plugin whatever `--select` says, so the two runs use
   two virtual environments (benchmarks/environments.py): flake8 alone, `--select F`, and flake8 with
   this working tree installed, `--select F,KLO`. A second pair runs flake8 on one small file, where
   the plugin's import is all that shows.
2. `keras-loss-lint check -j 1` on the Keras source and on the corpus against benchmarks/bare_parse.py,
   which `libcst.parse_module`s the files the textual pre-check lets through: the parse the linter
   would need without its syntactic pre-check. A file above the size limit (64 KB by default) gets one
   KLO902 and no parse, so the target is judged against the bare parse of the candidates within the
   limit; on the Keras source the CLI also runs with the limit raised above its largest file (every
   file analysed), and that run is what TorchFix (its own environment, another LibCST-based linter that
   parses every file) is compared with. Then the same split in-process, per file, for files with and
   without findings.
3. A cold and a warm run of the CLI (with its cache).
4. Peak memory: the largest resident set of the measured process and the children it waited for
   (`os.wait4`), so for a process pool it is the largest process, not the sum; and one large generated
   module, since LibCST's tree (not the number of files) is what makes memory grow.
5. The language server: edit-to-diagnostics on a generated 2,000-line module with 20 models
   (benchmarks/editor.py).

Every measurement is the median of `--repeat` runs after one untimed warm-up run (the operating
system's file cache and `.pyc` files are warm; "cold" in 3 means without the linter's own cache). Paired
measurements are interleaved so that drifting load hits both alike. Ratios are computed from CPU time
(user + system of the process and its children) as well as wall time: on a shared machine CPU time is
the steadier of the two for single-process runs; wall time is what a user waits.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402 - benchmarks/ is not a package; corpus.py sits beside this script
import environments  # noqa: E402

PY = sys.executable
RESULTS = HERE / "results.md"
FLAKE8_TARGET = 1.05  # on code without Keras
FLAKE8_KERAS_TARGET = 1.15  # on Keras-heavy trees
CLI_TARGET = 1.0  # of the bare parse of the text-pre-check candidates
TORCHFIX_TARGET = 20.0  # times cheaper than TorchFix on the Keras source
RSS_TARGET_MIB = 200  # on the Keras source, -j 1
SIZE_LIMIT_BYTES = 64 * 1024  # the default max-file-size (project/settings.py)
EDITOR_TARGET_MS = 150
WARM_TARGET = 0.10
KERAS_VERSION = "3.15.1"
MIB = 1024  # ru_maxrss is in KiB on Linux

SMALL_FILE = '''"""A small module without Keras: what most files of a project look like."""

import os


def walk(root):
    return [os.path.join(d, n) for d, _, names in os.walk(root) for n in names]
'''


class BenchmarkError(RuntimeError):
    """A measured command failed: the numbers would mean nothing."""


# ----------------------------------------------------------------------------------------- running


@dataclass
class Timed:
    """Repeated runs of one command."""

    label: str
    command: list[str]
    cwd: Path
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peak_kib: int = 0

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    def shell(self) -> str:
        return f"(cd {shlex.quote(str(self.cwd))} && {shlex.join(self.command)})"


def run_once(timed: Timed, ok_codes: Sequence[int], record: bool = True) -> None:
    """Run the command once; `os.wait4` gives this child's own rusage (CPU, peak RSS)."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(timed.command, cwd=timed.cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        errors = stderr.read().decode("utf-8", "replace")
    if process.returncode not in ok_codes or "Traceback" in errors:
        raise BenchmarkError(f"{timed.shell()} exited {process.returncode}:\n{errors[-2000:]}")
    if record:
        timed.walls.append(wall)
        timed.cpus.append(usage.ru_utime + usage.ru_stime)
        timed.peak_kib = max(timed.peak_kib, usage.ru_maxrss)


def measure(
    runs: Sequence[Timed],
    repeat: int,
    ok_codes: Sequence[int] = (0,),
    before_each: Callable[[Timed], None] | None = None,
    warm_up: bool = True,
) -> None:
    """One warm-up run each, then `repeat` rounds with the commands interleaved."""
    for timed in runs if warm_up else ():
        if before_each:
            before_each(timed)
        run_once(timed, ok_codes, record=False)
    for _ in range(repeat):
        for timed in runs:
            if before_each:
                before_each(timed)
            run_once(timed, ok_codes)
            print(f"  {timed.label}: {timed.walls[-1]:.2f} s wall, {timed.cpus[-1]:.2f} s CPU", file=sys.stderr)


# ------------------------------------------------------------------------------------------ report


@dataclass
class Row:
    measurement: str
    timed: Timed | None
    result: str
    target: str = ""
    verdict: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def markdown(self, header: str) -> str:
        lines = [
            header,
            "",
            "| # | Measurement | Wall s (median) | CPU s (median) | Peak RSS MiB | Result | Target | Met |",
            "|---|---|---|---|---|---|---|---|",
        ]
        commands = []
        for number, row in enumerate(self.rows, 1):
            timed = row.timed
            if timed is not None:
                commands.append(f"{number}. `{timed.shell()}`")
                wall = f"{timed.wall:.2f}"
                cpu = f"{timed.cpu:.2f}"
                rss = f"{timed.peak_kib / MIB:.0f}"
            else:
                wall = cpu = rss = ""
            cells = [str(number), row.measurement, wall, cpu, rss, row.result, row.target, row.verdict]
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", "Commands (each run once untimed, then timed; medians of the timed runs):", ""]
        lines += commands
        if self.notes:
            lines += ["", "Notes:", ""] + [f"- {note}" for note in self.notes]
        lines += self.extra
        return "\n".join(lines) + "\n"


def verdict(value: float, target: float) -> str:
    return "yes" if value <= target else "**no**"


# ------------------------------------------------------------------------------------------- inputs


def stdlib_subset(limit: int, out_dir: Path) -> int:
    """Copy an evenly spread, deterministic subset of the standard library's .py files to `out_dir`."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.relative_to(stdlib).parts)
    if limit and limit < len(files):
        step = len(files) / limit
        files = [files[int(i * step)] for i in range(limit)]
    for path in files:
        target = out_dir / path.relative_to(stdlib)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return len(files)


def cli_command(*args: str) -> list[str]:
    return [PY, "-m", "keras_loss_lint.faces.cli", *args]


def cli_help() -> str:
    completed = subprocess.run(cli_command("check", "--help"), capture_output=True, text=True, check=False)
    return completed.stdout


# ---------------------------------------------------------------------------------------- sections


@dataclass
class Tree:
    """One input tree: what it is, where, and how many files (and text-pre-check candidates) it holds."""

    name: str
    root: Path
    files: int
    candidates: int
    megabytes: float
    keras_heavy: bool
    candidates_within_limit: int  # of them, those no larger than the default size limit

    def describe(self) -> str:
        return f"{self.name} ({self.files} files, {self.megabytes:.1f} MB)"


def tree_of(name: str, root: Path, keras_heavy: bool) -> Tree:
    from keras_loss_lint.core.precheck import has_candidate

    data = [p.read_bytes() for p in sorted(root.rglob("*.py"))]
    texts = [content.decode("utf-8", "replace") for content in data]
    chosen = [len(content) for content, text in zip(data, texts) if has_candidate(text)]
    within = sum(size <= SIZE_LIMIT_BYTES for size in chosen)
    return Tree(name, root, len(texts), len(chosen), sum(map(len, texts)) / 1e6, keras_heavy, within)


def bench_flake8(
    report: Report, trees: list[Tree], envs: tuple[environments.Environment, environments.Environment],
    work: Path, repeat: int,
) -> None:
    alone, with_plugin = envs
    common = ["--isolated", "--jobs", "1"]
    for tree in trees:
        without = Timed(f"flake8 F {tree.name}",
                        [alone.python, "-m", "flake8", *common, "--select", "F", tree.root.name], tree.root.parent)
        with_klo = Timed(f"flake8 F,KLO {tree.name}",
                         [with_plugin.python, "-m", "flake8", *common, "--select", "F,KLO", tree.root.name],
                         tree.root.parent)
        print(f"flake8 on {tree.describe()}", file=sys.stderr)
        measure([without, with_klo], repeat, ok_codes=(0, 1))
        overhead = with_klo.cpu / without.cpu
        target = FLAKE8_KERAS_TARGET if tree.keras_heavy else FLAKE8_TARGET
        report.rows += [
            Row(f"flake8 `--select F`, without the plugin: {tree.describe()}, `-j 1`", without, "baseline"),
            Row(
                f"flake8 `--select F,KLO`, with the plugin: {tree.name}",
                with_klo,
                f"{overhead:.2f}x CPU, {with_klo.wall / without.wall:.2f}x wall",
                f"<= {target:.2f}x",
                verdict(overhead, target),
            ),
        ]
    small = work / "small"
    small.mkdir(exist_ok=True)
    (small / "small.py").write_text(SMALL_FILE, encoding="utf-8")
    small_without = Timed("flake8 1 file F", [alone.python, "-m", "flake8", "--isolated", "--select", "F",
                                              "small.py"], small)
    small_with = Timed("flake8 1 file F,KLO", [with_plugin.python, "-m", "flake8", "--isolated", "--select",
                                               "F,KLO", "small.py"], small)
    measure([small_without, small_with], max(repeat, 5), ok_codes=(0, 1))
    report.rows += [
        Row("flake8 on one small file without Keras, without the plugin", small_without, "baseline"),
        Row(
            "flake8 on one small file without Keras, with the plugin",
            small_with,
            f"+{small_with.wall - small_without.wall:.2f} s wall per flake8 run "
            f"({small_with.wall / small_without.wall:.2f}x)",
        ),
    ]
    report.notes.append(
        f"flake8 rows: two virtual environments under the benchmark cache, `{alone.root.name}` (flake8 "
        f"{alone.version_of('flake8')} alone) and `{with_plugin.root.name}` (the same flake8 and this "
        "working tree, editable): flake8 runs every installed plugin whatever `--select` says, so one "
        "environment cannot measure both. `--isolated` so that no configuration file applies; `-j 1` so "
        "that the two runs do the same work in one process. The one-file pair shows the fixed cost per "
        "flake8 invocation (importing the plugin and what it imports)."
    )


def make_corpus(work: Path, count: int, seed: int) -> Tree:
    root = work / "corpus"
    corpus.generate(root, count, seed)
    return tree_of("generated training scripts", root, keras_heavy=True)


def bench_cli(
    report: Report, tree: Tree, repeat: int, no_cache: list[str], torchfix: environments.Environment | None
) -> None:
    # Run from the tree's parent: inside the keras package, `keras/random/` would shadow the stdlib's.
    where, target = tree.root.parent, tree.root.name
    bare = Timed(f"bare parse {tree.name}", [PY, str(HERE / "bare_parse.py"), target], where)
    serial = Timed(f"cli -j 1 {tree.name}", cli_command("check", *no_cache, "--exit-zero", "-j", "1", target),
                   where)
    pooled = Timed(f"cli -j auto {tree.name}", cli_command("check", *no_cache, "--exit-zero", target), where)
    within = tree.candidates_within_limit
    # The floor under the linter's own size limit: the files above it get one KLO902 and no parse, so
    # beating the floor of every candidate by refusing them would be measuring differently.
    bare_within = Timed(f"bare parse within the size limit {tree.name}",
                        [PY, str(HERE / "bare_parse.py"), "--max-bytes", str(SIZE_LIMIT_BYTES), target], where)
    limited = within < tree.candidates
    print(f"CLI on {tree.describe()}", file=sys.stderr)
    measure([bare, bare_within, serial, pooled] if limited else [bare, serial, pooled], repeat)
    floor = bare_within if limited else bare
    ratio = serial.cpu / floor.cpu
    report.rows.append(
        Row(
            f"bare `libcst.parse_module` of the {tree.candidates} files of {tree.describe()} that the "
            "textual pre-check lets through",
            bare,
            "baseline",
        )
    )
    if limited:
        report.rows.append(
            Row(
                f"the same, only the {within} of them within the default size limit "
                f"({SIZE_LIMIT_BYTES // 1024} KB; the others get one KLO902 and no parse)",
                bare_within,
                "baseline of the target",
            )
        )
    report.rows += [
        Row(
            f"`keras-loss-lint check -j 1`: {tree.name}",
            serial,
            f"{ratio:.2f}x CPU, {serial.wall / floor.wall:.2f}x wall of the bare parse"
            + (f" within the limit ({serial.cpu / bare.cpu:.2f}x CPU of all candidates)" if limited else ""),
            f"<= {CLI_TARGET:.1f}x",
            verdict(ratio, CLI_TARGET),
        ),
        Row(
            f"`keras-loss-lint check`, default jobs ({os.cpu_count()} CPUs): {tree.name}",
            pooled,
            f"{pooled.wall / floor.wall:.2f}x wall of the bare parse" + (" within the limit" if limited else ""),
        ),
    ]
    if tree.keras_heavy and tree.name.startswith("keras"):
        everything = bench_every_file_analysed(report, tree, bare, serial, repeat, no_cache)
        if torchfix is not None:
            bench_torchfix(report, tree, torchfix, serial, everything)


def bench_every_file_analysed(
    report: Report, tree: Tree, bare: Timed, serial: Timed, repeat: int, no_cache: list[str]
) -> Timed:
    """Peak RSS with the default size limit, and the run with the limit raised above the largest file:
    what analysing every file costs, against the floor of every candidate."""
    limit = f"{int(max(p.stat().st_size for p in tree.root.rglob('*.py')) / 1000) + 64}KB"
    command = cli_command("check", *no_cache, "--exit-zero", "-j", "1", "--max-file-size", limit, tree.root.name)
    everything = Timed(f"cli -j 1 every file {tree.name}", command, tree.root.parent)
    measure([everything], repeat)
    rss, rss_all = serial.peak_kib / MIB, everything.peak_kib / MIB
    report.rows += [
        Row(f"peak RSS of `keras-loss-lint check -j 1`: {tree.name}", None, f"{rss:.0f} MiB",
            f"<= {RSS_TARGET_MIB} MiB", verdict(rss, RSS_TARGET_MIB)),
        Row(
            f"`keras-loss-lint check -j 1 --max-file-size {limit}`: {tree.name}, every file analysed",
            everything,
            f"{everything.cpu / bare.cpu:.2f}x CPU of the bare parse of all candidates; {rss_all:.0f} MiB peak RSS",
            f"<= {CLI_TARGET:.1f}x, <= {RSS_TARGET_MIB} MiB",
            "yes" if everything.cpu / bare.cpu <= CLI_TARGET and rss_all <= RSS_TARGET_MIB else "**no**",
        ),
    ]
    return everything


def bench_torchfix(
    report: Report, tree: Tree, torchfix: environments.Environment, ours: Timed, everything: Timed
) -> None:
    """One run (TorchFix takes minutes on the Keras source). TorchFix parses every file whatever its
    size, so the target is judged against our run that analyses every file too."""
    other = Timed(f"torchfix {tree.name}", [str(torchfix.root / "bin" / "torchfix"), "-j", "1", tree.root.name],
                  tree.root.parent)
    print(f"TorchFix on {tree.describe()}", file=sys.stderr)
    measure([other], 1, ok_codes=(0, 1), warm_up=False)
    ratio = other.cpu / everything.cpu
    report.rows.append(
        Row(
            f"TorchFix {torchfix.version_of('torchfix')} `-j 1` (every rule it enables by default): {tree.name}",
            other,
            f"{ratio:.1f}x the CPU of `keras-loss-lint check -j 1` analysing every file "
            f"({other.cpu / ours.cpu:.1f}x with the default size limit)",
            f">= {TORCHFIX_TARGET:.0f}x",
            "yes" if ratio >= TORCHFIX_TARGET else "**no**",
        )
    )


def bench_editor(report: Report, rounds: int) -> None:
    import editor

    print("language server on a 2,000-line module with 20 models", file=sys.stderr)
    try:
        times = editor.edit_latencies(rounds)
    except Exception as error:  # noqa: BLE001 - a broken server costs this row, not the report
        report.notes.append(f"Editor row left out: the server run failed: {type(error).__name__}: {error}")
        return
    median = statistics.median(times) * 1000
    report.rows.append(
        Row(
            f"language server, edit to diagnostics: {editor.LINES:,}-line module with {editor.MODELS} models, "
            f"debounce 0, {rounds} edits",
            None,
            f"{median:.0f} ms median (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})",
            f"<= {EDITOR_TARGET_MS} ms",
            verdict(median, EDITOR_TARGET_MS),
        )
    )


def bench_cache(report: Report, data: Tree, repeat: int, help_text: str, work: Path) -> None:
    has_cache = "--no-cache" in help_text
    cache_args: list[str] = []
    cache_dirs = [data.root / ".keras-loss-lint-cache"]
    if "--cache-dir" in help_text:
        cache_args = ["--cache-dir", str(work / "cache")]
        cache_dirs.append(work / "cache")
    command = cli_command("check", *cache_args, "--exit-zero", "-j", "1", ".")
    cold = Timed("cli cold", command, data.root)
    warm = Timed("cli warm", command, data.root)

    def clear_for_cold(timed: Timed) -> None:
        if timed is cold:
            for directory in cache_dirs:
                shutil.rmtree(directory, ignore_errors=True)

    measure([cold, warm], repeat, before_each=clear_for_cold)
    ratio = warm.wall / cold.wall
    label = "" if has_cache else " (the CLI has no cache yet: both runs do the full work)"
    report.rows += [
        Row(f"`keras-loss-lint check -j 1`, cold: cache removed before each run{label}", cold, "baseline"),
        Row(
            "`keras-loss-lint check -j 1`, warm: same command again, nothing changed",
            warm,
            f"{ratio:.2f}x wall of cold",
            f"<= {WARM_TARGET:.2f}x",
            verdict(ratio, WARM_TARGET),
        ),
    ]
    if not has_cache:
        report.notes.append(
            "Cold/warm: `keras-loss-lint check --help` lists no `--no-cache`, so there is no cache to "
            "warm; the rows show what a second run costs today. Rerun this script when the cache lands."
        )


def bench_big_module(report: Report, work: Path, megabytes: float) -> None:
    """Memory and time for one large module: LibCST's tree is what grows, so this is the scale limit."""
    root = work / "big"
    root.mkdir()
    block = (
        "def block_{i}(x, scale=2.0):\n    y = x * scale + {i}\n    values = [y, y + 1, y + 2]\n"
        '    return {{"total": sum(values), "first": values[0]}}\n\n\n'
    )
    parts = [corpus.training_script(corpus.random.Random(1))]
    size = len(parts[0])
    while size < megabytes * 1e6:
        parts.append(block.format(i=len(parts)))
        size += len(parts[-1])
    (root / "big_module.py").write_text("".join(parts), encoding="utf-8")
    # Above the default size limit a module is refused (one KLO902) before any parse: the limit is
    # raised so that what is measured is the tree of a module a user chose to analyse.
    limit = f"{int(size / 1000) + 64}KB"
    command = cli_command("check", "--no-cache", "--exit-zero", "--max-file-size", limit, "big_module.py")
    big = Timed("cli big module", command, root)
    measure([big], 1, warm_up=False)
    report.rows.append(
        Row(
            f"`keras-loss-lint check --max-file-size {limit}` on one generated {size / 1e6:.1f} MB module "
            "(short functions)",
            big,
            f"{big.peak_kib / MIB / (size / 1e6):.0f} MiB peak RSS per MB of source",
        )
    )


def bench_in_process(report: Report, data: Tree, repeat: int) -> bool:
    """Per-file parse vs lint in this process (no start-up), for files with and without findings.
    Returns whether lint over parse exceeds the CLI target."""
    import libcst

    from keras_loss_lint.core.lint import has_candidate, lint_source

    texts = [p.read_text(encoding="utf-8") for p in sorted(data.root.rglob("*.py"))]
    texts = [t for t in texts if has_candidate(t)]
    with_findings = {i for i, t in enumerate(texts) if lint_source(t).diagnostics}
    parse_totals: dict[bool, list[float]] = {True: [], False: []}
    lint_totals: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeat):
        for group in (True, False):
            chosen = [t for i, t in enumerate(texts) if (i in with_findings) == group]
            parse_totals[group].append(_total(libcst.parse_module, chosen))
            lint_totals[group].append(_total(lint_source, chosen))
    lines = [
        "",
        "In-process, per file (median of the per-run averages; no interpreter start-up):",
        "",
        "| Files | Count | `libcst.parse_module` ms/file | `lint_source` ms/file | lint / parse |",
        "|---|---|---|---|---|",
    ]
    worst = 0.0
    for group, name in ((False, "without findings"), (True, "with findings")):
        count = len(with_findings) if group else len(texts) - len(with_findings)
        if not count:
            continue
        parse = statistics.median(parse_totals[group]) / count * 1000
        lint = statistics.median(lint_totals[group]) / count * 1000
        worst = max(worst, lint / parse)
        lines.append(f"| {name} | {count} | {parse:.1f} | {lint:.1f} | {lint / parse:.2f}x |")
    report.extra += lines + _stage_split(texts)
    return worst > CLI_TARGET


def _stage_split(texts: list[str]) -> list[str]:
    """Where lint_source's time goes, stage by stage, through the core's own (private) steps; left out
    when the core no longer has them."""
    import libcst

    import keras_loss_lint.core.lint as core
    from keras_loss_lint.analysis import extract_facts
    from keras_loss_lint.rules.base import RuleContext
    from keras_loss_lint.project.settings import DEFAULT_SETTINGS

    run_rules, to_result = getattr(core, "_run_rules", None), getattr(core, "_to_result", None)
    if run_rules is None or to_result is None:
        return []
    from keras_loss_lint.core.ast_precheck import holds_candidate_call, parse_or_none

    settings = DEFAULT_SETTINGS
    totals = dict.fromkeys(("ast pre-check", "parse", "facts", "rules", "positions and noqa"), 0.0)
    parsed_files = 0
    for text in texts:
        start = time.perf_counter()
        needed = holds_candidate_call(text, parse_or_none(text))
        checked = time.perf_counter()
        totals["ast pre-check"] += checked - start
        if not needed:
            continue
        parsed_files += 1
        module = libcst.parse_module(text)
        parsed = time.perf_counter()
        facts = extract_facts(module, text)
        extracted = time.perf_counter()
        failures: list = []
        reports = list(run_rules(RuleContext(facts, settings.target), settings, failures))
        ruled = time.perf_counter()
        if reports:
            to_result(module, text, reports, failures, settings, True, facts)
        done = time.perf_counter()
        for stage, seconds in zip(list(totals)[1:], (parsed - checked, extracted - parsed, ruled - extracted,
                                                     done - ruled)):
            totals[stage] += seconds
    parse = totals["parse"] or 1e-9
    return [
        "",
        f"Stages of `lint_source` over the same {len(texts)} files, {parsed_files} of which the `ast` "
        "pre-check passes to LibCST (one run, seconds; share of the LibCST parse):",
        "",
        "| " + " | ".join(totals) + " |",
        "|" + "---|" * len(totals),
        "| " + " | ".join(f"{seconds:.2f} ({seconds / parse:.2f}x)" for seconds in totals.values()) + " |",
    ]


def _total(function: Callable[[str], object], texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        function(text)
    return time.perf_counter() - start


def profile_lint(report: Report, data: Tree, limit: int = 150) -> None:
    """Where lint_source spends its time, for the report when the CLI target is missed."""
    from keras_loss_lint.core.lint import has_candidate, lint_source

    texts = [p.read_text(encoding="utf-8") for p in sorted(data.root.rglob("*.py"))]
    texts = [t for t in texts if has_candidate(t)][:limit]
    profiler = cProfile.Profile()
    profiler.enable()
    for text in texts:
        lint_source(text)
    profiler.disable()
    # Cumulative: our functions (and libcst's parse and metadata entry points) that own the time;
    # self time: everything, since libcst's tree walking under our calls is where it is spent.
    for sort, restriction, count in (
        ("cumulative", r"keras_loss_lint|libcst/(metadata|_parser/entrypoints)", 30),
        ("tottime", "", 20),
    ):
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats(sort).print_stats(*([restriction] if restriction else []), count)
        body = stream.getvalue()
        body = body[body.find("   ncalls") :] if "   ncalls" in body else body
        report.extra += [
            "",
            f"cProfile of `lint_source` over {len(texts)} corpus files, sorted by {sort} "
            "(profiling inflates Python-level code against libcst's native parser):",
            "",
            "```text",
            body.replace(str(ROOT) + "/", "").rstrip(),
            "```",
        ]


# --------------------------------------------------------------------------------------------- main


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


def _burn(count: int) -> int:
    total = 0
    for number in range(count):
        total += number
    return total


def parallel_capacity(processes: int) -> float:
    """How much faster `processes` CPU-bound processes finish than one doing their work in turn: on a
    shared or oversubscribed machine this is well below `processes`, and a pooled run cannot beat it."""
    from concurrent.futures import ProcessPoolExecutor

    work = [10_000_000] * processes
    start = time.perf_counter()
    for count in work:
        _burn(count)
    serial = time.perf_counter() - start
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(_burn, [1000] * processes))  # start the workers before timing
        start = time.perf_counter()
        list(pool.map(_burn, work))
        parallel = time.perf_counter() - start
    return serial / parallel


def environment() -> str:
    import flake8

    from keras_loss_lint import __version__

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True, check=False
    ).stdout.strip()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"# keras-loss-lint benchmarks\n\n"
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; keras-loss-lint {__version__} ({commit or 'no git'}); "
        f"Python {platform.python_version()}; libcst {_version('libcst')}; "
        f"flake8 {flake8.__version__}; {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average at start {load}; {os.cpu_count()} CPU-bound processes ran "
        f"{parallel_capacity(os.cpu_count() or 1):.2f}x faster than one (the ceiling for any pooled run).\n\n"
        f"Reproduce: `{shlex.join([Path(PY).name, 'benchmarks/run.py', *sys.argv[1:]])}` (about 30 minutes "
        "on 2 cores; the tools' environments and the keras wheel are kept in "
        "`~/.cache/keras-loss-lint-benchmarks`)"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small inputs, one repetition")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per command (default 3)")
    parser.add_argument("--corpus-count", type=int, default=None, help="generated files (default 500)")
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument("--stdlib-limit", type=int, default=None, help="stdlib files for flake8 (default 400)")
    parser.add_argument("--big-megabytes", type=float, default=None, help="size of the one large module (1.0)")
    parser.add_argument("--keras-version", default=KERAS_VERSION, help="the keras wheel whose source is linted")
    parser.add_argument("--cache", type=Path, default=environments.DEFAULT_CACHE,
                        help="where the tools' environments and the keras source are kept between runs")
    parser.add_argument("--no-torchfix", action="store_true", help="leave TorchFix out (it takes minutes)")
    parser.add_argument("--editor-rounds", type=int, default=None, help="edits timed in the server (default 15)")
    parser.add_argument("--keep", type=Path, default=None, help="generate inputs here and keep them")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.corpus_count = args.corpus_count or (60 if args.quick else 500)
    args.stdlib_limit = args.stdlib_limit or (60 if args.quick else 400)
    args.big_megabytes = args.big_megabytes or (0.2 if args.quick else 1.0)
    args.editor_rounds = args.editor_rounds or (3 if args.quick else 15)
    return args


def inputs(args: argparse.Namespace, work: Path) -> list[Tree]:
    keras_package = environments.keras_source(args.cache, args.keras_version)
    keras_tree = tree_of(f"keras {args.keras_version} source", keras_package, keras_heavy=True)
    generated = make_corpus(work, args.corpus_count, args.seed)
    stdlib = work / "stdlib"
    stdlib_subset(args.stdlib_limit, stdlib)
    return [keras_tree, generated, tree_of("stdlib subset", stdlib, keras_heavy=False)]


def main() -> int:
    args = parse_args()
    header = environment()
    report = Report()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kll-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        import flake8

        help_text = cli_help()
        no_cache = ["--no-cache"] if "--no-cache" in help_text else []
        envs = environments.flake8_environments(args.cache, flake8.__version__)
        torchfix = None if args.no_torchfix else environments.torchfix_environment(args.cache)
        trees = inputs(args, work)
        bench_flake8(report, trees, envs, work, args.repeat)
        for tree in trees[:2]:
            bench_cli(report, tree, args.repeat, no_cache, torchfix)
        data = trees[1]
        bench_cache(report, data, args.repeat, help_text, work)
        bench_big_module(report, work, args.big_megabytes)
        bench_editor(report, args.editor_rounds)
        missed = bench_in_process(report, data, args.repeat)
        if missed:
            profile_lint(report, data)
    except (BenchmarkError, environments.SetupError) as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report.notes += [f"What limits a target that is not met: {limit}" for limit in LIMITS]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    report.notes.append(
        f"Load average at the end: {load}. On a shared machine other work competes for the CPUs: the "
        "pooled run (default jobs) is the measurement it hurts most."
    )
    text = report.markdown(header)
    print(text)
    args.output.write_text(text + kept_sections(args.output), encoding="utf-8")
    print(f"written to {args.output}", file=sys.stderr)
    return 0


# What bounds each target of the table that a run may miss: the code's limits, not the machine's.
LIMITS = (
    "flake8 on Keras-heavy trees: a file reaches LibCST only when it writes a call of a recorded method "
    "with arguments (core/ast_precheck.py, on flake8's own tree), but where it does, LibCST parses it "
    "again. Every script of the generated corpus compiles and fits a model, and 74 of the 904 files of the "
    "Keras source within the size limit (mostly its own tests) do too. On the corpus LibCST's parse of "
    "those files alone is about 0.6x of what flake8 itself spends; the analysis, the project's imports "
    "and the positions come on top. The 1.15x target needs an analysis that does not parse again, which "
    "the LibCST-based analyzer cannot offer.",
    "CLI against the bare parse: the floor of the target is the bare parse of the candidates within the "
    "default size limit (64 KB), since a larger file gets one KLO902 and no parse. On the Keras source the "
    "syntactic pre-check leaves 74 of those 134 files, and start-up, reading the 904 files, the `ast` "
    "pre-check of the 134 and the project's imports bring the CLI's total to about the bare parse of all "
    "134; on the corpus every candidate holds a real compile call, so nothing is skipped and the "
    "analysis, positions and messages come on top of the parse.",
    "Peak RSS with every file analysed: set by the largest file that needs a parse, not by the number of "
    "files. keras/src/ops/numpy_test.py (448 KB) calls `model.compile(jit_compile=...)` and "
    "`model.predict(x)`, so with the size limit raised above it it is parsed, and LibCST's tree costs "
    "about 900 MiB per MB of source. Under the default limit it is one KLO902 and the run stays near "
    "120 MiB. The same file is what TorchFix is compared on: it parses every file whatever its size.",
    "Editor loop (met since the language server re-parses only the top-level statements an edit changed, "
    "core/reparse.py): what is left is Python's `ast` parse of the text (about 15 ms, which says where the "
    "statements end), the facts (about 15 ms), positions (about 15 ms) and the rules.",
)


def kept_sections(path: Path) -> str:
    """The `## ` sections other benchmarks append to the results file (cross-module, worst-case inputs):
    a run of this script replaces only what comes before them."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    start = text.find("\n## ")
    return text[start:] if start >= 0 else ""


if __name__ == "__main__":
    raise SystemExit(main())
