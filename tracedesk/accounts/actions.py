"""Writes to staff accounts: each atomic and audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from tracedesk.accounts.models import ApiToken, Team, TracerProfile, User, hash_token
from tracedesk.accounts.roles import Role
from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.geography.models import Jurisdiction


@transaction.atomic
def create_staff_user(
    *,
    username: str,
    role: str,
    jurisdictions: Iterable[Jurisdiction],
    password: str,
    team: Team | None = None,
    languages: Iterable[str] = ("en",),
    actor: object,
    source: str,
) -> User:
    """Create a staff account with its scope (and a tracer profile for tracing roles)."""
    user = User(username=username, role=role, team=team)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.jurisdictions.set(jurisdictions)
    if role in {Role.TRACER, Role.SUPERVISOR, Role.HEALTH_PROTECTION}:
        TracerProfile.objects.create(user=user, languages=list(languages))
    record_event(actor, Action.CREATE, user, purpose="staff account created", source=source)
    return user


@transaction.atomic
def issue_token(user: User, name: str, *, actor: object, source: str) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; return it and the key, which is never stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=hash_token(key))
    record_event(actor, Action.CREATE, token, purpose="API token issued", source=source)
    return token, key
