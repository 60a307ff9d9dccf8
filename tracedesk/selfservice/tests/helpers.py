"""Inviting a world's case and reading its link back from the demo outbox."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

from tracedesk.messaging.gateways import FileGateway
from tracedesk.selfservice.actions import invite_new_cases


def invite_and_read_link(outbox: FileGateway, capture: Any, *, district_case: Any) -> str:
    with capture(execute=True):
        counts = invite_new_cases(timezone.now(), False)
    assert counts["invited"] >= 1
    for line in outbox.read():
        if "/s/" in line["body"]:
            link = re.search(r"https?://\S+/s/[\w-]+/", line["body"])
            assert link is not None
            return link.group(0)
    raise AssertionError("no invitation in the outbox")


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]
