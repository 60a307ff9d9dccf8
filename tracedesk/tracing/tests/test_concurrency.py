"""Many tracers pressing "next" at the same moment never receive the same task.

Real threads, each with its own database connection, released together by a
barrier. On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED``; on SQLite the
transaction takes the write lock at BEGIN. Both must hand out distinct tasks.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from tracedesk.accounts.models import User
from tracedesk.geography.models import Jurisdiction, Level
from tracedesk.tracing.actions import next_task
from tracedesk.tracing.models import TaskStatus, TracingTask
from tracedesk.tracing.tests.factories import case_tasks, tracers

TRACERS = 50


def _press_next_together(users: list[User]) -> tuple[list[int | None], list[BaseException]]:
    barrier = threading.Barrier(len(users))
    got: list[int | None] = [None] * len(users)
    errors: list[BaseException] = []

    def work(index: int, user: User) -> None:
        try:
            barrier.wait(timeout=60)
            task = next_task(user, source="tests")
            got[index] = task.pk if task else None
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, u)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return got, errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("open_tasks", [TRACERS + 10, TRACERS - 20])
def test_fifty_tracers_pressing_next_get_different_tasks(open_tasks: int) -> None:
    leeds = Jurisdiction.objects.create(code="E08000035", name="Leeds", level=Level.LOCAL_AUTHORITY)
    case_tasks(leeds, open_tasks)
    users = tracers(leeds, TRACERS)
    got, errors = _press_next_together(users)
    assert not errors, errors
    handed = [pk for pk in got if pk is not None]
    duplicated = [pk for pk, n in Counter(handed).items() if n > 1]
    assert not duplicated, f"tasks given to two tracers: {duplicated} ({connection.vendor})"
    # Everyone gets a task while there are enough; the others get a clean "none".
    assert len(handed) == min(open_tasks, TRACERS)
    claimed = TracingTask.objects.filter(status=TaskStatus.CLAIMED)
    assert sorted(claimed.values_list("pk", flat=True)) == sorted(handed)
    holders = dict(claimed.values_list("pk", "assignee_id"))
    assert {holders[pk] for pk in handed} == {
        u.pk for u, pk in zip(users, got, strict=True) if pk is not None
    }
