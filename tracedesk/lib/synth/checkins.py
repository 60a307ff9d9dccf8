"""Venue check-ins of a generated outbreak: who scanned a QR code where and when.

Derived after ``generate`` from the same seed, so the outbreak's bytes do not change:
a share of people (``app_share``) use a check-in app; each checks in at every venue
they visit (``Membership.visits``, the same visits the transmission model uses), and
at the venue where they were infected on the day they were infected (the infected
person is a random neighbour of the infector, not necessarily a regular visitor).

Writes ``checkins.csv`` (``venue_id,token,checked_in_at``) and the ground truth
``truth/checkin_tokens.csv`` (``token,person_id``). Tokens are opaque: a keyed hash of
the person slot, stable for a seed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import pathlib
from collections import defaultdict
from collections.abc import Iterator

from .config import SynthConfig
from .layout import Layout
from .membership import Membership
from .places import venue_type
from .population import RESIDENT, Population

CHECKINS = ("venue_id", "token", "checked_in_at")
TOKENS = ("token", "person_id")
# Opening hours by venue kind: (first hour, last hour) of arrival.
HOURS = {
    "hospitality": (11, 22),
    "gym": (6, 21),
    "retail": (9, 18),
    "healthcare": (8, 17),
    "place_of_worship": (9, 19),
}


def config_of(out_dir: pathlib.Path) -> SynthConfig:
    """The configuration a generated outbreak was made with (from its manifest)."""
    import json

    data = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))["config"]
    return SynthConfig(
        people=data["people"],
        days=data["days"],
        seed=data["seed"],
        start=dt.date.fromisoformat(data["start"]),
    )


def token_of(seed: int, pid: int) -> str:
    return "qr-" + hashlib.blake2b(f"{seed}:{pid}".encode(), digest_size=8).hexdigest()


def uses_app(seed: int, pid: int, app_share: float) -> bool:
    digest = hashlib.blake2b(f"app:{seed}:{pid}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") < app_share * 2**32


def _venue_infections(out_dir: pathlib.Path) -> dict[int, list[tuple[int, str]]]:
    """person -> [(day, venue)] of infections that happened at a venue."""
    config = config_of(out_dir)
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    with (out_dir / "truth" / "infections.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["route"] == "venue" and row["setting_id"]:
                day = (dt.date.fromisoformat(row["infected_on"]) - config.start).days
                out[int(row["person_id"])].append((day, row["setting_id"]))
    return out


def iter_checkins(
    out_dir: pathlib.Path, *, app_share: float = 0.5, first_day: int = 0
) -> Iterator[tuple[str, str, str, int]]:
    """Yield ``(venue_id, token, checked_in_at, person_id)``, person by person."""
    config = config_of(out_dir)
    layout = Layout(config)
    population = Population(layout)
    membership = Membership(layout, population)
    infections = _venue_infections(out_dir)
    midnight = dt.datetime.combine(config.start, dt.time.min, tzinfo=dt.UTC)
    for household in range(layout.households):
        for slot in range(layout.sizes[household]):
            pid = household * 8 + slot
            if not uses_app(config.seed, pid, app_share):
                continue
            member = population.member(pid)
            if member is None or member.role == RESIDENT:
                continue
            token = token_of(config.seed, pid)
            extra = infections.get(pid, [])
            for day in range(first_day, config.days):
                venues = membership.visits(pid, member, day)
                for infected_day, venue in extra:
                    if infected_day == day and venue not in venues:
                        venues = [*venues, venue]
                for number, venue in enumerate(venues):
                    kind = venue_type(int(venue.rsplit("-", 1)[1]))
                    first, last = HOURS.get(kind, (9, 18))
                    mix = (pid * 2_654_435_761 + day * 40_503 + number * 977) & 0xFFFFFF
                    minutes = first * 60 + mix % ((last - first + 1) * 60)
                    at = midnight + dt.timedelta(days=day, minutes=minutes, seconds=mix % 60)
                    yield venue, token, at.isoformat(), pid


def write_checkins(
    out_dir: pathlib.Path, *, app_share: float = 0.5, first_day: int = 0
) -> dict[str, int]:
    """Write ``checkins.csv`` and ``truth/checkin_tokens.csv``; return row counts."""
    out_dir = pathlib.Path(out_dir)
    seen: dict[str, int] = {}
    rows = 0
    with (out_dir / "checkins.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CHECKINS)
        for venue, token, at, pid in iter_checkins(
            out_dir, app_share=app_share, first_day=first_day
        ):
            writer.writerow((venue, token, at))
            seen[token] = pid
            rows += 1
    with (out_dir / "truth" / "checkin_tokens.csv").open(
        "w", encoding="utf-8", newline=""
    ) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TOKENS)
        writer.writerows(sorted(seen.items()))
    return {"checkins.csv": rows, "truth/checkin_tokens.csv": len(seen)}
