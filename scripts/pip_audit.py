#!/usr/bin/env python3
"""Run pip-audit over the installed environment and say plainly what it could check.

pip-audit reports "No known vulnerabilities found" even when it could not reach
the advisory service for a single package (each is then "skipped"). This wrapper
counts audited and skipped packages and never calls an unchecked environment clean:

- a known vulnerability in an audited package: exit 1;
- the advisory database unreachable (every package skipped): prints
  "ADVISORY DATABASE UNREACHABLE" and exits 0, or 2 when PIP_AUDIT_STRICT=1
  (set it where the network reaches PyPI's advisory service);
- some packages skipped: lists them and says the result is partial.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    command = [
        str(pip_audit),
        "--local",
        "--skip-editable",  # tracedesk itself is not on PyPI
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    try:
        done = subprocess.run(  # noqa: S603 -- fixed arguments, our own virtualenv's tool
            command, capture_output=True, text=True, timeout=600, check=False
        )
    except subprocess.TimeoutExpired:
        print("pip-audit: ADVISORY DATABASE UNREACHABLE (timed out after 600 s); NOT checked.")
        return 2 if os.environ.get("PIP_AUDIT_STRICT") == "1" else 0
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(done.stdout[-2000:], done.stderr[-4000:], sep="\n")
        print("pip-audit: could not run (see above); dependencies NOT checked.")
        return 2 if os.environ.get("PIP_AUDIT_STRICT") == "1" else 0
    code, lines = verdict(report, strict=os.environ.get("PIP_AUDIT_STRICT") == "1")
    print("\n".join(lines))
    return code


def verdict(report: dict[str, Any], *, strict: bool) -> tuple[int, list[str]]:
    """Return the exit code and the lines to print for pip-audit's JSON report."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    lines = []
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            lines.append(
                f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} ({fixes})"
            )
    lines.append(
        f"pip-audit: {len(audited)} packages checked, {len(skipped)} not checked, "
        f"{sum(len(d['vulns']) for d in vulnerable)} known vulnerabilities."
    )
    if vulnerable:
        return 1, lines
    if dependencies and not audited:
        lines.append(
            "pip-audit: ADVISORY DATABASE UNREACHABLE from this machine: no package could be "
            "checked, so this is NOT a pass. Run `make test` where PyPI's JSON API is reachable, "
            "with PIP_AUDIT_STRICT=1 to make this fatal."
        )
        return (2 if strict else 0), lines
    if skipped:
        names = ", ".join(sorted(d["name"] for d in skipped))
        lines.append(f"pip-audit: partial result; not checked: {names}")
    return 0, lines


if __name__ == "__main__":
    sys.exit(main())
