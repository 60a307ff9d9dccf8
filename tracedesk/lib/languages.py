"""Language codes (no Django)."""

from __future__ import annotations

import re

_CODE = re.compile(r"^[a-z]{2}$")


def is_language_code(code: object) -> bool:
    """Return whether ``code`` has the form of an ISO 639-1 code (``en``, ``pl``)."""
    return isinstance(code, str) and bool(_CODE.match(code))
