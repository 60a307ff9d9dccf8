"""Synthetic outbreak generator: a seeded, streaming, framework-free source of realistic test data.

``generate(SynthConfig(people=5000, days=60, seed=1), out_dir)`` writes the CSV files described in
docs/synth.md and returns the manifest (also written to ``manifest.json``).
"""

from __future__ import annotations

import datetime as dt
import pathlib
from typing import Any

from .config import GENERATOR_VERSION, LAB_FORMATS, ErrorRates, SynthConfig
from .geography import geography_rows
from .labfeed import LabFeed, hl7_time
from .layout import SLOTS, Layout
from .places import iter_settings
from .transmission import Simulation
from .writer import LAB_FILE, Outputs, sha256_of, write_manifest

__all__ = ["GENERATOR_VERSION", "LAB_FORMATS", "ErrorRates", "SynthConfig", "generate"]


def generate(config: SynthConfig, out_dir: pathlib.Path) -> dict[str, Any]:
    """Write one synthetic outbreak into ``out_dir`` and return its manifest."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layout = Layout(config)
    # Batch envelopes are stamped with the end of the window: deterministic, never in the future.
    window_end = dt.datetime.combine(
        config.start + dt.timedelta(days=config.days), dt.time.min, tzinfo=dt.UTC
    )
    skip = () if "csv" in config.lab_formats else (LAB_FILE,)
    with Outputs(out_dir, skip=skip) as out:
        feed = out.lab = LabFeed(
            config,
            out_dir,
            out.files.get(LAB_FILE),
            out["truth/malformed.csv"],
            hl7_time(window_end.isoformat()),
        )
        out["geography.csv"].write_many(geography_rows())
        out["settings.csv"].write_many(iter_settings(layout))
        sim = Simulation(config, layout, out)
        _write_people(sim, out)
        sim.run()
    counts = out.counts()
    manifest: dict[str, Any] = {
        "generator": "tracedesk.lib.synth",
        "version": GENERATOR_VERSION,
        "config": config.to_json(),
        "files": {
            name: {"rows": rows, "sha256": sha256_of(out_dir / name)}
            for name, rows in sorted(counts.items())
        },
        "summary": {
            "people": config.people,
            "households": layout.households,
            "areas": len(layout.areas),
            "care_homes": len(layout.care_home_areas),
            "infections": sim.infections,
            "infections_by_route": dict(sorted(sim.routes.items())),
            "interviews": sim.reporter.interviews,
            "interviews_pending_at_end": sim.reporter.interviews_pending_at_end,
            "results_pending_at_end": sim.results_pending_at_end,
            "r_community": round(sim.r_community, 4),
            "malformed_records": feed.malformed_counts(),
        },
    }
    write_manifest(out_dir, manifest)
    return manifest


def _write_people(sim: Simulation, out: Outputs) -> None:
    """Stream truth/people.csv household by household; nothing is kept."""
    population = sim.population
    membership = sim.membership
    writer = out["truth/people.csv"]
    for household in range(sim.layout.households):
        _, members = population.core(household)
        for p in population.details(household):
            writer.write(
                (
                    p.pid,
                    household,
                    p.first_name,
                    p.last_name,
                    p.date_of_birth.isoformat(),
                    p.sex,
                    p.nhs_number,
                    p.phone,
                    p.email,
                    p.address_line1,
                    p.address_line2,
                    p.town,
                    p.postcode,
                    p.la_code,
                    p.language,
                    membership.daytime_id(p.pid, members[p.pid - household * SLOTS]),
                )
            )
