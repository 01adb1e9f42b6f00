"""Fixtures for the CLI tests; the helpers themselves live in cli_helpers.py (importable by name)."""

from cli_helpers import cli, fake_rule, isolated_cache  # noqa: F401 - re-exported as fixtures
