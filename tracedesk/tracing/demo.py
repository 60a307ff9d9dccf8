"""Make the call queue and the supervisor console show a service in motion for the demo.

After ``replay_tracing``: the tracers who made the replayed calls and the demo logins
are offline (nobody is signed in yet); a small pool of tracers in the home team has
worked today (their states give the console's utilisation figures), and a
contractor pool covering every area is available, so the worker's idle-capacity job
has someone to lend. A few waiting tasks get callbacks later today.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets

from django.utils import timezone

from tracedesk.accounts.actions import create_staff_user
from tracedesk.accounts.models import Team, User
from tracedesk.accounts.roles import Role
from tracedesk.geography.models import Jurisdiction, Level
from tracedesk.tracing.actions import current_states, defer_task, set_tracer_state
from tracedesk.tracing.models import TaskStatus, TracerState, TracerStateChange, TracingTask

SOURCE = "demo"
POOL = 3


def _pool_user(username: str, areas: list[Jurisdiction], team: Team | None) -> User:
    existing = User.objects.filter(username=username).first()
    if existing:
        return existing
    return create_staff_user(
        username=username, role=Role.TRACER, jurisdictions=areas,
        password=secrets.token_urlsafe(24),  # never printed: these accounts only fill the console
        team=team, actor=None, source=SOURCE,
    )  # fmt: skip


def populate(*, seed: int) -> str:
    rng = random.Random(seed)  # noqa: S311  (a reproducible demo)
    now = timezone.now()
    tracers = list(
        User.objects.filter(role=Role.TRACER, username__startswith="demo.")
        .exclude(username__startswith="demo.pool.")
        .exclude(username__startswith="demo.contractor.")
    )
    states = current_states([t.pk for t in tracers])
    for tracer in tracers:
        if states[tracer.pk][0] != TracerState.OFFLINE:
            set_tracer_state(tracer, TracerState.OFFLINE, at=now, source=SOURCE)
    areas = list(Jurisdiction.objects.filter(level=Level.LOCAL_AUTHORITY).order_by("pk"))
    home = areas[0]
    team = Team.objects.filter(name=f"{home.name} tracing team").first()
    contractor_team, _ = Team.objects.get_or_create(name="Contractor call centre")
    start = timezone.localtime(now).replace(hour=8, minute=0, second=0, microsecond=0)
    if start > now:
        start -= dt.timedelta(days=1)
    worked = 0
    for i in range(POOL):
        user = _pool_user(f"demo.pool.{home.code}.{i + 1}", [home], team)
        if TracerStateChange.objects.filter(user=user, at__gte=start).exists():
            continue
        at = start + dt.timedelta(minutes=rng.randrange(0, 40))
        set_tracer_state(user, TracerState.AVAILABLE, at=at, source=SOURCE)
        while at < now - dt.timedelta(minutes=30):
            at += dt.timedelta(minutes=rng.randrange(2, 12))
            set_tracer_state(user, TracerState.ON_CALL, at=at, source=SOURCE)
            at += dt.timedelta(minutes=rng.randrange(5, 25))
            set_tracer_state(user, TracerState.WRAP_UP, at=at, source=SOURCE)
            at += dt.timedelta(minutes=rng.randrange(2, 8))
            set_tracer_state(user, TracerState.AVAILABLE, at=at, source=SOURCE)
            worked += 1
        if i == POOL - 1:
            set_tracer_state(user, TracerState.OFFLINE, at=now - dt.timedelta(minutes=20),
                             source=SOURCE)  # fmt: skip
    contractor = _pool_user("demo.contractor.1", areas, contractor_team)
    if current_states([contractor.pk])[contractor.pk][0] != TracerState.AVAILABLE:
        set_tracer_state(contractor, TracerState.AVAILABLE, at=now, source=SOURCE)
    waiting = TracingTask.objects.filter(
        status=TaskStatus.OPEN, assignee__isnull=True, available_from__isnull=True
    ).order_by("-due_by")[:5]
    deferred = sum(
        defer_task(task, until=now + dt.timedelta(hours=rng.randrange(1, 6)),
                   reason="callback requested (demo)", actor=None, source=SOURCE)
        for task in waiting
    )  # fmt: skip
    return (
        f"Tracing queue: {POOL} pool tracers with {worked} calls today, a contractor tracer "
        f"available, {deferred} callbacks booked."
    )
