"""Minimal reproducers of the analyzer bugs the robustness tests found.

Each test states the correct behaviour. A bug still open is a strict xfail: when it is fixed, pytest
reports the strict XPASS as a failure, and the marker (and any matching KNOWN_BUGS entry in
test_installed_code.py) must go. Fixed bugs stay here as regression tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from robust_helpers import KLO201_LINE, KLO201_SOURCE

from keras_loss_lint.core.lint import lint_source

# --------------------------------------------------------------------------------------------------
# 1. (fixed) A call through a bound-method alias raised AssertionError in
#    facts/expressions.py:_rebind_mutated. Found in pydoc.py, pprint.py, fnmatch.py, re/_compiler.py and
#    pip's vendored rich: `append = result.append` then `append(x)`.

BOUND_METHOD_ALIAS = textwrap.dedent("""\
    import keras
    items = []
    add = items.append
    add(1)
    # model.compile
    """)


def test_a_call_through_a_bound_method_alias_does_not_crash() -> None:
    assert lint_source(BOUND_METHOD_ALIAS).error is None


def test_heads_collected_through_an_append_alias_are_still_analysed() -> None:
    source = textwrap.dedent("""\
        import keras
        from keras import layers
        inp = keras.Input(shape=(4,))
        outputs = []
        add = outputs.append
        add(layers.Dense(1, name="output_small")(inp))
        add(layers.Dense(1, name="output_big")(inp))
        model = keras.Model(inp, outputs)
        model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})
        """)
    lint_source(source)  # must not raise; whether it follows the alias is the analyzer's choice


# --------------------------------------------------------------------------------------------------
# 2. (fixed) `# noqa` was looked up with str.splitlines(), which also breaks lines at form feeds, \v,
#    \x1c-\x1e, \x85, U+2028 and U+2029; Python (and flake8) do not. After such a character the noqa of
#    line N was read from another line: the CLI and the language server reported what flake8 silences.

SPLITLINES_ONLY_BREAKS = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("character", SPLITLINES_ONLY_BREAKS, ids=lambda c: f"U+{ord(c):04X}")
def test_noqa_is_honoured_after_a_character_only_splitlines_breaks_at(character: str) -> None:
    lines = KLO201_SOURCE.splitlines(keepends=True)
    lines.insert(1, f"# section{character}two\n")  # a comment holding the character, as files do
    lines[KLO201_LINE] = lines[KLO201_LINE].rstrip("\n") + "  # noqa: KLO201\n"
    source = "".join(lines)
    compile(source, "<noqa>", "exec")
    result = lint_source(source)
    assert [d.code for d in result.noqa_suppressed] == ["KLO201"]
    assert result.diagnostics == ()


# --------------------------------------------------------------------------------------------------
# 3. (fixed: a size limit) A 10 MB module: LibCST alone needs minutes and many GB for it (measured:
#    10 MB of short statements, 300 s and 14.7 GB peak RSS in lint_source; under a 6 GiB address-space
#    limit LibCST's native parser aborts the process). Expected: a prompt answer, e.g. "too large".

TEN_MB_CHILD = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
from keras_loss_lint.core.lint import lint_source
source = sys.stdin.read()
result = lint_source(source)
print(json.dumps({"error": result.error, "codes": [d.code for d in result.diagnostics]}))
"""
TEN_MB_SECONDS = 60
TEN_MB_ADDRESS_SPACE = 6 * 1024**3


def ten_megabytes_of_code() -> str:
    block = textwrap.dedent("""\
        def block_{i}(x, scale=2.0):
            y = x * scale + {i}
            values = [y, y + 1, y + 2]
            return {{"total": sum(values), "first": values[0]}}


        """)
    parts, size, i = [KLO201_SOURCE], len(KLO201_SOURCE), 0
    while size < 10_000_000:
        text = block.format(i=i)
        parts.append(text)
        size += len(text)
        i += 1
    return "".join(parts)


def test_a_ten_megabyte_module_gets_a_prompt_answer() -> None:
    child = TEN_MB_CHILD.replace("ADDRESS_SPACE", str(TEN_MB_ADDRESS_SPACE))
    try:
        completed = subprocess.run(
            [sys.executable, "-c", child],
            input=ten_megabytes_of_code(),
            capture_output=True,
            text=True,
            timeout=TEN_MB_SECONDS,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"lint_source took more than {TEN_MB_SECONDS} s on a 10 MB module")
    assert completed.returncode == 0, f"exit {completed.returncode}: {completed.stderr[-2000:]}"
    json.loads(completed.stdout)
