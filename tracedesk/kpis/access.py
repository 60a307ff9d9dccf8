"""Who may see KPI figures, and where: aggregates only, within the viewer's jurisdictions."""

from __future__ import annotations

from tracedesk.accounts.roles import Right, require
from tracedesk.accounts.scope import scope_ids


def statistics_roots(user: object) -> list[int]:
    """The top jurisdictions of ``user``'s scope (none inside another): their subtree
    totals cover the scope exactly once (403 without the statistics right)."""
    require(user, Right.VIEW_STATISTICS)
    if not scope_ids(user):
        return []
    paths = dict(user.jurisdictions.values_list("pk", "path"))  # type: ignore[attr-defined]
    return sorted(
        pk
        for pk, path in paths.items()
        if not any(path != other and path.startswith(other) for other in paths.values())
    )


def statistics_scope(user: object) -> list[int]:
    """The jurisdictions whose figures ``user`` may see (403 without the statistics right)."""
    require(user, Right.VIEW_STATISTICS)
    return sorted(scope_ids(user))
