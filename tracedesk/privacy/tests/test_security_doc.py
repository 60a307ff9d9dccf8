"""docs/security.md matches the code: each test it names exists; each ASVS row names one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "security.md"
# "All test paths below are under tracedesk/accounts/tests/" (the accounts section).
BARE_TESTS = ROOT / "tracedesk" / "accounts" / "tests"
REFERENCE = re.compile(r"`((?:tracedesk/[\w/]+/)?test_\w+\.py)?(?:::(\w+))?`")


def _references() -> list[tuple[int, Path, str]]:
    """Return (line, file, test name) for each ``file::test`` and ``::test`` in the doc."""
    found = []
    for number, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), start=1):
        current: Path | None = None
        for match in REFERENCE.finditer(line):
            path, name = match.groups()
            if path:
                current = ROOT / path if path.startswith("tracedesk/") else BARE_TESTS / path
            if name and current is not None:
                found.append((number, current, name))
    return found


def test_every_test_the_security_doc_names_exists() -> None:
    references = _references()
    assert len(references) > 80  # the walk found the checklist
    missing = [
        f"line {line}: {path.relative_to(ROOT)}::{name}"
        for line, path, name in references
        if not path.exists()
        or not re.search(rf"^def {name}\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert missing == [], "docs/security.md names tests that do not exist"


def test_every_asvs_row_says_where_it_is_tested() -> None:
    rows = [
        line for line in DOC.read_text(encoding="utf-8").splitlines() if re.match(r"\| V\d", line)
    ]
    assert len(rows) > 40
    untested = [
        row[:60]
        for row in rows
        if not (row.rstrip().endswith("| — |") or REFERENCE.search(row.rsplit("|", 2)[1]))
    ]
    assert untested == []
