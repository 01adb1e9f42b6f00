"""Run flake8 with or without keras-loss-lint's plugin registered, in the same interpreter setup.

flake8 runs every installed plugin whatever `--select` says, so `--select F` against `--select F,KLO`
measures nothing: the plugin runs (and is imported) in both. This driver runs flake8's own `main` and,
with `--without-klo`, drops keras-loss-lint's entry point from flake8's plugin discovery first, as if
the package were not installed. Both runs go through this driver, so they differ only in our plugin:
its import at start-up, its instantiation per file and its `run()`.

    python benchmarks/flake8_driver.py [--without-klo] FLAKE8_ARGS...

benchmarks/run.py measures in two separate environments instead (benchmarks/environments.py), which is
what "installed or not" means to a user; this driver stays for a quick comparison in one environment.
"""

from __future__ import annotations

import sys
from typing import Callable, Iterator

from flake8.main import cli
from flake8.plugins import finder

OUR_DISTRIBUTION = "keras-loss-lint"


def _without_ours(find: Callable[[], Iterator[finder.Plugin]]) -> Callable[[], Iterator[finder.Plugin]]:
    def find_others() -> Iterator[finder.Plugin]:
        return (plugin for plugin in find() if _normalize(plugin.package) != OUR_DISTRIBUTION)

    return find_others


def _normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--without-klo"]:
        argv = argv[1:]
        finder._find_importlib_plugins = _without_ours(finder._find_importlib_plugins)
    return cli.main(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
