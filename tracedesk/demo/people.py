"""Demo staff: one account per role, scoped like the test personas."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction

from tracedesk.accounts.actions import create_staff_user
from tracedesk.accounts.models import Team, User
from tracedesk.accounts.roles import Role
from tracedesk.geography.models import Jurisdiction, Level


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str


def _demo_password() -> str:
    return "demo-" + secrets.token_urlsafe(9)


def history_tracer(jurisdiction: Jurisdiction) -> User:
    """Return the tracer who did an area's past work in the demo: its demo tracer if it has
    one, else an account that cannot sign in, so that every replayed call stays in scope."""
    existing = (
        User.objects.filter(
            role=Role.TRACER, jurisdictions=jurisdiction, username__startswith="demo."
        )
        .order_by("-is_active", "username")
        .first()
    )
    if existing:
        return existing
    user = create_staff_user(
        username=f"demo.history.{jurisdiction.code}",
        role=Role.TRACER,
        jurisdictions=[jurisdiction],
        password=secrets.token_urlsafe(32),
        actor=None,
        source="demo",
    )
    user.set_unusable_password()
    user.is_active = False
    user.save(update_fields=["password", "is_active"])
    return user


@transaction.atomic
def create_demo_users() -> list[DemoLogin]:
    """(Re)create one account per role; passwords are new on every run and printed once."""
    local_authorities = list(Jurisdiction.objects.filter(level=Level.LOCAL_AUTHORITY))
    if len(local_authorities) < 2:
        raise ValueError("the demo needs at least two local authorities in the geography")
    home, other = local_authorities[0], local_authorities[-1]
    region = home.parent
    nation = region.parent if region else None
    if region is None or nation is None:
        raise ValueError("local authorities must sit under a region and a nation")
    User.objects.filter(username__startswith="demo.").update(is_active=False)
    team, _ = Team.objects.get_or_create(name=f"{home.name} tracing team")
    plan = [
        (f"demo.tracer.{home.code}", Role.TRACER, home, team),
        (f"demo.tracer.{other.code}", Role.TRACER, other, None),
        (f"demo.supervisor.{home.code}", Role.SUPERVISOR, home, team),
        (f"demo.hpt.{region.code}", Role.HEALTH_PROTECTION, region, None),
        ("demo.analyst", Role.ANALYST, nation, None),
        ("demo.admin", Role.ADMIN, nation, None),
    ]
    logins = []
    for username, role, scope, user_team in plan:
        password = _demo_password()
        existing = User.objects.filter(username=username).first()
        if existing:
            existing.set_password(password)
            existing.is_active = True
            existing.save()
        else:
            create_staff_user(
                username=username,
                role=role,
                jurisdictions=[scope],
                password=password,
                team=user_team,
                actor=None,
                source="demo",
            )
        logins.append(DemoLogin(username, password, Role(role).label, scope.name))
    return logins
