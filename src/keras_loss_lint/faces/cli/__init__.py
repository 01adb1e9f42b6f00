"""The ruff-style command line (`keras-loss-lint`); the entry point is `keras_loss_lint.faces.cli.main:main`."""
