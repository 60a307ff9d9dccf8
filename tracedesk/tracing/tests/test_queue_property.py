"""Property: "next" gives exactly the task a plain reading of the rules would choose."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracedesk.accounts.models import TracerProfile
from tracedesk.testing.world import World
from tracedesk.tracing.actions import next_task
from tracedesk.tracing.models import TaskStatus, TracingTask

NOW = timezone.now()

task_specs = st.lists(
    st.fixed_dictionaries(
        {
            "priority": st.integers(1, 5),
            "due_in": st.integers(-120, 3000),  # minutes from now
            "area": st.sampled_from(["leeds", "camden"]),
            "language": st.sampled_from(["en", "en", "pl", "ur"]),
            "skills": st.sampled_from([[], [], ["complex"], ["clinical"], ["complex", "clinical"]]),
            "available_in": st.one_of(st.none(), st.integers(-60, 60)),
            "status": st.sampled_from(["open", "open", "open", "claimed", "done"]),
        }
    ),
    min_size=0,
    max_size=12,
)
tracer_specs = st.fixed_dictionaries(
    {
        "languages": st.sampled_from([["en"], ["en", "pl"], ["ur"]]),
        "skills": st.sampled_from([[], ["complex"], ["clinical", "complex"]]),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=task_specs, tracer_spec=tracer_specs)
def test_next_picks_the_first_task_the_rules_allow(
    world: World, specs: list[dict[str, Any]], tracer_spec: dict[str, list[str]]
) -> None:
    tracer = world.users["tracer_a"]  # Leeds
    template = world.district("a").case_task
    with transaction.atomic():
        TracingTask.objects.update(status=TaskStatus.DONE)
        TracerProfile.objects.filter(user=tracer).update(**tracer_spec)
        tracer.refresh_from_db()
        made = []
        for spec in specs:
            available_in = spec["available_in"]
            made.append(
                TracingTask.objects.create(
                    kind="notify_setting",
                    setting=world.district("a").setting,
                    jurisdiction=world.leeds if spec["area"] == "leeds" else world.camden,
                    priority=spec["priority"],
                    due_by=NOW + dt.timedelta(minutes=int(spec["due_in"])),
                    language=spec["language"],
                    required_skills=spec["skills"],
                    available_from=None
                    if available_in is None
                    else NOW + dt.timedelta(minutes=int(available_in)),
                    status=spec["status"],
                    assignee=world.users["tracer_b"] if spec["status"] == "claimed" else None,
                )
            )
        allowed = [
            t
            for t in made
            if t.status == "open"
            and t.jurisdiction_id == world.leeds.pk
            and t.language in tracer_spec["languages"]
            and set(t.required_skills) <= set(tracer_spec["skills"])
            and (t.available_from is None or t.available_from <= NOW)
        ]
        expected = min(allowed, key=lambda t: (t.priority, t.due_by, t.pk), default=None)
        got = next_task(tracer, now=NOW, source="tests")
        assert (got.pk if got else None) == (expected.pk if expected else None)
        assert template.pk not in {t.pk for t in made}
        transaction.set_rollback(True)
