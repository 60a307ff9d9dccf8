"""Online person matching speed against a large register, in the database.

    .venv/bin/python benchmarks/matching_speed.py --people 1000000 --probes 2000
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/matching_speed.py ...

Fills an empty database with ``--people`` generated (distinct) people through the
production write path (``people.actions.create_people`` in chunks of 5,000: addresses,
households, shared residences, stored blocking keys and term frequencies — what
``find_or_create_people`` stores for people who match nobody; ``--fill matched`` sends
each through ``find_or_create_people`` instead), then times single arrivals,
one at a time as the API or a contact form would send them:

* **match**: the decision alone — certain keys (``people.matching.find_matches``),
  then the stored blocking keys and the Fellegi-Sunter scorer
  (``linkage.actions.probable_matches``);
* **find or create**: the whole write (``find_or_create_person``), in a transaction
  rolled back afterwards so the register stays the same size.

Probes are half noisy copies of registered people (a typo, a swapped birth date, a
missing phone; as ``lib/dedupe/synthetic.py`` makes them) and half new people.
Prints the median, p95 and p99 in milliseconds and how probes were decided.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import random
import statistics
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracedesk.people.details import PersonDetails

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHUNK = 5000


def _details(row: dict[str, str]) -> PersonDetails:
    from tracedesk.lib.identifiers import is_valid_nhs_number
    from tracedesk.people.details import parse_person

    number = row.get("national_id", "")
    record = {
        **row,
        "date_of_birth": row.get("dob", ""),  # the synthetic rows name it as the CSV does
        "nhs_number": number if is_valid_nhs_number(number) else "",
    }
    return parse_person(record, record="benchmark")


def _row(person: Any) -> dict[str, str]:
    """A stored person as the synthetic generator's row (to make a noisy copy of)."""
    address = person.address
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "dob": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "sex": person.sex,
        "phone": person.phone,
        "email": person.email,
        "national_id": person.nhs_number,
        "address_line1": address.line1 if address else "",
        "address_line2": address.line2 if address else "",
        "town": address.town if address else "",
        "postcode": address.postcode if address else "",
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--fill",
        choices=("direct", "matched"),
        default="direct",
        help="direct: store the (all distinct) register with people.actions.create_people,"
        " as a register migrated from another system would be; matched: every person through"
        " find_or_create_people, matched against those before it (about 20 times slower)",
    )
    parser.add_argument(
        "--quiet-below",
        type=float,
        default=0.0,
        help="after filling, wait (up to an hour) until the 1-minute load average is below this"
        " before timing: on a shared machine the probes are then timed when it is quiet",
    )
    parser.add_argument(
        "--warm-up",
        type=int,
        default=200,
        help="arrivals of other generated people sent first and not timed: a running server"
        " has its pages and caches warm (a cold first run gave twice the p99); 0 for none",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time probes against the register an earlier run left in TRACEDESK_DATA_DIR",
    )
    args = parser.parse_args()
    os.environ.setdefault("TRACEDESK_DATA_DIR", tempfile.mkdtemp(prefix="tracedesk-speed-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from faker import Faker

    from benchmarks.quiet import wait_until_quiet

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from tracedesk.geography.models import Jurisdiction
    from tracedesk.lib.dedupe.synthetic import _duplicate as duplicate
    from tracedesk.lib.dedupe.synthetic import make_people
    from tracedesk.linkage.actions import NEW, probable_matches
    from tracedesk.people.actions import (
        create_people,
        find_or_create_people,
        find_or_create_person,
        jurisdictions_for_postcodes,
    )
    from tracedesk.people.details import check_storable
    from tracedesk.people.matching import find_matches
    from tracedesk.people.models import Person, match_key
    from tracedesk.testing.world import build_geography

    call_command("migrate", verbosity=0)
    fake = Faker("en_GB")
    fake.seed_instance(args.seed)
    rng = random.Random(args.seed)
    made = loaded = 0.0
    if args.reuse and Person.objects.exists():
        # The register of an earlier run (same --data-dir): copies of people drawn from it.
        leeds = Jurisdiction.objects.get(code="E08000035")
        top = Person.objects.order_by("-pk").values_list("pk", flat=True)[0]
        picked = Person.objects.filter(pk__in=rng.sample(range(1, top + 1), args.probes))
        register = [_row(person) for person in picked.select_related("address")]
        registered = len(register)
    else:
        call_command("flush", interactive=False, verbosity=0)
        build_geography()
        leeds = Jurisdiction.objects.get(code="E08000035")
        started = time.perf_counter()
        register = make_people(args.people, 0, seed=args.seed)
        made = time.perf_counter() - started
        started = time.perf_counter()
        for start in range(0, len(register), CHUNK):
            chunk = [(_details(row), leeds) for row in register[start : start + CHUNK]]
            if args.fill == "matched":
                find_or_create_people(chunk, actor=None, source="benchmark", purpose="benchmark")
                continue
            for details, _ in chunk:
                check_storable(details)
            areas = jurisdictions_for_postcodes({d.postcode for d, _ in chunk})
            create_people(
                [(d, areas.get(d.postcode, leeds.pk),
                  match_key(d.first_name, d.last_name, d.date_of_birth)) for d, _ in chunk],
                actor=None, source="benchmark", purpose="benchmark",
            )  # fmt: skip
        loaded = time.perf_counter() - started
        registered = len(register)
    quiet = wait_until_quiet(args.quiet_below)
    sample = rng.sample(register, min(len(register), args.probes // 2))
    copies = [duplicate(row, fake, rng, None) for row in sample]
    fresh = make_people(args.probes // 2, 0, seed=args.seed + 1)
    probes = [_details(row) for row in copies + fresh]
    filled = (
        f"generated in {made:.0f} s, loaded in {loaded:.0f} s, {registered / loaded:,.0f} people/s"
        if loaded
        else "reused"
    )
    print(
        f"{connection.vendor}: {Person.objects.count():,} people registered ({filled});"
        f" {len(probes):,} probes; {quiet}"
    )

    def arrive(details: PersonDetails) -> tuple[float, float, str]:
        """One arrival: the match decision, then the whole write (rolled back); their ms."""
        t0 = time.perf_counter()
        certain = find_matches([details])[0]
        proposal = probable_matches([details])[0] if certain is None else NEW
        matched = (time.perf_counter() - t0) * 1000
        with transaction.atomic():
            t0 = time.perf_counter()
            find_or_create_person(
                details,
                fallback_jurisdiction=leeds, actor=None, source="benchmark", purpose="benchmark",
            )  # fmt: skip
            written = (time.perf_counter() - t0) * 1000
            transaction.set_rollback(True)
        return matched, written, "certain" if certain else proposal.outcome

    warm = [_details(row) for row in make_people(args.warm_up, 0, seed=args.seed + 2)]
    for details in warm:
        arrive(details)
    print(f"warmed up with {len(warm):,} other arrivals (not timed)")
    match_ms, write_ms = [], []
    outcomes: dict[str, int] = {}
    for details in probes:
        matched, written, outcome = arrive(details)
        match_ms.append(matched)
        write_ms.append(written)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    for name, values in (("match", match_ms), ("find or create", write_ms)):
        print(
            f"{name:>15}: median {statistics.median(values):.2f} ms,"
            f" p95 {percentile(values, 0.95):.2f} ms, p99 {percentile(values, 0.99):.2f} ms"
        )
    print("decisions: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))


if __name__ == "__main__":
    main()
