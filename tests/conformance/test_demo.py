"""The bundled demo does on real Keras what the README and its docstring say, release by release:

* 3.5.0 (and 3.6.0): it trains to the end without an error, while the linter reports KLO201 for that
  release (the conformance catalogue proves KLO201's mis-pairing on the same releases);
* 3.0-3.4: the first fit() raises, as KLO202 says;
* 3.7 and later: it trains, and the linter has nothing to say for that release.

    KLL_CONFORMANCE_RELEASES=3.5.0 .venv/bin/python -m pytest tests/conformance/test_demo.py -m conformance
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from packaging.version import Version

from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.keras.versions import TargetVersions
from keras_loss_lint.project.settings import Settings

from . import envs

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "train_ticket_router.py"
# One release of each behaviour keeps the run short (the demo trains an LSTM for two epochs).
RELEASES = [r for r in envs.selected_releases() if r.name in ("3.4.1", "3.5.0", "3.15.1")]

pytestmark = pytest.mark.conformance


def codes_for(release: envs.Release) -> set[str]:
    target = TargetVersions.from_specifier(f"=={release.name}", "test_demo")
    result = lint_source(DEMO.read_text(encoding="utf-8"), str(DEMO), Settings(target=target))
    return {d.code for d in result.diagnostics}


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_the_demo_behaves_as_the_readme_says(release: envs.Release) -> None:
    python = envs.build(release)
    completed = subprocess.run(
        [str(python), str(DEMO)], capture_output=True, text=True, timeout=900, env=envs.runner_environ(release)
    )
    codes = codes_for(release)
    version = Version(release.name)
    if version < Version("3.5"):
        assert completed.returncode != 0 and "loss_weight" in completed.stderr, completed.stderr[-2000:]
        assert "KLO202" in codes
    elif version < Version("3.7"):
        assert completed.returncode == 0, completed.stderr[-2000:]  # no error at all ...
        assert {"KLO201", "KLO202"} <= codes  # ... and trained wrongly, which the linter reports
    else:
        assert completed.returncode == 0, completed.stderr[-2000:]
        assert codes == set()
