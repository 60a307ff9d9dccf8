"""`tracedesk people dedupe` as a newcomer runs it: a CSV in, record_id,cluster_id out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

from tracedesk.lib.dedupe.synthetic import make_people, write_csv

ROOT = Path(__file__).resolve().parents[3]


def _tracedesk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own command)
        [sys.executable, "-m", "tracedesk.cli", "people", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_dedupe_writes_one_cluster_per_record_with_mapped_headers(tmp_path: Path) -> None:
    people = make_people(count=120, duplicates=25, seed=3)
    renamed = [{"Patient ID": p["record_id"], "Forename": p["first_name"], **p} for p in people]
    source = write_csv(
        tmp_path / "people.csv",
        renamed,
        header=("Patient ID", "Forename", "last_name", "dob", "sex", "phone", "postcode"),
    )
    out = tmp_path / "clusters.csv"
    done = _tracedesk(
        "dedupe", str(source), "--out", str(out), "--map", "Forename=first_name",
        "--id-column", "Patient ID",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["record_id"] for r in rows] == [p["record_id"] for p in people]
    clusters = {r["record_id"]: r["cluster_id"] for r in rows}
    truth = {p["record_id"]: p["truth"] for p in people}
    duplicates = [(a, b) for a in truth for b in truth if a < b and truth[a] == truth[b]]
    together = sum(clusters[a] == clusters[b] for a, b in duplicates)
    assert duplicates and together / len(duplicates) >= 0.8
    assert "records: 145" in done.stdout


def test_bad_input_exits_2_naming_the_column(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("first_name,last_name\nAda,Lovelace\n", encoding="utf-8")
    done = _tracedesk(
        "dedupe", str(source), "--out", str(tmp_path / "o.csv"), "--id-column", "nope"
    )
    assert done.returncode == 2
    assert "nope" in done.stderr + done.stdout


def test_dedupe_db_queues_each_cluster_for_review_once(world: object) -> None:
    """`dedupe --db` over the people in the database: duplicates queued, explained, once."""
    from django.core.management import call_command

    from tracedesk.linkage.models import MatchReview
    from tracedesk.people.models import Address, Person

    leeds = world.leeds  # type: ignore[attr-defined]
    truth: dict[int, str] = {}
    for row in make_people(count=120, duplicates=25, seed=5):
        address = Address.objects.create(
            line1=row["address_line1"], postcode=row["postcode"], jurisdiction=leeds
        )
        person = Person.objects.create(
            first_name=row["first_name"], last_name=row["last_name"],
            date_of_birth=dt.date.fromisoformat(row["dob"]) if row["dob"] else None,
            phone=row["phone"].replace(" ", "")[:11], email=row["email"], address=address,
            jurisdiction=leeds,
        )  # fmt: skip
        truth[person.pk] = row["truth"]
    before = MatchReview.objects.count()
    out = io.StringIO()
    call_command("people", "dedupe", "--db", stdout=out)
    queued = MatchReview.objects.filter(person_id__in=truth, candidate_id__in=truth)
    assert queued.count() == MatchReview.objects.count() - before > 0
    right = sum(truth[r.person_id] == truth[r.candidate_id] for r in queued)
    assert right / queued.count() >= 0.9  # the pairs queued are mostly true duplicates
    duplicates = len(truth) - len(set(truth.values()))
    assert queued.count() >= 0.8 * duplicates
    review = queued.first()
    assert review is not None and {f["field"] for f in review.explanation["fields"]} >= {"dob"}
    assert "reviews queued" in out.getvalue()
    again = io.StringIO()
    call_command("people", "dedupe", "--db", stdout=again)
    assert MatchReview.objects.count() - before == queued.count()
    assert "reviews queued: 0" in again.getvalue()
