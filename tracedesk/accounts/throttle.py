"""Sign-in throttling: lock an account, or an address, after repeated failures.

Counted in the database (``LoginFailure``) so every web process sees the same
count. An account locks after ``LOGIN_FAILURES_PER_ACCOUNT`` failures within
``LOGIN_LOCKOUT_MINUTES``; an address after ``LOGIN_FAILURES_PER_IP`` (higher:
an office behind one address has many honest typists). A lock lifts on its own
when the window has passed since the failure that caused it, or at once when an
administrator unlocks the account (``actions.unlock_account``, audited). While
locked, attempts are refused without checking the password and are not counted,
so an attacker cannot keep a victim locked out for ever by guessing slowly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from tracedesk.accounts.models import LoginFailure


def normalise(username: str) -> str:
    return username.strip().casefold()[:150]


def window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


@dataclass(frozen=True)
class Lock:
    reason: str  # "account" or "address"
    until: dt.datetime

    def minutes_left(self, now: dt.datetime) -> int:
        return max(1, int((self.until - now).total_seconds() // 60) + 1)


def _recent(queryset: QuerySet[LoginFailure], now: dt.datetime) -> list[dt.datetime]:
    return list(queryset.filter(at__gt=now - window()).order_by("-at").values_list("at", flat=True))


def lock_for(username: str, ip_address: str | None, now: dt.datetime | None = None) -> Lock | None:
    """Return the lock that refuses this sign-in, or None when it may proceed."""
    now = now or timezone.now()
    by_account = _recent(LoginFailure.objects.filter(username=normalise(username)), now)
    limit = settings.LOGIN_FAILURES_PER_ACCOUNT
    if len(by_account) >= limit:
        return Lock("account", by_account[limit - 1] + window())
    if ip_address:
        by_address = _recent(LoginFailure.objects.filter(ip_address=ip_address), now)
        limit = settings.LOGIN_FAILURES_PER_IP
        if len(by_address) >= limit:
            return Lock("address", by_address[limit - 1] + window())
    return None


def record_failure(username: str, ip_address: str | None) -> None:
    LoginFailure.objects.create(username=normalise(username), ip_address=ip_address)


def clear_account(username: str) -> int:
    """Forget an account's failures (after a successful sign-in, or an unlock)."""
    deleted, _ = LoginFailure.objects.filter(username=normalise(username)).delete()
    return deleted


def is_locked(username: str) -> bool:
    """Whether the account itself is locked (for the administrators' user page)."""
    lock = lock_for(username, None)
    return lock is not None


def purge_older_than(cutoff: dt.datetime) -> int:
    """Delete failures that can no longer count (kept a day for investigation)."""
    deleted, _ = LoginFailure.objects.filter(at__lt=cutoff).delete()
    return deleted
