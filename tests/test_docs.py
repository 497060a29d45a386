"""A fresh clone documents itself: README and docs/ point only to files in the repository.

Issue 9 ("Newcomer friction"): the README used to send readers to files beside the
repository that a clone does not have.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
#: A path in backticks or plain text that climbs out of the file's folder.
CLIMBING_PATH = re.compile(r"(?<![\w/])\.\./[\w./-]+")


def _relative_targets(document: Path) -> list[str]:
    targets = MARKDOWN_LINK.findall(document.read_text())
    return [t for t in targets if not re.match(r"^(https?:|mailto:|#)", t)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_resolve_to_files_inside_the_repository(document):
    for target in _relative_targets(document):
        resolved = (document.parent / target.split("#")[0]).resolve()
        assert resolved.is_relative_to(ROOT), f"{target} leaves the repository"
        assert resolved.exists(), f"{target} does not exist"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_path_leaves_the_repository(document):
    for found in CLIMBING_PATH.findall(document.read_text()):
        resolved = (document.parent / found.rstrip(".")).resolve()
        assert resolved.is_relative_to(ROOT) and resolved.exists(), (
            f"{document.name} names {found}, which a clone does not have"
        )


def test_the_rules_and_the_layout_are_documented_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    for name in ("docs/RULES.md", "docs/LAYOUT.md", "docs/CONVENTIONS.md"):
        assert f"]({name})" in readme, f"README does not link {name}"
    rules = (ROOT / "docs" / "RULES.md").read_text()
    # Code comments cite rules as "SPEC n": every numbered step 1-15 is there to be cited.
    for number in range(1, 16):
        assert re.search(rf"^{number}\. \*\*", rules, re.MULTILINE), f"step {number} missing"
