"""The generator's check-ins and the demo's clusters, end to end on a small outbreak."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from tracedesk.clusters.demo import populate
from tracedesk.clusters.models import Cluster
from tracedesk.demo.loader import OutbreakLoader
from tracedesk.lib.synth import SynthConfig, generate
from tracedesk.lib.synth.checkins import token_of, uses_app, write_checkins
from tracedesk.places.models import CheckIn, CheckInBatch, DeviceToken

CONFIG = SynthConfig(people=1_500, days=40, seed=5, lab_formats=("csv",),
                     start=dt.datetime.now(tz=dt.UTC).date() - dt.timedelta(days=40))  # fmt: skip


@pytest.fixture(scope="module")
def outbreak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("outbreak")
    generate(CONFIG, out)
    return out


def test_check_ins_are_deterministic_and_include_venue_infections(outbreak: Path) -> None:
    first = write_checkins(outbreak, app_share=0.5)
    text = (outbreak / "checkins.csv").read_bytes()
    assert write_checkins(outbreak, app_share=0.5) == first
    assert (outbreak / "checkins.csv").read_bytes() == text
    with (outbreak / "checkins.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == first["checkins.csv"] > 0
    assert all(row["venue_id"].startswith("VEN-") for row in rows)
    seen = {(row["token"], row["venue_id"], row["checked_in_at"][:10]) for row in rows}
    with (outbreak / "truth" / "infections.csv").open(encoding="utf-8", newline="") as handle:
        at_venues = [r for r in csv.DictReader(handle) if r["route"] == "venue"]
    users = [r for r in at_venues if uses_app(CONFIG.seed, int(r["person_id"]), 0.5)]
    assert users, "the outbreak has venue infections of app users"
    for r in users:
        token = token_of(CONFIG.seed, int(r["person_id"]))
        assert (token, r["setting_id"], r["infected_on"]) in seen


@pytest.mark.django_db
def test_the_demo_step_imports_links_and_proposes(outbreak: Path) -> None:
    OutbreakLoader(outbreak).load()
    summary = populate(seed=CONFIG.seed, out_dir=outbreak, checkin_days=CONFIG.days)
    batch = CheckInBatch.objects.get()
    assert batch.reconciles and batch.rejected_count == 0
    assert CheckIn.objects.count() == batch.accepted_count > 0
    assert DeviceToken.objects.filter(person__isnull=False).exists()
    assert Cluster.objects.exists()
    assert f"{Cluster.objects.count()} clusters proposed" in summary
