"""Signing out takes a tracer offline (their utilisation stops counting)."""

from __future__ import annotations

from typing import Any

from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Right, has_right
from tracedesk.tracing.actions import set_tracer_state
from tracedesk.tracing.models import TracerState, TracerStateChange


def offline_on_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if not isinstance(user, User) or not has_right(user, Right.WORK_TASKS):
        return
    if TracerStateChange.objects.filter(user=user).exists():
        set_tracer_state(user, TracerState.OFFLINE, source="web")
