"""`tracedesk demo --no-serve` builds a working database with a login for every role."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Role
from tracedesk.cases.models import Case, Contact
from tracedesk.ingest.models import TestResult
from tracedesk.tracing.models import CallAttempt


@pytest.mark.django_db(transaction=True)
def test_demo_builds_and_prints_logins(tmp_path: Path, settings: object) -> None:
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    settings.STATIC_ROOT = tmp_path / "static"  # type: ignore[attr-defined]
    out = StringIO()
    if connection.vendor != "sqlite":
        with pytest.raises(CommandError, match="SQLite"):
            call_command("demo", people=1000, days=30, no_serve=True, stdout=out)
        return
    call_command("demo", people=2000, days=40, seed=3, no_serve=True, stdout=out)
    text = out.getvalue()
    assert "DOES NOT RECONCILE" not in text
    assert Case.objects.exists()
    # Nothing is dated in the future.
    now = timezone.now()
    assert not TestResult.objects.filter(received_at__gt=now).exists()
    assert not Contact.objects.filter(reported_at__gt=now).exists()
    # Every replayed call was made by a tracer whose scope covers the task.
    for attempt in CallAttempt.objects.select_related("task", "tracer"):
        assert attempt.task.jurisdiction in attempt.tracer.jurisdictions.all()
    # The simulated colleagues that fill the queue console (tracing/demo.py) have passwords
    # nobody is given; every account a person can sign in with is printed.
    demo_users = (
        User.objects.filter(username__startswith="demo.", is_active=True)
        .exclude(username__startswith="demo.pool.")
        .exclude(username__startswith="demo.contractor.")
    )
    assert {user.role for user in demo_users} == set(Role.values)
    for user in demo_users:
        line = next(line for line in text.splitlines() if user.username in line)
        tokens = line.split()  # "<role> <username> <password>   scope: <jurisdiction>"
        password = tokens[tokens.index(user.username) + 1]
        client = Client()
        assert client.login(username=user.username, password=password), line
        assert client.get("/", follow=True).status_code == 200
