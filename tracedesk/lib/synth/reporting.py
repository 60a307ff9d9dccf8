"""What the outside world sees: lab results, and contacts and settings as a case reports them."""

from __future__ import annotations

import datetime as dt
import math
import random

from . import rng as rngmod
from .config import SynthConfig
from .events import Infection, Specimen
from .geography import TEST_NAMES
from .membership import Membership
from .names import NICKNAMES, VOWELS
from .population import CHILD, PARENT, RESIDENT, Person, Population
from .writer import Outputs

# Extra (mostly uninfected) contacts a case names besides those they truly exposed.
EXTRA_DAYTIME = {"workplace": 1.0, "school": 1.5, "care_home": 1.5}
EXTRA_SOCIAL = 0.8
# Chance that a true exposure is remembered and named.
REPORT_EXPOSURE = {"workplace": 0.7, "school": 0.6, "care_home": 0.8, "venue": 0.3}
CONTACT_TYPE = {"workplace": "work", "school": "education", "care_home": "healthcare"}
PROXIMITY = {
    "household": rngmod.Weighted(("direct", "within_1m"), (0.7, 0.3)),
    "work": rngmod.Weighted(("direct", "within_1m", "within_2m", "other"), (0.1, 0.35, 0.4, 0.15)),
    "education": rngmod.Weighted(("direct", "within_1m", "within_2m"), (0.1, 0.5, 0.4)),
    "healthcare": rngmod.Weighted(("direct", "within_1m", "within_2m"), (0.5, 0.4, 0.1)),
    "social": rngmod.Weighted(("direct", "within_1m", "within_2m", "other"), (0.2, 0.4, 0.3, 0.1)),
}
DURATION = {  # (low, high) minutes
    "household": (240, 1440),
    "work": (15, 480),
    "education": (60, 360),
    "healthcare": (15, 240),
    "social": (15, 240),
}


