"""View decorators that read the one rights table."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from tracedesk.accounts.roles import Right, require


def requires(right: Right) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Sign-in required (redirect to login), then 403 unless the role carries ``right``."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request.user, right)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate
