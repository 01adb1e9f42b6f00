"""Rule documentation is complete, and the committed docs are what the rules generate."""

from __future__ import annotations

from pathlib import Path

import pytest

from keras_loss_lint.rules.docs import expected_files
from keras_loss_lint.rules.registry import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_rule_doc_has_ruff_sections(rule) -> None:
    for heading in ("## What it does", "## Why is this bad?", "## Example"):
        assert heading in rule.doc, f"{rule.code} doc lacks {heading!r}"
    assert ("## Use instead" in rule.doc) or ("Use instead" in rule.doc)
    if rule.fix_applicability is not None:
        assert "## Fix safety" in rule.doc


def test_generated_docs_are_current() -> None:
    stale = [
        str(path.relative_to(ROOT))
        for path, content in expected_files(ROOT).items()
        if not path.exists() or path.read_text(encoding="utf-8") != content
    ]
    assert not stale, f"run `python -m keras_loss_lint.rules.docs` to regenerate: {stale}"


def test_codes_match_catalogue() -> None:
    codes = [rule.code for rule in ALL_RULES]
    assert codes == sorted(set(codes))
    expected = [f"KLO{n}" for n in (*range(101, 112), *range(201, 208), 301, 302, 401, 402, 403, 404, 900, 901, 902)]
    assert codes == expected
