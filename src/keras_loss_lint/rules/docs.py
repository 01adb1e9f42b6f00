"""Rule documentation, generated from the rules themselves: `python -m keras_loss_lint.rules.docs`.

Writes `docs/rules/<CODE>.md` for every rule and the rule table of README.md (between the
`rules-table` markers). A test fails when the committed files differ from what this would write.
"""

from __future__ import annotations

import sys
from pathlib import Path

from keras_loss_lint.rules.base import Rule
from keras_loss_lint.rules.registry import ALL_RULES

TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"


def fix_availability(rule: Rule) -> str:
    if rule.fix_applicability is None:
        return "none"
    return f"{rule.fix_applicability.value} fix"


def rule_markdown(rule: Rule) -> str:
    header = (
        f"# {rule.code}: {rule.name}\n\n"
        f"{rule.summary}.\n\n"
        f"- Keras versions affected: {rule.affects_description}\n"
        f"- Fix: {fix_availability(rule)}\n\n"
    )
    return header + rule.doc.strip() + "\n"


def rules_table() -> str:
    rows = ["| Code | Name | What it finds | Keras versions | Fix |", "|---|---|---|---|---|"]
    for rule in ALL_RULES:
        rows.append(
            f"| [{rule.code}](docs/rules/{rule.code}.md) | {rule.name} | {rule.summary} | "
            f"{rule.affects_description} | {fix_availability(rule)} |"
        )
    return "\n".join(rows)


def render_readme(readme: str) -> str:
    start, end = readme.index(TABLE_START) + len(TABLE_START), readme.index(TABLE_END)
    return readme[:start] + "\n" + rules_table() + "\n" + readme[end:]


def expected_files(root: Path) -> dict[Path, str]:
    files = {root / "docs" / "rules" / f"{rule.code}.md": rule_markdown(rule) for rule in ALL_RULES}
    readme = root / "README.md"
    files[readme] = render_readme(readme.read_text(encoding="utf-8"))
    return files


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0] if argv else ".").resolve()
    for path, content in expected_files(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            print(f"wrote {path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
