"""The ``tracedesk`` command: Django's management commands and ours."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command, e.g. ``tracedesk migrate`` or ``tracedesk demo``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tracedesk", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
