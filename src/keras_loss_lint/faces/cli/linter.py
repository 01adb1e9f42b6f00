"""`keras-loss-lint linter`: the rule families, as `ruff linter` lists its linters.

    KLO1 output names
    KLO2 output order
    ...

The families are code prefixes (`--select KLO2` enables one); their rules are found from the codes
alone, so listing them does not load the rules.
"""

from __future__ import annotations

import json
import sys

from keras_loss_lint.faces.cli.exits import EXIT_OK

# What each family checks; a test keeps every rule code inside one of them.
FAMILIES = (
    ("KLO1", "output names", "dict keys (loss, loss_weights, metrics, y) that name no output, and names that clash"),
    ("KLO2", "output order", "values paired with the wrong outputs because Keras sorts or reorders them"),
    ("KLO3", "layer names", "outputs addressed by names their layers do not reliably have"),
    ("KLO4", "argument shape", "metrics, labels and compile() arguments given in a shape Keras misreads"),
    ("KLO9", "meta", "about the linter itself: unused `# noqa` codes, internal errors, files not fully analysed"),
)


def run_linter(output_format: str) -> int:
    if output_format == "json":
        sys.stdout.write(json.dumps(families_json(), indent=2) + "\n")
    else:
        sys.stdout.write("".join(f"{prefix:>4} {name}\n" for prefix, name, _ in FAMILIES))
    return EXIT_OK


def families_json() -> list[dict[str, object]]:
    """ruff's `prefix` and `name`, plus what the family checks and its rule codes."""
    from keras_loss_lint.core.catalogue import known_codes

    codes = known_codes()
    return [
        {
            "prefix": prefix,
            "name": name,
            "description": description,
            "rules": [code for code in codes if code.startswith(prefix)],
        }
        for prefix, name, description in FAMILIES
    ]
