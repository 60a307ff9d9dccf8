"""The pip-audit step of `make test` never calls an unchecked environment clean."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "pip_audit.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pip_audit_step", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_all_skipped_is_reported_as_unreachable_not_clean() -> None:
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2", "skip_reason": "Dependency not found on PyPI"},
            {"name": "ninja", "version": "1.7", "skip_reason": "Dependency not found on PyPI"},
        ]
    }
    code, lines = load().verdict(report, strict=False)
    assert code == 0 and "ADVISORY DATABASE UNREACHABLE" in lines[-1]
    assert "NOT a pass" in lines[-1]
    code, _ = load().verdict(report, strict=True)
    assert code == 2


def test_a_known_vulnerability_fails() -> None:
    report = {
        "dependencies": [
            {
                "name": "django",
                "version": "5.2",
                "vulns": [{"id": "PYSEC-2099-1", "fix_versions": ["5.2.99"]}],
            },
            {"name": "ninja", "version": "1.7", "vulns": []},
        ]
    }
    code, lines = load().verdict(report, strict=False)
    assert code == 1
    assert lines[0] == "VULNERABLE django 5.2: PYSEC-2099-1 (5.2.99)"


def test_a_partial_audit_names_what_was_not_checked() -> None:
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2", "vulns": []},
            {"name": "private-pkg", "version": "1", "skip_reason": "not on PyPI"},
        ]
    }
    code, lines = load().verdict(report, strict=True)
    assert code == 0
    assert lines[-1] == "pip-audit: partial result; not checked: private-pkg"
