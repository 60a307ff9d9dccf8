"""The KPI definitions: what each figure counts, versioned. Documented in docs/kpis.md.

Framework-free: the formulas that turn per-record facts into figures live in
``tracedesk.kpis.formulas``; the queries that read the facts in ``facts``.
A change of meaning (not of code) raises the definition's ``version``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["count", "share", "ratio", "hours"]
Direction = Literal["higher", "lower"]
Subject = Literal["case", "contact", "composite", "tracer"]

# The segments a case or contact KPI can be restricted to, by a key suffix ("…:household").
CASE_SEGMENTS = ("complex", "non_complex")
CONTACT_SEGMENTS = ("household", "non_household", "complex", "non_complex")
SEGMENT_TITLES = {
    "complex": "complex (health protection team)",
    "non_complex": "non-complex",
    "household": "household",
    "non_household": "non-household",
}
WITHIN_HOURS = (24, 48, 72)


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    title: str
    version: int
    unit: Unit
    direction: Direction
    numerator: str
    denominator: str
    subject: Subject
    # What a record must satisfy to count in the numerator (see formulas.Totals).
    measure: str
    segment: str = ""
    target: float | None = None
    target_source: str = ""
    notes: str = field(default="", compare=False)

    @property
    def base_key(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def is_proportion(self) -> bool:
        return self.unit == "share"


def _base() -> list[KpiDefinition]:
    defs = [
        KpiDefinition(
            key="cases_transferred",
            title="Cases transferred to tracing",
            version=1,
            unit="count",
            direction="higher",
            numerator="cases whose positive result reached tracing (case created) in the period",
            denominator="none (a count)",
            subject="case",
            measure="count",
        ),
        KpiDefinition(
            key="cases_reached",
            title="Cases reached",
            version=1,
            unit="share",
            direction="higher",
            numerator="of those cases, the ones reached: a 'reach the case' task completed "
            "(a call attempt with outcome 'reached', or the case's own response)",
            denominator="cases transferred to tracing in the period",
            subject="case",
            measure="reached",
        ),
    ]
    for hours in WITHIN_HOURS:
        defs.append(
            KpiDefinition(
                key=f"cases_reached_{hours}h",
                title=f"Cases reached within {hours} hours",
                version=1,
                unit="share",
                direction="higher",
                numerator=f"cases reached less than {hours} hours after transfer to tracing",
                denominator="cases transferred to tracing in the period",
                subject="case",
                measure=f"within_{hours}",
                target=0.8 if hours == 24 else None,
                target_source="local default" if hours == 24 else "",
            )
        )
    defs += [
        KpiDefinition(
            key="contacts_identified",
            title="Contacts identified",
            version=1,
            unit="count",
            direction="higher",
            numerator="contacts named for the cases transferred in the period",
            denominator="none (a count)",
            subject="contact",
            measure="count",
        ),
        KpiDefinition(
            key="contacts_per_reached_case",
            title="Contacts identified per reached case",
            version=1,
            unit="ratio",
            direction="higher",
            numerator="contacts named for the cases transferred in the period",
            denominator="cases transferred in the period and reached",
            subject="composite",
            measure="contacts_per_case",
        ),
        KpiDefinition(
            key="contacts_reached",
            title="Contacts reached",
            version=1,
            unit="share",
            direction="higher",
            numerator="contacts reached: a 'reach the contact' task for the same person, "
            "completed at or after the contact was named",
            denominator="contacts named for the cases transferred in the period",
            subject="contact",
            measure="reached",
        ),
    ]
    for hours in WITHIN_HOURS:
        defs.append(
            KpiDefinition(
                key=f"contacts_reached_{hours}h",
                title=f"Contacts reached within {hours} hours of their case's referral",
                version=1,
                unit="share",
                direction="higher",
                numerator=f"contacts reached less than {hours} hours after their case was "
                "transferred to tracing",
                denominator="contacts named for the cases transferred in the period",
                subject="contact",
                measure=f"within_{hours}",
                target=0.8 if hours == 48 else None,
                target_source="SAGE, May 2020: ~80% of contacts within 48 h" if hours == 48 else "",
            )
        )
    defs += [
        KpiDefinition(
            key="test_to_result_hours",
            title="Time from test to result (mean hours)",
            version=1,
            unit="hours",
            direction="lower",
            numerator="sum over cases of (first positive result time - first specimen time)",
            denominator="cases transferred in the period that have a positive result on record",
            subject="case",
            measure="result_mean",
            target=24.0,
            target_source="local default",
        ),
        KpiDefinition(
            key="results_24h",
            title="Test results within 24 hours",
            version=1,
            unit="share",
            direction="higher",
            numerator="cases whose first positive result came less than 24 hours after "
            "their first specimen was taken",
            denominator="cases transferred in the period that have a positive result on record",
            subject="case",
            measure="result_within_24",
        ),
        KpiDefinition(
            key="test_to_contact_reached_hours",
            title="End-to-end time from test to contacts reached (mean hours)",
            version=1,
            unit="hours",
            direction="lower",
            numerator="sum over reached contacts of (contact reached - their case's first "
            "specimen time)",
            denominator="contacts reached, of the cases transferred in the period",
            subject="contact",
            measure="e2e_mean",
            target=72.0,
            target_source="Kretzschmar et al. 2020: tracing within a day of a 3-day test delay",
        ),
        KpiDefinition(
            key="composite_coverage",
            title="Composite coverage (cases reached x their contacts reached)",
            version=1,
            unit="share",
            direction="higher",
            numerator="cases reached x contacts reached",
            denominator="cases transferred x contacts identified",
            subject="composite",
            measure="composite",
            target=0.8 * 0.8,
            target_source="80% of cases x 80% of contacts",
        ),
        KpiDefinition(
            key="tracer_utilisation",
            title="Tracer utilisation (time on tasks ÷ time available)",
            version=1,
            unit="share",
            direction="higher",
            numerator="seconds tracers spent on a call or in wrap-up",
            denominator="seconds tracers were not offline (available, on a call, wrap-up)",
            subject="tracer",
            measure="utilisation",
            target=0.5,
            target_source="NAO, Dec 2020: 50% target for call handlers",
        ),
    ]
    return defs


def _segmented(base: list[KpiDefinition]) -> list[KpiDefinition]:
    out = list(base)
    for d in base:
        segments = {"case": CASE_SEGMENTS, "contact": CONTACT_SEGMENTS}.get(d.subject, ())
        for segment in segments:
            out.append(
                KpiDefinition(
                    key=f"{d.key}:{segment}",
                    title=f"{d.title} — {SEGMENT_TITLES[segment]}",
                    version=d.version,
                    unit=d.unit,
                    direction=d.direction,
                    numerator=f"{d.numerator}; {SEGMENT_TITLES[segment]} only",
                    denominator=f"{d.denominator}; {SEGMENT_TITLES[segment]} only",
                    subject=d.subject,
                    measure=d.measure,
                    segment=segment,
                    target=d.target,
                    target_source=d.target_source,
                )
            )
    return out


KPIS: dict[str, KpiDefinition] = {d.key: d for d in _segmented(_base())}
