"""Person matching quality on a generated outbreak, through the application, against its truth.

    .venv/bin/python benchmarks/matching_outbreak.py --people 5000 --days 60 --noise 0,1,2,3

For each noise level (the generator's ``ErrorRates`` for what cases report about
their contacts, multiplied by the level: 1 is the generator's default, 0 none), a
fresh database is filled by the demo's loader — every positive result and every
contact a case names goes through ``people.actions.find_or_create_people`` exactly
as in production — and compared with the generator's ``truth/`` files:

* **pairwise** precision, recall and F1 over the records that went through matching
  (positive results and named contacts): a pair is predicted "same" when both records
  ended on one Person, true "same" when the generator made them for one person;
* **cluster** precision (share of the Persons created whose records are exactly one
  true person's) and recall (share of true people whose records ended on exactly one
  Person, alone);
* the **review queue**: reviews opened and how many were true duplicates;
* **household identification**: for every case, the share of its true household
  members (other residents of its generated household) that the case named as
  contacts, that were proposed when the case was created (``linkage.households``),
  and either.

Runs on SQLite in a temporary directory (and on PostgreSQL too when ``DATABASE_URL``
names one). No timing claims: see ``matching_speed.py``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import os
import pathlib
import sys
import tempfile
import time
from collections import Counter, defaultdict
from math import comb

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _truth(directory: pathlib.Path, name: str, key: str) -> dict[str, str]:
    with (directory / "truth" / name).open(newline="") as handle:
        return {row[key]: row["person_id"] for row in csv.DictReader(handle)}


def _households(directory: pathlib.Path) -> dict[str, str]:
    with (directory / "truth" / "people.csv").open(newline="") as handle:
        return {row["person_id"]: row["household_id"] for row in csv.DictReader(handle)}


def pairwise(mentions: list[tuple[str, int]]) -> tuple[float, float, float]:
    """Precision, recall and F1 over all pairs of (true id, predicted id) mentions."""
    both = Counter(mentions)
    true = Counter(t for t, _ in mentions)
    predicted = Counter(p for _, p in mentions)
    hits = sum(comb(n, 2) for n in both.values())
    precision = hits / max(1, sum(comb(n, 2) for n in predicted.values()))
    recall = hits / max(1, sum(comb(n, 2) for n in true.values()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def clusters(mentions: list[tuple[str, int]]) -> tuple[float, float]:
    """Cluster precision and recall: exact agreement of predicted and true groups."""
    by_true: dict[str, set[int]] = defaultdict(set)
    by_predicted: dict[int, set[str]] = defaultdict(set)
    for true, predicted in mentions:
        by_true[true].add(predicted)
        by_predicted[predicted].add(true)
    pure = sum(1 for trues in by_predicted.values() if len(trues) == 1)
    whole = sum(
        1 for predicted in by_true.values()
        if len(predicted) == 1 and len(by_predicted[next(iter(predicted))]) == 1
    )  # fmt: skip
    return pure / max(1, len(by_predicted)), whole / max(1, len(by_true))


def replay(directory: pathlib.Path) -> tuple[int, int]:
    """Load the outbreak as it happened: results and named contacts in time order, each
    at its own time (the demo's loader reads file by file, so every result would precede
    every contact, and a new case would never find the household members that earlier
    cases named).
    Returns (records read, records rejected)."""
    import time_machine
    from django.core.exceptions import ValidationError

    from tracedesk.demo.loader import OutbreakLoader

    loader = OutbreakLoader(directory)

    def rows(name: str) -> list[dict[str, str]]:
        with (directory / name).open(newline="") as handle:
            return list(csv.DictReader(handle))

    for row in rows("geography.csv"):
        loader.load_jurisdiction(0, row)
    for row in rows("settings.csv"):
        loader.load_setting(0, row)
    events = [(row["result_at"], 0, row) for row in rows("lab_results.csv")]
    events += [(row["reported_at"], 1, row) for row in rows("reported_contacts.csv")]
    events.sort(key=lambda event: (event[0], event[1]))
    rejected = 0
    for number, (at, kind, row) in enumerate(events, start=2):
        # At the event's own time, so that what the application dates "now" (a case's
        # recent specimens, a proposal's time) reads as it would have then.
        with time_machine.travel(dt.datetime.fromisoformat(at), tick=False):
            try:
                (loader.load_contact if kind else loader.load_lab_result)(number, row)
            except ValidationError:
                rejected += 1
    return len(events), rejected


def measure(directory: pathlib.Path) -> dict[str, float]:
    """Load one generated outbreak into the (empty) database and compare with its truth."""
    from tracedesk.cases.models import Case, Contact
    from tracedesk.ingest.models import TestResult
    from tracedesk.linkage.models import HouseholdProposal, MatchReview
    from tracedesk.people.models import Person

    started = time.perf_counter()
    read, rejected = replay(directory)
    seconds = time.perf_counter() - started
    specimen_truth = _truth(directory, "lab_results.csv", "specimen_id")
    report_truth = _truth(directory, "reported_contacts.csv", "report_id")
    household_of = _households(directory)
    survivor: dict[int, int] = dict(
        Person.objects.exclude(merged_into=None).values_list("pk", "merged_into_id")
    )

    def final(pk: int) -> int:
        while pk in survivor:
            pk = survivor[pk]
        return pk

    mentions: list[tuple[str, int]] = []
    for specimen, person in TestResult.objects.filter(result="positive").values_list(
        "specimen_id", "person_id"
    ):
        if person is not None and specimen in specimen_truth:
            mentions.append((specimen_truth[specimen], final(person)))
    for ref, person in Contact.objects.exclude(source_ref="").values_list("source_ref", "person"):
        report_id = ref.removeprefix("synth:")
        if report_id in report_truth:
            mentions.append((report_truth[report_id], final(person)))
    precision, recall, f1 = pairwise(mentions)
    cluster_precision, cluster_recall = clusters(mentions)

    person_truth: dict[int, Counter[str]] = defaultdict(Counter)
    for true, predicted in mentions:
        person_truth[predicted][true] += 1
    majority = {p: counts.most_common(1)[0][0] for p, counts in person_truth.items()}
    reviews = list(MatchReview.objects.values_list("person_id", "candidate_id"))
    right = [(a, b) for a, b in reviews if a in majority and majority[a] == majority.get(b)]
    true_reviews = len(right)
    # A reviewer who decides every review correctly merges exactly the true pairs.
    merged = dict(right)

    def reviewed(pk: int) -> int:
        seen = set()
        while pk in merged and pk not in seen:
            seen.add(pk)
            pk = merged[pk]
        return pk

    _, _, f1_reviewed = pairwise([(true, reviewed(p)) for true, p in mentions])

    members: dict[str, set[str]] = defaultdict(set)
    for resident, household in household_of.items():
        members[household].add(resident)
    named: dict[int, set[str]] = defaultdict(set)
    for case, person in Contact.objects.values_list("case_id", "person_id"):
        if final(person) in majority:
            named[case].add(majority[final(person)])
    proposed: dict[int, set[str]] = defaultdict(set)
    for case, person in HouseholdProposal.objects.values_list("case_id", "person_id"):
        if final(person) in majority:
            proposed[case].add(majority[final(person)])
    totals = Counter[str]()
    for case, person in Case.objects.values_list("pk", "person_id"):
        me = majority.get(final(person))
        if me is None:
            continue
        others = members[household_of[me]] - {me}
        totals["members"] += len(others)
        totals["named"] += len(others & named[case])
        totals["proposed"] += len(others & proposed[case])
        totals["either"] += len(others & (named[case] | proposed[case]))
    share = {k: totals[k] / max(1, totals["members"]) for k in ("named", "proposed", "either")}
    return {
        "load_s": seconds,
        "read": read,
        "rejected": rejected,
        "records": len(mentions),
        "people": len({true for true, _ in mentions}),
        "persons": len({predicted for _, predicted in mentions}),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "f1_reviewed": f1_reviewed,
        "cluster_precision": cluster_precision,
        "cluster_recall": cluster_recall,
        "reviews": len(reviews),
        "true_reviews": true_reviews,
        "household_members": totals["members"],
        "named": share["named"],
        "proposed": share["proposed"],
        "either": share["either"],
    }


def scaled(rates: object, factor: float) -> object:
    """The error rates multiplied by ``factor`` (each capped at 1); formatting rates kept."""
    changes = {
        field.name: min(1.0, getattr(rates, field.name) * factor)
        for field in dataclasses.fields(rates)  # type: ignore[arg-type]
        if field.name not in {"phone_reformatted", "parent_phone_for_child", "shared_family_email"}
    }
    return dataclasses.replace(rates, **changes)  # type: ignore[type-var]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise", default="0,1,2,3", help="error-rate multipliers")
    args = parser.parse_args()
    temp = tempfile.mkdtemp(prefix="tracedesk-matching-")
    os.environ.setdefault("TRACEDESK_DATA_DIR", temp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tracedesk.lib.synth import ErrorRates, SynthConfig, generate

    call_command("migrate", verbosity=0)
    print(
        f"{args.people:,} people, {args.days} days, seed {args.seed}, {connection.vendor};"
        " records = positive results + named contacts"
    )
    print(
        f"{'noise':>5} {'records':>7} {'people':>6} {'persons':>7} {'P':>6} {'R':>6} {'F1':>6}"
        f" {'clP':>6} {'clR':>6} {'reviews':>7} {'true':>5} {'F1+rev':>6} {'members':>7}"
        f" {'named':>6}"
        f" {'proposed':>8} {'either':>6} {'load s':>6}"
    )
    for factor in (float(f) for f in args.noise.split(",")):
        call_command("flush", interactive=False, verbosity=0)
        config = SynthConfig(
            people=args.people, days=args.days, seed=args.seed, lab_formats=("csv",),
            errors=scaled(ErrorRates(), factor),  # type: ignore[arg-type]
        )  # fmt: skip
        out = pathlib.Path(temp) / f"noise-{factor}"
        generate(config, out)
        m = measure(out)
        print(
            f"{factor:>5.1f} {m['records']:>7,.0f} {m['people']:>6,.0f} {m['persons']:>7,.0f}"
            f" {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}"
            f" {m['cluster_precision']:>6.3f} {m['cluster_recall']:>6.3f}"
            f" {m['reviews']:>7,.0f} {m['true_reviews']:>5,.0f} {m['f1_reviewed']:>6.3f}"
            f" {m['household_members']:>7,.0f}"
            f" {m['named']:>6.3f} {m['proposed']:>8.3f} {m['either']:>6.3f} {m['load_s']:>6.0f}"
        )


if __name__ == "__main__":
    main()
