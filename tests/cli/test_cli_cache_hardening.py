"""The cache is never stale and never writes where it should not (each case failed before)."""

from __future__ import annotations

import os
from pathlib import Path

from cli_helpers import KLO201_SOURCE, run_subprocess, write

ON_3_4 = "keras==3.4.1\n"
ON_3_5 = "keras==3.5.0\n"


def codes(run) -> list[str]:
    return [line.split()[1] for line in run.out.splitlines() if ": KLO" in line]


def check(cwd: Path, cache: Path, *paths: str):
    return run_subprocess(cwd, "check", "--cache-dir", str(cache), "--output-format", "concise", *(paths or (".",)))


def test_a_change_in_an_included_requirements_file_invalidates(tmp_path: Path) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    write(project, {"train.py": KLO201_SOURCE, "requirements.txt": "-r requirements/base.txt\n"})
    write(project / "requirements", {"base.txt": "-c ../constraints/pins.txt\n"})
    write(project / "constraints", {"pins.txt": ON_3_4})
    assert codes(check(project, cache)) == []
    (project / "constraints" / "pins.txt").write_text(ON_3_5)
    assert codes(check(project, cache)) == ["KLO201"]


def test_a_symlinked_source_follows_its_real_project(tmp_path: Path) -> None:
    project, other, cache = tmp_path / "project", tmp_path / "other", tmp_path / "cache"
    write(other, {"real.py": KLO201_SOURCE, "requirements.txt": ON_3_4, ".git/HEAD": "ref\n"})
    project.mkdir()
    (project / ".git").mkdir()
    (project / "train.py").symlink_to(other / "real.py")
    assert codes(check(project, cache, "train.py")) == []
    (other / "requirements.txt").write_text(ON_3_5)
    assert codes(check(project, cache, "train.py")) == ["KLO201"]


def test_a_cache_dir_that_is_a_source_directory_is_not_hidden_from_git(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": KLO201_SOURCE, "src/keep.py": "x = 1\n"})
    check(tmp_path, tmp_path / "src")
    assert not (tmp_path / "src" / ".gitignore").exists()
    assert not (tmp_path / "src" / "CACHEDIR.TAG").exists()


def test_a_new_cache_dir_is_marked_as_a_cache(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": KLO201_SOURCE})
    check(tmp_path, tmp_path / "fresh-cache")
    assert (tmp_path / "fresh-cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_links_inside_a_committed_cache_directory_are_not_followed(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    outside.mkdir()
    write(project, {"train.py": KLO201_SOURCE})
    cache = project / ".keras-loss-lint-cache"
    cache.mkdir()
    from keras_loss_lint import __version__

    (cache / __version__).symlink_to(outside, target_is_directory=True)
    (cache / ".gitignore").symlink_to(outside / "gitignore-target")
    run = check(project, cache)
    assert codes(run) == ["KLO201"]
    assert os.listdir(outside) == []


MODELS = """\
import keras
from keras import layers


def build():
    inp = keras.Input(shape=(4,))
    small = layers.Dense(1, name="output_small")(inp)
    big = layers.Dense(1, name="output_big")(inp)
    return keras.Model(inp, [small, big])
"""
TRAIN = """\
import keras
from models import build

model = build()
model.compile(optimizer=keras.optimizers.Adam(), loss={"output_small": "mse", "output_big": "mae"})
"""


def test_editing_an_imported_module_invalidates_the_importer(tmp_path: Path) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    write(project, {"pyproject.toml": "", "requirements.txt": ON_3_5, "models.py": MODELS, "train.py": TRAIN})
    assert codes(check(project, cache, "train.py")) == ["KLO201"]
    renamed = MODELS.replace('"output_small"', '"a_small"').replace('"output_big"', '"b_big"')
    (project / "models.py").write_text(renamed)
    # What the new models.py says (the keys name no output now), not what the cache remembered.
    assert codes(check(project, cache, "train.py")) == ["KLO101", "KLO101"]
