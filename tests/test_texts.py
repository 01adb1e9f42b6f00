"""Node texts read from the source (analysis/texts.py) hold the same code LibCST would generate for
the node, for every compound statement and indented block, and no node gets a wrong slice when the
`ast` tree is not the module's."""

from __future__ import annotations

import ast
import sys
import textwrap

import hypothesmith
import libcst as cst
import pytest
from hypothesis import given

from fixture_expectations import fixture_files
from robust_helpers import robust_settings
from keras_loss_lint.analysis.texts import ModuleTexts, NodeTexts, SourceLines

COMPOUND = (cst.FunctionDef, cst.ClassDef, cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Match)

SOURCES = [
    "@decorator\n@other(1)\ndef f(x):\n    # comment\n    return x  # trailing\n",
    "class C:\n    def m(self):\n        if self:\n            pass\n        elif x:\n            y()\n"
    "        else:\n            z()\n\n    @staticmethod\n    def s(): return 1\n",
    "for i in range(3):\n    while i:\n        i -= 1\n    else:\n        break\nelse:\n    pass\n",
    "try:\n    a()\nexcept ValueError:\n    b()\nexcept (KeyError, TypeError) as e:\n    c()\n"
    "else:\n    d()\nfinally:\n    e()\n",
    pytest.param(
        "try:\n    a()\nexcept* ValueError:\n    b()\n",
        marks=pytest.mark.skipif(sys.version_info < (3, 11), reason="`except*` is Python 3.11 syntax"),
    ),
    "match x:\n    case 1:\n        a()\n    case [y, *_]:\n        def g(): yield y\n",
    "async def f():\n    async with a as b, c:\n        async for i in b:\n            await i\n",
    "with open(p) as f: data = f.read()\nif x: y(); z()\n",
    "def f(\n    a,\n    b=(1,\n       2),\n):\n    s = '''\nno indent\n'''\n    return s\n",
    "x = 1; y = 2\nif x:\n    def inner():\n        model.fit(x)\n",
    "if a:\r\n    b()\r\nelse:\r\n    c()\r\n",
]


class _Compounds(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, COMPOUND) or isinstance(node, cst.IndentedBlock):
            self.nodes.append(node)
        return True


def _compounds(module: cst.Module) -> list[cst.CSTNode]:
    visitor = _Compounds()
    module.visit(visitor)
    return visitor.nodes


def _same_code(sliced: str, generated: str) -> bool:
    """Both texts parse to the same statements (an `elif` is read as the `if` it is)."""
    def statements(text: str) -> str:
        text = textwrap.dedent(text)
        text = "if" + text[4:] if text.startswith("elif") else text
        return ast.dump(ast.parse(text))

    return statements(sliced) == statements(generated)


def _check(source: str, all_sliced: bool = True) -> int:
    """Every compound statement and indented block of `source` that gets a slice gets one holding its
    code (and with `all_sliced`, every one gets a slice); returns how many were compared."""
    module = cst.parse_module(source)
    lines = SourceLines(module, source, ast.parse(source))
    checked = 0
    for node in _compounds(module):
        sliced = lines.text_of(node)
        generated = module.code_for_node(node)
        if sliced is None:
            assert not all_sliced, generated
            continue
        try:
            same = _same_code(sliced, generated)
        except (SyntaxError, IndentationError):
            continue  # a block whose strings run at column 0 does not dedent; its words are still there
        assert same, (sliced, generated)
        checked += 1
    return checked


@pytest.mark.parametrize("source", SOURCES)
def test_slices_hold_the_generated_code(source: str) -> None:
    assert _check(source) > 0


def test_every_fixture() -> None:
    assert sum(_check(path.read_text(encoding="utf-8")) for path in fixture_files()) > 200


@robust_settings(scale=0.4)
@given(source=hypothesmith.from_node())
def test_generated_modules(source: str) -> None:
    try:
        ast.parse(source)
        cst.parse_module(source)
    except (SyntaxError, cst.ParserSyntaxError, RecursionError, ValueError, MemoryError):
        return  # hypothesmith's output is not always valid Python; nothing to compare
    _check(source, all_sliced=False)


def test_another_modules_tree_gives_no_slice() -> None:
    source = "def f():\n    model.fit(x)\n\n\ndef g():\n    pass\n"
    other = ast.parse("def f():\n    pass\n")
    module = cst.parse_module(source)
    lines = SourceLines(module, source, other)
    assert all(lines.text_of(node) is None for node in _compounds(module))


def test_a_renamed_function_in_the_tree_gives_no_slice() -> None:
    source = "def f():\n    model.fit(x)\n"
    module = cst.parse_module(source)
    lines = SourceLines(module, source, ast.parse(source.replace("def f", "def h")))
    assert lines.text_of(module.body[0]) is None


def test_a_lone_carriage_return_falls_back_to_generated_text() -> None:
    source = "def f():\r    model.fit(x)\r"
    module = cst.parse_module(source)
    texts = ModuleTexts(module, source, NodeTexts(), None)
    assert "model.fit(x)" in texts.text_of(module.body[0])
    assert SourceLines(module, source).text_of(module.body[0]) is None


def test_comments_above_a_def_are_not_its_words() -> None:
    source = "x = 1\n# model.fit is called elsewhere\ndef f():\n    return 1\n"
    module = cst.parse_module(source)
    texts = ModuleTexts(module, source, None, None)
    assert "fit" not in texts.text_of(module.body[1])
    assert "fit" in module.code_for_node(module.body[1])  # what generating it would have searched
