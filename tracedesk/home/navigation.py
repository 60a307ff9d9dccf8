"""The navigation each role sees, derived from the rights table."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from tracedesk.accounts.roles import Right, Role, has_right

# (right needed, url name, label); the first item a role may use is its home page.
PAGES: list[tuple[Right, str, str]] = [
    (Right.WORK_TASKS, "tracer-home", "My tasks"),
    (Right.WORK_TASKS, "tracing-work", "Call queue"),
    (Right.SUPERVISE, "supervisor-home", "Team overview"),
    (Right.SUPERVISE, "tracing-console", "Queue console"),
    (Right.MANAGE_OUTBREAKS, "health-protection-home", "Cases and settings"),
    (Right.MANAGE_OUTBREAKS, "cluster-list", "Clusters"),
    (Right.VIEW_PERSONAL, "person-list", "People"),
    (Right.VIEW_PERSONAL, "case-list", "Cases"),
    (Right.WORK_TASKS, "household-proposals", "Household members to confirm"),
    (Right.INGEST_RESULTS, "ingest-list", "Lab results"),
    (Right.INGEST_RESULTS, "checkin-list", "Check-ins"),
    (Right.REVIEW_MATCHES, "review-list", "Match reviews"),
    (Right.VIEW_STATISTICS, "analyst-home", "Statistics"),
    (Right.VIEW_STATISTICS, "kpi-dashboard", "KPI dashboard"),
    (Right.VIEW_STATISTICS, "contract-list", "Contracts"),
    (Right.VIEW_STATISTICS, "bulletin", "Weekly bulletin"),
    (Right.VIEW_STATISTICS, "export-index", "Exports"),
    (Right.MANAGE_USERS, "admin-home", "Users"),
    (Right.MANAGE_USERS, "user-list", "Staff accounts"),
    (Right.AUDIT_TRAIL, "audit-trail", "Audit trail"),
]

HOME_OF_ROLE: dict[str, str] = {
    Role.TRACER: "tracer-home",
    Role.SUPERVISOR: "supervisor-home",
    Role.HEALTH_PROTECTION: "health-protection-home",
    Role.ANALYST: "analyst-home",
    Role.ADMIN: "admin-home",
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context: the pages the signed-in user may open."""
    if not request.user.is_authenticated:
        return {"nav": []}
    here = request.path
    items = []
    for right, name, label in PAGES:
        if has_right(request.user, right):
            url = reverse(name)
            items.append({"url": url, "label": label, "current": here == url})
    return {"nav": items}
