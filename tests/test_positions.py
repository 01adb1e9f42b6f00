"""The fast positions (core/positions.py) against LibCST's public `PositionProvider`.

The fast path generates code only up to the last wanted node and tracks offsets only where a wanted
node asks, so what it must agree on depends on which nodes are wanted: every test picks subsets as
well as all nodes, and compares every kind of node, statements and blocks included.
"""

from __future__ import annotations

import ast
import random
import textwrap

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixture_expectations import fixture_files
from robust_helpers import robust_settings
from keras_loss_lint.core.diagnostics import Position, Span
from keras_loss_lint.core.positions import _by_statement, locate, locate_with_metadata


def all_nodes(module: cst.Module) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    pending: list[cst.CSTNode] = [module]
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(reversed(node.children))
    return found


def ast_or_none(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def assert_agrees(source: str, rng: random.Random, subsets: int = 4) -> None:
    """With and without `ast`'s tree (with it, statements that hold no wanted node are skipped)."""
    module = cst.parse_module(source)
    nodes = all_nodes(module)
    expected = locate_with_metadata(module, nodes)
    tree = ast_or_none(source)
    assert locate(module, source, nodes) == expected
    assert locate(module, source, nodes, tree) == expected
    for _ in range(subsets):
        chosen = rng.sample(nodes, k=rng.randint(1, min(len(nodes), 5)))
        wanted = {node: expected[node] for node in chosen if node in expected}
        assert locate(module, source, chosen) == wanted
        assert locate(module, source, chosen, tree) == wanted


# Sources whose positions are easy to get wrong: multi-line strings, continuations, \r\n and \r
# line ends, tabs, non-ASCII text (columns count code points), semicolons, decorators, comments in
# block footers, and a last line without its newline.
TRICKY = [
    'x = """one\ntwo\n"""; y = (1,\n  2)\n',
    "if a:\n\tb = 1 \\\n\t  + 2\n\tc = f(b)\n",
    "import keras\r\nmodel.compile(loss={\r\n    'a': 'mse',\r\n})\r\n",
    "a = 1\rb = {'k': [1,\r 2]}\r",
    "s = 'é€𝄞'; t = f(s, '日本')\nu = t  # ünïcode\n",
    "@dec\n@other(1,\n  2)\nclass C:\n    def m(self): return 1\n\n    # a footer comment\n",
    "def f():\n    x = 1;\n    return x;  # semicolons\n",
    "x = [\n    1,  # one\n    2,\n]",
    "\n\n# only comments and blank lines before\n\nprint(1)\n\n# after\n",
    "async def g():\n    async with a as b, c:\n        await b\n    async for i in c:\n        yield i\n",
    "try:\n    pass\nexcept (A, B) as e:\n    raise\nelse:\n    pass\nfinally:\n    del e\n",
    "match p:\n    case [1, *rest] if rest:\n        pass\n    case {'k': v}:\n        pass\n",
    "lambda: (yield)\nx = a if b else c\ny = {k: v for k, v in d.items() if k}\n",
    "",
    "x = 1\x0c\ny = 2\n",
    "def f():\n    return 1\n\n\nprint(f(\n    2))",
    "x = 1\n# a footer without its newline",
    "x = 1\r\ny = [1,\r\n    2]\r\n\r\nz = y",
]


@pytest.mark.parametrize("source", TRICKY)
def test_tricky_sources(source: str) -> None:
    assert_agrees(source, random.Random(source), subsets=20)


def test_every_fixture() -> None:
    rng = random.Random(14)
    for path in fixture_files():
        assert_agrees(path.read_text(encoding="utf-8"), rng)


def test_positions_are_code_points_and_exclude_parentheses() -> None:
    source = "s = 'é𝄞'; t = ((f(s)))\n"
    module = cst.parse_module(source)
    call = next(node for node in all_nodes(module) if isinstance(node, cst.Call))
    assert locate(module, source, [call]) == {call: Span(Position(1, 16), Position(1, 20))}


def test_nodes_of_another_tree_have_no_position() -> None:
    source = "a = f(1)\n"
    module, other = cst.parse_module(source), cst.parse_module(source)
    stranger = next(node for node in all_nodes(other) if isinstance(node, cst.Call))
    assert locate(module, source, [stranger]) == {}


def test_a_node_wanted_twice_is_located_once() -> None:
    source = textwrap.dedent(
        """\
        def f():
            return g(
                1,
            )
        """
    )
    module = cst.parse_module(source)
    call = next(node for node in all_nodes(module) if isinstance(node, cst.Call))
    assert locate(module, source, [call, call]) == {call: Span(Position(2, 11), Position(4, 5))}


def _generated_module_agrees(source: str, seed: int) -> None:
    try:
        cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return  # hypothesmith's output is not always valid Python; nothing to compare
    assert_agrees(source, random.Random(seed))


# The default suite takes a few generated modules; the slow run (`-m slow`) searches deeper.
@robust_settings(scale=0.8)
@given(source=hypothesmith.from_node(), seed=st.integers(0, 2**16))
def test_generated_modules(source: str, seed: int) -> None:
    _generated_module_agrees(source, seed)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_node(), seed=st.integers(0, 2**16))
def test_generated_modules_deeper(source: str, seed: int) -> None:
    _generated_module_agrees(source, seed)


def test_statements_without_wanted_nodes_are_skipped() -> None:
    """The statement path itself finds the nodes (not the whole-module pass behind it)."""
    parts = [f"def helper_{i}(x):\n    return [x,\n        {i}]\n\n\n" for i in range(50)]
    parts.insert(25, "model.compile(loss={\n    'a': 'mse',\n})\n")
    source = "".join(parts)
    module = cst.parse_module(source)
    nodes = all_nodes(module)
    wanted = [node for node in nodes if isinstance(node, (cst.Dict, cst.Call, cst.Arg))]
    spans, _ = _by_statement(module, source, wanted, ast.parse(source))
    assert {id(node) for node in wanted} <= set(spans)
    assert locate(module, source, wanted, ast.parse(source)) == locate_with_metadata(module, wanted)


def test_the_statement_path_counts_what_libcst_drops() -> None:
    # LibCST drops a line continuation before the first statement, so its own metadata (and the
    # whole-module pass) put the call a line too early; where the statement's text is the source's
    # text, at the line `ast` gives, the statement path gives the line the user sees.
    source = "\\\nx = f(1)\n"
    module = cst.parse_module(source)
    call = next(node for node in all_nodes(module) if isinstance(node, cst.Call))
    assert locate_with_metadata(module, [call]) == {call: Span(Position(1, 4), Position(1, 8))}
    assert locate(module, source, [call], ast.parse(source)) == {call: Span(Position(2, 4), Position(2, 8))}
