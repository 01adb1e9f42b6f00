"""`keras-loss-lint rule KLO201` / `rule --all`: a rule's documentation, like `ruff rule`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from keras_loss_lint.faces.cli.exits import EXIT_OK, UsageError

if TYPE_CHECKING:
    from keras_loss_lint.core.catalogue import Rule


def run_rule(args: argparse.Namespace) -> int:
    from keras_loss_lint.core.catalogue import all_rules, rule_by_code
    if args.all and args.code:
        raise UsageError("give a rule code or --all, not both")
    if args.all:
        rules = list(all_rules())
    elif args.code:
        rule = rule_by_code(args.code.strip())
        if rule is None:
            raise UsageError(f"unknown rule code {args.code!r}{_suggestion(args.code, all_rules())}")
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
    if rule.fix_applicability.value == "safe":
        return "safe: applied by --fix"
    return "unsafe: applied by --fix --unsafe-fixes"


def _suggestion(code: str, rules: Any) -> str:
    from keras_loss_lint.core.text import did_you_mean

    return did_you_mean(code.upper(), [rule.code for rule in rules])
