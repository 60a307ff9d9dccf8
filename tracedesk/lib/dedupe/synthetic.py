"""Synthetic people with known duplicates, made with Faker en_GB (never real data)."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from faker import Faker

HEADER = (
    "record_id",
    "first_name",
    "last_name",
    "dob",
    "sex",
    "phone",
    "email",
    "address_line1",
    "town",
    "postcode",
    "national_id",
    "truth",
)


def _person(fake: Faker, rng: random.Random, number: int) -> dict[str, str]:
    sex = rng.choice("MF")
    first = fake.first_name_male() if sex == "M" else fake.first_name_female()
    last = fake.last_name()
    dob: date = fake.date_of_birth(minimum_age=1, maximum_age=95)
    return {
        "first_name": first,
        "last_name": last,
        "dob": dob.isoformat(),
        "sex": sex,
        "phone": f"07700 9{rng.randrange(10**5):05d}",
        "email": f"{first}.{last}{rng.randrange(100)}@example.org".lower(),
        "address_line1": fake.street_address().replace("\n", ", "),
        "town": fake.city(),
        "postcode": fake.postcode(),
        # About a third of records carry an NHS-style number, as in contact-tracing intake.
        "national_id": f"{rng.randrange(10**10):010d}" if rng.random() < 0.35 else "",
        "truth": f"P{number:04d}",
    }


def _transpose(text: str, rng: random.Random) -> str:
    if len(text) < 3:
        return text
    position = rng.randrange(1, len(text) - 1)
    chars = list(text)
    chars[position], chars[position + 1] = chars[position + 1], chars[position]
    return "".join(chars)


def _year_typo(dob: str, rng: random.Random) -> str:
    year = int(dob[:4])
    new_year = year + rng.choice((-1, 1))
    if new_year >= date.today().year:  # noqa: DTZ011 - a synthetic year, no time zone involved
        new_year = year - 1
    candidate = f"{new_year}{dob[4:]}"
    try:
        date.fromisoformat(candidate)
    except ValueError:  # 29 February in a non-leap year
        return dob
    return candidate


def _duplicate(
    person: dict[str, str], fake: Faker, rng: random.Random, errors: int | None = None
) -> dict[str, str]:
    """Copy a person with ``errors`` realistic data-entry errors (default: one or two)."""
    copy = dict(person)
    count = rng.choice((1, 1, 2)) if errors is None else errors
    errors_made = rng.sample(["surname", "year", "phone", "case", "first"], k=count)
    if "first" in errors_made:
        copy["first_name"] = _transpose(copy["first_name"], rng)
    if "surname" in errors_made:
        copy["last_name"] = _transpose(copy["last_name"], rng)
    if "year" in errors_made:
        copy["dob"] = _year_typo(copy["dob"], rng)
    if "phone" in errors_made:
        copy["phone"] = ""
    if "case" in errors_made:
        copy["first_name"] = copy["first_name"].upper()
        copy["last_name"] = copy["last_name"].upper()
    # Some people moved house between the two records.
    if rng.random() < 0.15:
        copy["address_line1"] = fake.street_address().replace("\n", ", ")
        copy["postcode"] = fake.postcode()
    # Intake forms often miss the NHS number and reformat the phone and postcode.
    if rng.random() < 0.5:
        copy["national_id"] = ""
    copy["phone"] = copy["phone"].replace(" ", "")
    copy["postcode"] = copy["postcode"].replace(" ", "").lower()
    copy["email"] = "" if rng.random() < 0.3 else copy["email"]
    return copy


def make_people(
    count: int = 300, duplicates: int = 60, seed: int = 7, errors: int | None = None
) -> list[dict[str, str]]:
    """Return ``count`` people plus ``duplicates`` noisy copies, shuffled, with record ids.

    ``errors``: data-entry errors in each copy (default one or two; up to five)."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rng = random.Random(seed)  # noqa: S311  (synthetic data, not a secret)
    people: list[dict[str, str]] = []
    while len(people) < count:
        person = _person(fake, rng, len(people) + 1)
        people.append(person)
        # Hard negatives: one in eight people shares surname, address and phone with a
        # household member who is a different person.
        if rng.random() < 0.125 and len(people) < count:
            relative = _person(fake, rng, len(people) + 1)
            for key in ("last_name", "address_line1", "town", "postcode", "phone"):
                relative[key] = person[key]
            people.append(relative)
    copies = [_duplicate(p, fake, rng, errors) for p in rng.sample(people, duplicates)]
    rows = people + copies
    rng.shuffle(rows)
    return [{"record_id": str(index), **row} for index, row in enumerate(rows, start=1)]


def write_csv(path: Path, rows: Sequence[dict[str, str]], header: Sequence[str] = HEADER) -> Path:
    """Write rows to ``path`` with the given header (missing keys left blank)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(header), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def pair_scores(truth: dict[str, str], clusters: Sequence[tuple[str, str]]) -> tuple[float, float]:
    """Return pairwise (recall, precision) of clusters against the true person ids."""

    def pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for members in groups.values():
            ordered = sorted(members)
            for i, left in enumerate(ordered):
                for right in ordered[i + 1 :]:
                    found.add((left, right))
        return found

    by_truth: dict[str, list[str]] = {}
    for record_id, person in truth.items():
        by_truth.setdefault(person, []).append(record_id)
    by_cluster: dict[str, list[str]] = {}
    for record_id, cluster_id in clusters:
        by_cluster.setdefault(cluster_id, []).append(record_id)
    true_pairs, found_pairs = pairs(by_truth), pairs(by_cluster)
    recall = len(true_pairs & found_pairs) / len(true_pairs) if true_pairs else 1.0
    precision = len(true_pairs & found_pairs) / len(found_pairs) if found_pairs else 1.0
    return recall, precision
