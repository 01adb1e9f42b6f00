"""## What it does
Finds `compile()` called with three or more positional arguments.

## Why is this bad?
The third positional parameter of `compile` is `metrics` in Keras 2
(`compile(optimizer, loss, metrics, loss_weights, ...)`) but `loss_weights` in Keras 3
(`compile(optimizer, loss, loss_weights, metrics, ...)`). The same call means different things on
different releases.

## Example
```python
model.compile("adam", "mse", ["mae"])
```

## Use instead
```python
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
```
"""

from __future__ import annotations

from typing import Iterator

from packaging.version import Version

from keras_loss_lint.analysis.facts import Mapping, Opaque, Seq
from keras_loss_lint.keras.api import compile_parameters
from keras_loss_lint.keras.versions import CANDIDATES, describe_range
from keras_loss_lint.rules.base import Report, RuleContext, define_rule


def check(context: RuleContext) -> Iterator[Report]:
    for call in context.facts.compiles():
        if len(call.positional) < 3 or not _is_keras_compile(call, context.facts.imports_keras):
            continue
        message = (
            f"third positional argument of compile() is {_meanings(2)}; pass loss_weights= and metrics= "
            "as keywords"
        )
        yield Report(RULE.code, call.positional[2].node, message)


def _meanings(index: int) -> str:
    """What the parameter at `index` is on each known release: the same call means different things on
    different releases."""
    by_name: dict[str, list[Version]] = {}
    for version in CANDIDATES:
        by_name.setdefault(compile_parameters(version.major)[index], []).append(version)
    return " but ".join(f"`{name}` on Keras {describe_range(on)}" for name, on in by_name.items())


def _is_keras_compile(call, imports_keras: bool) -> bool:
    """A compile() on a known model, or one whose second argument looks like a loss."""
    if call.model is not None:
        return True
    if not imports_keras:
        return False
    loss = call.positional[1].value
    return isinstance(loss, (Mapping, Seq, Opaque))


RULE = define_rule(
    "KLO404", "positional-compile-arguments", "`compile()` with three or more positional arguments", "", check,
)
