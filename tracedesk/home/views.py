"""Each role's home page."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from tracedesk.accounts.access import users_for
from tracedesk.accounts.decorators import requires
from tracedesk.accounts.roles import Right
from tracedesk.audit.reads import audit_read
from tracedesk.cases.access import cases_for
from tracedesk.cases.models import Case
from tracedesk.home.charts import daily_bars
from tracedesk.home.navigation import HOME_OF_ROLE
from tracedesk.kpis.daily import daily_counts
from tracedesk.places.access import settings_for
from tracedesk.tracing.access import tasks_for
from tracedesk.tracing.models import TaskStatus, TracingTask

AT_RISK_WITHIN = dt.timedelta(hours=4)
ACTIVE = [TaskStatus.OPEN, TaskStatus.CLAIMED]


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to their role's home page."""
    name = HOME_OF_ROLE.get(getattr(request.user, "role", ""))
    if name is None:
        raise PermissionDenied("Your account has no role; ask an administrator.")
    return redirect(name)


@require_safe
@requires(Right.WORK_TASKS)
def tracer_home(request: HttpRequest) -> HttpResponse:
    """My tasks, and the most urgent waiting tasks in my area."""
    tasks = tasks_for(request.user)
    now = timezone.now()
    mine = tasks.filter(assignee_id=request.user.pk, status=TaskStatus.CLAIMED).order_by("due_by")
    waiting = tasks.filter(status=TaskStatus.OPEN).order_by("due_by", "priority")[:25]
    audit_read(request, TracingTask, purpose="my tasks page")
    return render(
        request,
        "home/tracer.html",
        {"mine": mine, "waiting": waiting, "now": now, "soon": now + AT_RISK_WITHIN},
    )


@require_safe
@requires(Right.SUPERVISE)
def supervisor_home(request: HttpRequest) -> HttpResponse:
    """Queue depth, deadlines at risk, and each team member's load."""
    tasks = tasks_for(request.user)
    now = timezone.now()
    active = tasks.filter(status__in=ACTIVE)
    depth = active.aggregate(
        waiting=Count("id", filter=Q(status=TaskStatus.OPEN)),
        claimed=Count("id", filter=Q(status=TaskStatus.CLAIMED)),
        overdue=Count("id", filter=Q(due_by__lt=now)),
        at_risk=Count("id", filter=Q(due_by__gte=now, due_by__lt=now + AT_RISK_WITHIN)),
    )
    at_risk = active.filter(due_by__lt=now + AT_RISK_WITHIN).order_by("due_by")[:25]
    audit_read(request, TracingTask, purpose="team overview: deadlines at risk")
    team = getattr(request.user, "team", None)
    members = (
        team.members.filter(is_active=True)
        .annotate(claimed=Count("tasks", filter=Q(tasks__status=TaskStatus.CLAIMED)))
        .order_by("username")
        if team
        else []
    )
    return render(
        request,
        "home/supervisor.html",
        {"depth": depth, "at_risk": at_risk, "members": members, "team": team, "now": now},
    )


@require_safe
@requires(Right.MANAGE_OUTBREAKS)
def health_protection_home(request: HttpRequest) -> HttpResponse:
    """Recent cases and the settings cases attended."""
    cases = cases_for(request.user).order_by("-created_at")[:25]
    settings = (
        settings_for(request.user)
        .annotate(cases=Count("attendances__case", distinct=True))
        .filter(cases__gt=0)
        .order_by("-cases", "name")[:25]
    )
    audit_read(request, Case, purpose="cases and settings page")
    return render(request, "home/health_protection.html", {"cases": cases, "settings": settings})


@require_safe
@requires(Right.VIEW_STATISTICS)
def analyst_home(request: HttpRequest) -> HttpResponse:
    """Cases and contacts per day in the user's scope, as a chart and as a table."""
    days = daily_counts(request.user, days=28)
    totals = {"cases": sum(d.cases for d in days), "contacts": sum(d.contacts for d in days)}
    return render(
        request,
        "home/analyst.html",
        {"days": days, "totals": totals, "chart": daily_bars(days)},
    )


@require_safe
@requires(Right.MANAGE_USERS)
def admin_home(request: HttpRequest) -> HttpResponse:
    """The staff accounts an administrator manages."""
    return render(request, "home/admin.html", {"users": users_for(request.user)})
