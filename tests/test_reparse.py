"""Parsing by top-level statements (core/reparse.py) gives the tree a whole parse gives, node for
node, and an edit re-parses only the statements it changed."""

from __future__ import annotations

import ast
import random

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings

from fixture_expectations import fixture_files
from robust_helpers import robust_settings
from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.core.reparse import StatementCache, parse_module

# Where a cut between statements is easy to get wrong: comments and blank lines that LibCST gives to a
# block's footer or to the next statement, continuations, decorators, semicolons, line endings,
# indentation that changes from one function to the next, and texts `ast` and LibCST count differently.
TRICKY = [
    # a `match` indents its cases itself (Match.indent), even when every case body is on its line
    "class A:\n pass\nmatch []:\n    case _: pass\n",
    "def f():\n    x = 1\n    # c\n\n# d\ny = 2\n",
    "def f():\n    x = 1\n\n    \ny = 2\n",
    "def f():\n    x = 1\n# col 0\n    # indented\ny = 2\n",
    "class C:\n    def m(self):\n        pass\n\n\n    # footer of C\n\n\nz = 3\n",
    "x = 1 \\\n\ny = 2\n",
    "a = 1; b = 2\nc = 3; d = 4\n",
    "@dec\n# between\n@other(1,\n  2)\ndef g():\n    return 1\n\n\n@dec\nclass K:\n    pass\n",
    "# licence\n\n# more\nimport keras\n\n\nx = 1\n",
    "def f():\n  return 1\ndef g():\n    return 2\n",
    "def f():\n\treturn 1\n\n\ndef g():\n\treturn 2\n",
    "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\nx = 1\n",
    "if a: pass\nelse:\n  x = 1\ndef f():\n    pass\n",
    "x = 1\r\ny = [1,\r\n    2]\r\n\r\nz = y\r\n",
    "x = 1\r\ny = 2\nz = 3\r\n",
    "a = 1\rb = 2\r",
    "x = 1\x0c\ny = 2\n",
    "\ufeffx = 1\ny = 2\n",
    "x = 1\ny = 2",
    "x = 1\n# a footer without its newline",
    "x = 1\n\n\n# trailing\n\n",
    "s = '''\nmulti\n'''\nt = 1\n",
    "x = 1\nx = 1\nx = 1\n",
    "try:\n    pass\nexcept E:\n    pass\nfinally:\n    pass\nmatch p:\n    case 1:\n        pass\n",
    "",
    "# only a comment\n",
]


def _parses_alike(source: str, cache: StatementCache | None = None) -> cst.Module:
    whole = cst.parse_module(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None  # (Python rejects a byte-order mark in a str; LibCST does not)
    got = parse_module(source, tree, cache if cache is not None else StatementCache())
    assert got.deep_equals(whole)
    assert got.code == whole.code  # (LibCST itself does not give back a lone carriage return)
    for attribute in ("default_indent", "default_newline", "has_trailing_newline", "encoding"):
        assert getattr(got, attribute) == getattr(whole, attribute), attribute
    return got


@pytest.mark.parametrize("source", TRICKY)
def test_tricky_sources(source: str) -> None:
    _parses_alike(source)


def test_every_fixture() -> None:
    for path in fixture_files():
        _parses_alike(path.read_text(encoding="utf-8"))


def _generated_module_parses_alike(source: str) -> None:
    try:
        cst.parse_module(source)
        ast.parse(source)
    except (cst.ParserSyntaxError, SyntaxError, RecursionError, ValueError, MemoryError):
        return  # hypothesmith's output is not always valid Python; nothing to compare
    _parses_alike(source)


# A generated module costs about a third of a second here: the default suite takes a few, the slow
# run (`-m slow`) searches deeper.
@robust_settings(scale=0.4)
@given(source=hypothesmith.from_node())
def test_generated_modules(source: str) -> None:
    _generated_module_parses_alike(source)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_node())
def test_generated_modules_deeper(source: str) -> None:
    _generated_module_parses_alike(source)


def test_an_edit_reparses_only_the_statements_it_changed() -> None:
    source = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(10))
    cache = StatementCache()
    before = _parses_alike(source, cache)
    edited = source.replace("return 4", "return 44")
    after = _parses_alike(edited, cache)
    kept = [old is new for old, new in zip(before.body, after.body)]
    assert kept == [True] * 4 + [False] + [True] * 5


def test_no_node_is_shared_by_two_places_of_one_tree() -> None:
    source = "model.fit(x, y)\n" * 3 + "z = 1\n"
    cache = StatementCache()
    for _ in range(2):
        module = _parses_alike(source, cache)
        assert len({id(statement) for statement in module.body}) == len(module.body)


def test_a_text_libcst_rejects_raises_as_a_whole_parse_does() -> None:
    source = "x = 1\nprint 'old'\n"  # neither accepts it; the call must raise LibCST's error
    with pytest.raises(cst.ParserSyntaxError):
        parse_module(source, None, StatementCache())


def test_the_cache_is_bounded() -> None:
    cache = StatementCache(max_characters=200)
    for version in range(20):
        source = "".join(f"v{version}_{i} = {i}\n" for i in range(10))
        _parses_alike(source, cache)
    assert sum(len(text) for text, _ in cache._pieces) <= 200 + 20


def test_linting_with_the_cache_finds_what_linting_without_it_does() -> None:
    """Over every fixture, and over a run of random edits to each (lines dropped and repeated), as an
    editor would send them to one cache."""
    rng = random.Random(14)
    for path in fixture_files():
        source = path.read_text(encoding="utf-8")
        cache = StatementCache()
        for text in [source, *_edits_of(source, rng, 3)]:
            expected = lint_source(text, str(path), project=False)
            got = lint_source(text, str(path), project=False, statements=cache)
            assert got == expected, path


def _edits_of(source: str, rng: random.Random, count: int) -> list[str]:
    lines = source.splitlines(keepends=True)
    edits = []
    for _ in range(count):
        if not lines:
            break
        at = rng.randrange(len(lines))
        changed = list(lines)
        if rng.random() < 0.5:
            del changed[at]
        else:
            changed.insert(at, changed[at])
        edits.append("".join(changed))
        lines = changed
    return edits
