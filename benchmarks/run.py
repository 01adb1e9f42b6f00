"""keras-loss-lint benchmarks: one run prints a markdown report and writes it to benchmarks/results.md.

    python benchmarks/run.py                 # the full run (about 10 minutes on 2 cores)
    python benchmarks/run.py --quick         # small inputs, one repetition: a smoke test of the script

What is measured, and how:

1. flake8 overhead on a tree without Keras (a subset of the installed standard library, copied to a
   temporary directory). flake8 runs every installed plugin whatever `--select` says, so both runs go
   through benchmarks/flake8_driver.py, which removes our entry point from flake8's plugin discovery for
   the baseline: the runs differ only by our plugin (its import at start-up and its per-file `run`).
   A second pair runs flake8 on one small file, where the plugin's import is all that shows.
2. `keras-loss-lint check` on a generated corpus of Keras training scripts (benchmarks/corpus.py)
   against benchmarks/bare_parse.py, which reads the same files and `libcst.parse_module`s the ones the
   linter must parse: the cost we add over the parse we cannot avoid. Then the same split in-process,
   per file, for files with and without findings.
3. A cold and a warm run of the CLI (with its cache, when the CLI has one).
4. Peak memory: the largest resident set of the measured process and the children it waited for
   (`os.wait4`), so for a process pool it is the largest process, not the sum; and one large generated
   module, since LibCST's tree (not the number of files) is what makes memory grow.

Every measurement is the median of `--repeat` runs after one untimed warm-up run (the operating
system's file cache and `.pyc` files are warm; "cold" in 3 means without the linter's own cache). Paired
measurements are interleaved so that drifting load hits both alike. Ratios are computed from CPU time
(user + system of the process and its children) as well as wall time: on a shared machine CPU time is
the steadier of the two for single-process runs; wall time is what a user waits.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
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

PY = sys.executable
RESULTS = HERE / "results.md"
FLAKE8_TARGET = 1.05
CLI_TARGET = 1.3
WARM_TARGET = 0.10
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


def bench_flake8(report: Report, work: Path, limit: int, repeat: int) -> None:
    tree = work / "stdlib"
    count = stdlib_subset(limit, tree)
    size = sum(p.stat().st_size for p in tree.rglob("*.py")) / 1e6
    driver = str(HERE / "flake8_driver.py")
    common = ["--isolated", "--jobs", "1"]
    with_klo = Timed("flake8 F,KLO", [PY, driver, *common, "--select", "F,KLO", str(tree)], work)
    without = Timed("flake8 F", [PY, driver, "--without-klo", *common, "--select", "F", str(tree)], work)
    print(f"flake8 on {count} stdlib files ({size:.1f} MB)", file=sys.stderr)
    measure([without, with_klo], repeat, ok_codes=(0, 1))
    small = work / "small.py"
    small.write_text(SMALL_FILE, encoding="utf-8")
    small_with = Timed("flake8 1 file F,KLO", [PY, driver, "--isolated", "--select", "F,KLO", str(small)], work)
    small_without = Timed(
        "flake8 1 file F", [PY, driver, "--without-klo", "--isolated", "--select", "F", str(small)], work
    )
    measure([small_without, small_with], max(repeat, 5), ok_codes=(0, 1))

    overhead = with_klo.cpu / without.cpu
    report.rows += [
        Row(
            f"flake8 `--select F`, our plugin not registered: {count} stdlib files, {size:.1f} MB, `-j 1`",
            without,
            "baseline",
        ),
        Row(
            "flake8 `--select F,KLO`, our plugin registered: same files",
            with_klo,
            f"{overhead:.3f}x CPU, {with_klo.wall / without.wall:.3f}x wall",
            f"<= {FLAKE8_TARGET:.2f}x",
            verdict(overhead, FLAKE8_TARGET),
        ),
        Row("flake8 on one small file without Keras, plugin not registered", small_without, "baseline"),
        Row(
            "flake8 on one small file without Keras, plugin registered",
            small_with,
            f"+{small_with.wall - small_without.wall:.2f} s wall per flake8 run "
            f"({small_with.wall / small_without.wall:.2f}x)",
        ),
    ]
    report.notes.append(
        "flake8 rows: both commands run flake8 7's `main` through benchmarks/flake8_driver.py; "
        "`--without-klo` filters keras-loss-lint out of flake8's entry-point discovery, as if it were not "
        "installed. `--isolated` so that no configuration file applies; `-j 1` so that the two runs do "
        "the same work in one process. The one-file pair shows the fixed cost per flake8 invocation "
        "(importing the plugin and what it imports)."
    )


@dataclass
class Corpus:
    root: Path
    files: int
    candidates: int
    megabytes: float


def make_corpus(work: Path, count: int, seed: int) -> Corpus:
    root = work / "corpus"
    paths = corpus.generate(root, count, seed)
    from keras_loss_lint.core.lint import has_candidate

    texts = [p.read_text(encoding="utf-8") for p in paths]
    return Corpus(root, len(paths), sum(map(has_candidate, texts)), sum(map(len, texts)) / 1e6)


def bench_cli(report: Report, data: Corpus, repeat: int, no_cache: list[str]) -> None:
    bare = Timed("bare parse", [PY, str(HERE / "bare_parse.py"), "."], data.root)
    serial = Timed("cli -j 1", cli_command("check", *no_cache, "--exit-zero", "-j", "1", "."), data.root)
    pooled = Timed("cli -j auto", cli_command("check", *no_cache, "--exit-zero", "."), data.root)
    print(f"CLI on {data.files} corpus files", file=sys.stderr)
    measure([bare, serial, pooled], repeat)
    ratio = serial.cpu / bare.cpu
    report.rows += [
        Row(
            f"bare `libcst.parse_module` of the {data.candidates} corpus files that need a parse "
            f"({data.files} files, {data.megabytes:.1f} MB)",
            bare,
            "baseline",
        ),
        Row(
            "`keras-loss-lint check -j 1` on the corpus",
            serial,
            f"{ratio:.2f}x CPU, {serial.wall / bare.wall:.2f}x wall",
            f"<= {CLI_TARGET}x",
            verdict(ratio, CLI_TARGET),
        ),
        Row(
            f"`keras-loss-lint check` on the corpus, default jobs ({os.cpu_count()} CPUs)",
            pooled,
            f"{pooled.wall / bare.wall:.2f}x wall of the bare parse",
        ),
    ]


def bench_cache(report: Report, data: Corpus, repeat: int, help_text: str, work: Path) -> None:
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
    big = Timed("cli big module", cli_command("check", "--no-cache", "--exit-zero", "big_module.py"), root)
    measure([big], 1, warm_up=False)
    report.rows.append(
        Row(
            f"`keras-loss-lint check` on one generated {size / 1e6:.1f} MB module (short functions)",
            big,
            f"{big.peak_kib / MIB / (size / 1e6):.0f} MiB peak RSS per MB of source",
        )
    )


def bench_in_process(report: Report, data: Corpus, repeat: int) -> bool:
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
    # Call extraction as lint_module does (it may take the module's text, to skip regenerating it).
    takes_source = len(inspect.signature(extract_facts).parameters) > 1
    totals = dict.fromkeys(("parse", "facts", "rules", "positions and noqa"), 0.0)
    for text in texts:
        start = time.perf_counter()
        module = libcst.parse_module(text)
        parsed = time.perf_counter()
        facts = extract_facts(module, text) if takes_source else extract_facts(module)
        extracted = time.perf_counter()
        reports = list(run_rules(RuleContext(facts, DEFAULT_SETTINGS.target), DEFAULT_SETTINGS))
        ruled = time.perf_counter()
        if reports:
            to_result(module, text, reports, DEFAULT_SETTINGS)
        done = time.perf_counter()
        for stage, seconds in zip(totals, (parsed - start, extracted - parsed, ruled - extracted, done - ruled)):
            totals[stage] += seconds
    parse = totals["parse"]
    return [
        "",
        f"Stages of `lint_source` over the same {len(texts)} files (one run, seconds; share of the parse):",
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


def profile_lint(report: Report, data: Corpus, limit: int = 150) -> None:
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
        f"Reproduce: `{shlex.join([Path(PY).name, 'benchmarks/run.py', *sys.argv[1:]])}`"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small inputs, one repetition")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per command (default 3)")
    parser.add_argument("--corpus-count", type=int, default=None, help="generated files (default 500)")
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument("--stdlib-limit", type=int, default=None, help="stdlib files for flake8 (default 400)")
    parser.add_argument("--big-megabytes", type=float, default=None, help="size of the one large module (1.0)")
    parser.add_argument("--keep", type=Path, default=None, help="generate inputs here and keep them")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.corpus_count = args.corpus_count or (60 if args.quick else 500)
    args.stdlib_limit = args.stdlib_limit or (60 if args.quick else 400)
    args.big_megabytes = args.big_megabytes or (0.2 if args.quick else 1.0)
    return args


def main() -> int:
    args = parse_args()
    header = environment()
    report = Report()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kll-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        help_text = cli_help()
        no_cache = ["--no-cache"] if "--no-cache" in help_text else []
        bench_flake8(report, work, args.stdlib_limit, args.repeat)
        data = make_corpus(work, args.corpus_count, args.seed)
        bench_cli(report, data, args.repeat, no_cache)
        bench_cache(report, data, args.repeat, help_text, work)
        bench_big_module(report, work, args.big_megabytes)
        missed = bench_in_process(report, data, args.repeat)
        cli_row = next(r for r in report.rows if r.measurement.startswith("`keras-loss-lint check -j 1` on"))
        if missed or "no" in cli_row.verdict:
            profile_lint(report, data)
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    report.notes.append(
        f"Load average at the end: {load}. On a shared machine other work competes for the CPUs: the "
        "pooled run (default jobs) is the measurement it hurts most."
    )
    text = report.markdown(header)
    print(text)
    args.output.write_text(text, encoding="utf-8")
    print(f"written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
