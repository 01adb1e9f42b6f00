"""`keras-loss-lint rule KLO201` / `rule --all`: a rule's documentation, like `ruff rule`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from keras_loss_lint.cli.main import EXIT_OK, UsageError
from keras_loss_lint.rules.base import Rule


def run_rule(args: argparse.Namespace) -> int:
    from keras_loss_lint.rules.registry import ALL_RULES, rule_by_code

    if args.all and args.code:
        raise UsageError("give a rule code or --all, not both")
    if args.all:
        rules = list(ALL_RULES)
    elif args.code:
        rule = rule_by_code(args.code.strip())
        if rule is None:
            raise UsageError(f"unknown rule code {args.code!r}{_suggestion(args.code, ALL_RULES)}")
        rules = [rule]
    else:
        raise UsageError("give a rule code (e.g. 'keras-loss-lint rule KLO201') or --all")
    if args.output_format == "json":
        payload: Any = [rule_json(rule) for rule in rules]
        sys.stdout.write(json.dumps(payload if args.all else payload[0], indent=2) + "\n")
    else:
        sys.stdout.write("\n\n".join(rule_text(rule) for rule in rules) + ("\n" if rules else ""))
    return EXIT_OK


def rule_text(rule: Rule) -> str:
    """A header (code, name, summary, affected versions, fix availability), then the doc."""
    header = [
        f"# {rule.name} ({rule.code})",
        "",
        rule.summary,
        "",
        f"Affects: Keras {rule.affects_description}",
        f"Fix: {_fix_availability(rule)}",
        f"Documentation: {rule.url}",
    ]
    doc = rule.doc.strip()
    return "\n".join(header) + ("\n\n" + doc if doc else "") + "\n"


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "affects": rule.affects_description,
        "fix": rule.fix_applicability.value if rule.fix_applicability is not None else None,
        "explanation": rule.doc,
        "url": rule.url,
    }


def _fix_availability(rule: Rule) -> str:
    if rule.fix_applicability is None:
        return "none"
    return f"available ({rule.fix_applicability.value}) with --fix once fixes are supported"


def _suggestion(code: str, rules: Any) -> str:
    import difflib

    close = difflib.get_close_matches(code.upper(), [rule.code for rule in rules], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
