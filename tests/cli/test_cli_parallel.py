"""--jobs: a process pool for many files, with output identical to a serial run."""

from __future__ import annotations

import keras_loss_lint.faces.cli.runner as runner
from cli_helpers import CLEAN_SOURCE, KLO201_SOURCE, notebook, run_subprocess, write


def project(root, count: int = 40):
    files = {}
    for index in range(count):
        # Names chosen so that path order differs from creation order and from string order of ints.
        files[f"pkg{index % 3}/m{index}.py"] = KLO201_SOURCE if index % 2 == 0 else CLEAN_SOURCE
    files["nb.ipynb"] = notebook(("code", KLO201_SOURCE))
    files["broken.py"] = "import keras\nmodel.compile(\n"
    return write(root, files)


def test_pool_output_equals_serial_output(cli, tmp_path, monkeypatch):
    project(tmp_path)
    calls = []
    real_pool = runner._run_pool
    monkeypatch.setattr(
        runner,
        "_run_pool",
        lambda tasks, jobs, worker: calls.append(len(tasks)) or real_pool(tasks, jobs, worker),
    )
    serial = cli("check", "--jobs", "1", "--output-format", "json", "--no-cache")
    assert calls == []
    parallel = cli("check", "--jobs", "2", "--output-format", "json", "--no-cache")
    assert calls and calls[0] >= runner.POOL_MIN_TASKS
    assert parallel.out == serial.out
    assert parallel.code == serial.code == 1
    filenames = [entry["filename"] for entry in parallel.json()]
    assert filenames == sorted(filenames)


def test_few_files_stay_in_process(cli, tmp_path, monkeypatch):
    write(tmp_path, {"a.py": KLO201_SOURCE, "b.py": KLO201_SOURCE})
    monkeypatch.setattr(
        runner, "_run_pool", lambda *args: (_ for _ in ()).throw(AssertionError("pool used"))
    )
    assert cli("check", "--jobs", "8").code == 1


def test_files_without_keras_never_reach_the_pool(cli, tmp_path, monkeypatch):
    write(tmp_path, {f"m{i}.py": CLEAN_SOURCE.replace("keras", "numpy") for i in range(50)})
    monkeypatch.setattr(
        runner, "_run_pool", lambda *args: (_ for _ in ()).throw(AssertionError("pool used"))
    )
    assert cli("check", "--jobs", "2").code == 0


def test_subprocess_default_jobs_is_stable(tmp_path):
    project(tmp_path, count=60)
    first = run_subprocess(tmp_path, "check", "--output-format", "concise")
    second = run_subprocess(tmp_path, "check", "--output-format", "concise", "--jobs", "1")
    assert first.out == second.out
    assert first.out.count("KLO201") == 31