class Reporter:
    def __init__(
        self,
        config: SynthConfig,
        population: Population,
        membership: Membership,
        outputs: Outputs,
        rng: random.Random,
    ) -> None:
        self.config = config
        self.errors = config.errors
        self.population = population
        self.membership = membership
        self.out = outputs
        self.rng = rng
        self.start = config.start
        self._reports = 0
        self.interviews = 0
        self.interviews_pending_at_end = 0
        self.end = dt.datetime.combine(
            config.start + dt.timedelta(days=config.days), dt.time.min, tzinfo=dt.UTC
        )

    def date(self, day: int) -> str:
        return (self.start + dt.timedelta(days=day)).isoformat()

    # -- truth -----------------------------------------------------------------------------------
    def infection(self, inf: Infection) -> None:
        self.out["truth/infections.csv"].write(
            (
                inf.pid,
                self.date(inf.infected_on),
                "" if inf.infector < 0 else inf.infector,
                inf.route,
                inf.setting_id,
                "true" if inf.symptomatic else "false",
                self.date(inf.onset) if inf.onset >= 0 else "",
                self.date(inf.tested_on) if inf.tested_on >= 0 else "",
                inf.specimen_id,
            )
        )

    # -- lab results -----------------------------------------------------------------------------
    def lab_result(self, spec: Specimen) -> None:
        rng = self.rng
        err = self.errors
        p = self.population.person(spec.pid)
        self.out.lab.write(
            (
                spec.lab_code,
                spec.specimen_id,
                spec.test_code,
                TEST_NAMES[spec.test_code],
                spec.result,
                spec.collected_at.isoformat(),
                spec.result_at.isoformat(),
                "" if rng.random() < err.lab_nhs_missing else p.nhs_number,
                p.first_name,
                p.last_name,
                p.date_of_birth.isoformat(),
                p.sex,
                "" if rng.random() < err.lab_phone_missing else p.phone,
                "" if rng.random() < err.lab_email_missing else p.email,
                p.address_line1,
                p.address_line2,
                p.town,
                p.postcode,
            )
        )
        self.out["truth/lab_results.csv"].write((spec.specimen_id, spec.pid))
        inf = spec.infection
        if spec.result == "POSITIVE" and inf is not None and not inf.reported:
            inf.reported = True
            if rng.random() < self.config.interview_reach:
                self.interview(spec, inf, p)

    # -- interviews ------------------------------------------------------------------------------
    def interview(self, spec: Specimen, inf: Infection, case: Person) -> None:
        rng = self.rng
        err = self.errors
        reported_at = spec.result_at + dt.timedelta(
            seconds=round(rng.lognormvariate(math.log(16.0), 0.6) * 3600)
        )
        if reported_at >= self.end:
            self.interviews_pending_at_end += 1  # not interviewed yet when the files end
            return
        self.interviews += 1
        collected_day = (spec.collected_at.date() - self.start).days
        report_day = (reported_at.date() - self.start).days
        anchor = inf.onset if inf.symptomatic else collected_day
        named: set[int] = {case.pid}
        rows: list[tuple[Person, str, int]] = []  # (person, contact type, last exposure day)

        household = case.household
        members = self.population.details(household) if case.role != RESIDENT else []
        for person in members:
            if person.pid != case.pid and rng.random() >= err.household_omitted:
                rows.append((person, "household", min(collected_day, report_day)))
                named.add(person.pid)

        for exp in inf.exposures:
            if (
                exp.day <= report_day
                and exp.target not in named
                and rng.random() < REPORT_EXPOSURE[exp.route]
            ):
                ctype = CONTACT_TYPE.get(exp.route) or _social_type(rng)
                rows.append((self.population.person(exp.target), ctype, exp.day))
                named.add(exp.target)

        member = self.population.must(case.pid)
        daytime = self.membership.daytime(case.pid, member)
        first = anchor - 2
        last = max(first, min(collected_day, report_day))
        if daytime is not None:
            for _ in range(rngmod.poisson(rng, EXTRA_DAYTIME[daytime.route])):
                other = self.membership.colleague(rng, daytime, case.pid)
                if other is not None and other not in named:
                    rows.append((self.population.person(other), CONTACT_TYPE[daytime.route],
                                 rng.randint(first, last)))  # fmt: skip
                    named.add(other)
        area = self.population.layout.area_of(household)
        for _ in range(rngmod.poisson(rng, EXTRA_SOCIAL)):
            other = self.membership.neighbour(rng, area, household)
            if other is not None and other not in named:
                rows.append((self.population.person(other), _social_type(rng),
                             rng.randint(first, last)))  # fmt: skip
                named.add(other)

        family_email = case.email if rng.random() < err.shared_family_email else ""
        parent_phone = next(
            (m.phone for m in members if m.role == PARENT and m.phone and m.pid != case.pid),
            case.phone,
        )
        out = self.out["reported_contacts.csv"]
        truth = self.out["truth/reported_contacts.csv"]
        for person, ctype, exposure_day in rows:
            self._reports += 1
            report_id = f"RC{self._reports:09d}"
            kind = "social" if ctype in ("travel", "other") else ctype
            low, high = DURATION[kind]
            details = self._as_reported(person, ctype == "household", family_email, parent_phone)
            out.write(
                (
                    report_id,
                    spec.specimen_id,
                    reported_at.isoformat(),
                    *details,
                    ctype,
                    self.date(exposure_day),
                    PROXIMITY[kind].draw(rng),
                    rng.randint(low, high),
                )
            )
            truth.write((report_id, person.pid))
        self._attendances(spec, inf, anchor)

    def _as_reported(
        self, p: Person, household: bool, family_email: str, parent_phone: str
    ) -> tuple[str, ...]:
        """Return a person's details as the case gives them, with errors at the configured rates."""
        rng = self.rng
        err = self.errors
        first, last = p.first_name, p.last_name
        if first in NICKNAMES and rng.random() < err.nickname:
            first = NICKNAMES[first]
        if rng.random() < err.name_typo:
            if rng.random() < 0.5:
                first = typo(rng, first)
            else:
                last = typo(rng, last)
        dob = ""
        if rng.random() >= (err.dob_missing_household if household else err.dob_missing_other):
            d = p.date_of_birth
            if d.day <= 12 and d.day != d.month and rng.random() < err.dob_day_month_swap:
                d = d.replace(day=d.month, month=d.day)
            elif rng.random() < err.dob_wrong_year:
                shift = rng.choice((-3, -2, -1, 1, 2, 3))
                d = d.replace(year=d.year + shift, day=min(d.day, 28))
            dob = d.isoformat()
        sex = "" if rng.random() < err.sex_missing else p.sex
        if (
            household
            and p.age < 16
            and p.role == CHILD
            and rng.random() < err.parent_phone_for_child
        ):
            phone = parent_phone
        elif rng.random() < (err.phone_missing_household if household else err.phone_missing_other):
            phone = ""
        else:
            phone = p.phone
        if phone and rng.random() < err.phone_reformatted:
            digits = phone.replace(" ", "")
            phone = digits if rng.random() < 0.6 else f"+44 {digits[1:5]} {digits[5:]}"
        if household and family_email:
            email = family_email
        elif rng.random() < err.email_missing:
            email = ""
        else:
            email = p.email
        line1, town, postcode = p.address_line1, p.town, p.postcode
        if p.role == RESIDENT:
            line1 = p.address_line2 or line1
        missing = err.address_missing_household if household else err.address_missing_other
        if rng.random() < missing:
            line1 = town = postcode = ""
        elif rng.random() < err.address_partial:
            if rng.random() < 0.5:
                postcode = ""
            else:
                postcode = postcode.split(" ")[0]
                line1 = ""
        return (first, last, dob, sex, phone, email, line1, town, postcode)

    def _attendances(self, spec: Specimen, inf: Infection, anchor: int) -> None:
        rng = self.rng
        member = self.population.must(inf.pid)
        daytime = self.membership.daytime(inf.pid, member)
        out = self.out["reported_attendances.csv"]
        weekday0 = self.start.weekday()
        for day in range(anchor - 7, anchor - 1):
            attended: list[str] = []
            if daytime is not None and (daytime.route == "care_home" or (weekday0 + day) % 7 < 5):
                attended.append(daytime.setting_id)
            for venue in self.membership.visits(inf.pid, member, day):
                if venue not in attended:
                    attended.append(venue)
            if inf.infected_on == day and inf.setting_id and inf.setting_id not in attended:
                attended.append(inf.setting_id)
            for setting in attended:
                if rng.random() >= self.errors.attendance_omitted:
                    out.write((spec.specimen_id, setting, self.date(day)))


def typo(rng: random.Random, word: str) -> str:
    """Return ``word`` with one plausible typing error, always different from ``word``."""
    if len(word) < 3:
        return word + word[-1]
    for _ in range(10):
        i = 1 + int(rng.random() * (len(word) - 2))
        op = rng.random()
        if op < 0.3:
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif op < 0.55:
            out = word[:i] + word[i + 1 :]
        elif op < 0.75:
            out = word[:i] + word[i] + word[i:]
        else:
            out = word[:i] + rngmod.pick(rng, VOWELS) + word[i + 1 :]
        if out != word:
            return out
    return word + "e"


def _social_type(rng: random.Random) -> str:
    u = rng.random()
    return "social" if u < 0.85 else "other" if u < 0.95 else "travel"
