"""Day-by-day transmission in households, daytime settings and venues; overdispersed infectiousness.

State is an "ever infected" bitmap (one bit per person slot, i.e. one byte per household) plus
buckets of scheduled transmission attempts and pending results for the days ahead. Finished
infections are written to ``truth/infections.csv`` as they happen and then forgotten.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from . import rng as rngmod
from .config import SynthConfig
from .events import Exposure, Infection, Specimen
from .geography import HOME_TEST_LABS, LAB_PREFIX, LOCAL_AUTHORITIES, TEST_CODES
from .layout import MEAN_OTHER_MEMBERS, Layout
from .membership import Daytime, Membership
from .population import Member, Population
from .reporting import Reporter
from .writer import Outputs

# Days from symptom onset to specimen collection (booking, travel, home-kit post).
TEST_DELAY = rngmod.Weighted((0, 1, 2, 3, 4, 5), (0.20, 0.35, 0.20, 0.12, 0.08, 0.05))
HOME_KIT_SHARE = 0.3
# Share of community (non-household) transmission in the daytime setting, by daytime role.
DAYTIME_SHARE = {
    "work": 0.45,
    "staff_care": 0.6,
    "staff_school": 0.5,
    "pupil": 0.5,
    "resident": 1.0,
}
WEEKDAY_ROUTES = ("workplace", "school")


class Simulation:
    def __init__(self, config: SynthConfig, layout: Layout, outputs: Outputs) -> None:
        self.config = config
        self.layout = layout
        self.population = Population(layout)
        self.membership = Membership(layout, self.population)
        self.out = outputs
        self.rng = rngmod.derived(config.seed, rngmod.SIMULATION)
        self.ever = bytearray(layout.households)
        self.attempts: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
        self.results: dict[int, list[Specimen]] = defaultdict(list)
        self.reporter = Reporter(config, self.population, self.membership, outputs, self.rng)
        self.midnight = dt.datetime.combine(config.start, dt.time(0), tzinfo=dt.UTC)
        self.results_pending_at_end = 0
        self.start_weekday = config.start.weekday()
        self._specimens = 0
        self.infections = 0
        self.routes: dict[str, int] = defaultdict(int)

        asym = config.asymptomatic_share
        self._mean_rel = (1 - asym) + asym * config.asymptomatic_relative_infectiousness
        self._p_household = min(1.0, config.household_sar / self._mean_rel)
        self.r_community = max(0.05, config.r_target - config.household_sar * MEAN_OTHER_MEMBERS)
        shape = (config.generation_mean_days / config.generation_sd_days) ** 2
        self._gi_shape = shape
        self._gi_scale = config.generation_mean_days / shape
        self._inc_mu = math.log(config.incubation_median_days)

    # -- helpers ---------------------------------------------------------------------------------
    def is_weekday(self, day: int) -> bool:
        return (self.start_weekday + day) % 7 < 5

    def _infected_before(self, pid: int) -> bool:
        return bool(self.ever[pid >> 3] & (1 << (pid & 7)))

    def _generation(self) -> int:
        return max(1, round(self.rng.gammavariate(self._gi_shape, self._gi_scale)))

    def at(self, day: int, hours: float) -> dt.datetime:
        return self.midnight + dt.timedelta(days=day, seconds=round(hours * 3600))

    # -- the run ---------------------------------------------------------------------------------
    def run(self) -> None:
        config = self.config
        rng = self.rng
        n_seeds = max(3, round(config.people * config.seed_fraction))
        seeds: dict[int, list[int]] = defaultdict(list)
        for _ in range(n_seeds):
            seeds[rng.randrange(min(5, config.days))].append(self._random_person())
        for day in range(config.days):
            for pid in seeds.pop(day, []):
                if not self._infected_before(pid):
                    self.infect(pid, day, -1, "seed", "")
            for _ in range(rngmod.poisson(rng, config.people * config.import_rate)):
                pid = self._random_person()
                if not self._infected_before(pid):
                    self.infect(pid, day, -1, "seed", "")
            for target, infector, route, setting in self.attempts.pop(day, []):
                if not self._infected_before(target):
                    self.infect(target, day, infector, route, setting)
            self._background_tests(day)
            self._deliver(day)
        # The files describe the world at the end of the last day: results still in
        # the laboratory then have not been reported yet (the demo ends "now").
        self.results_pending_at_end = sum(len(batch) for batch in self.results.values())
        self.results.clear()

    def _random_person(self) -> int:
        household = self.rng.randrange(self.layout.households)
        return household * 8 + self.rng.randrange(self.layout.sizes[household])

    def _deliver(self, day: int) -> None:
        batch = self.results.pop(day, [])
        batch.sort(key=lambda s: (s.result_at, s.specimen_id))
        for specimen in batch:
            self.reporter.lab_result(specimen)
            self._after_result(specimen, day)

    # -- infection -------------------------------------------------------------------------------
    def infect(self, pid: int, day: int, infector: int, route: str, setting: str) -> None:
        config = self.config
        rng = self.rng
        self.ever[pid >> 3] |= 1 << (pid & 7)
        self.infections += 1
        self.routes[route] += 1
        symptomatic = rng.random() >= config.asymptomatic_share
        rel = 1.0 if symptomatic else config.asymptomatic_relative_infectiousness
        onset = -1
        if symptomatic:
            onset = day + max(1, round(rng.lognormvariate(self._inc_mu, config.incubation_log_sd)))
        inf = Infection(pid, day, infector, route, setting, symptomatic, onset)
        member = self.population.must(pid)
        household = pid >> 3
        if not self.layout.is_wing(household):
            p = self._p_household * rel
            for other in self.population.household_pids(household):
                if other != pid and rng.random() < p:
                    self._schedule(day + self._generation(), other, pid, "household", "")
        daytime = self.membership.daytime(pid, member)
        r_comm = self.r_community * (config.care_home_multiplier if member.role == "R" else 1.0)
        nu = rng.gammavariate(config.dispersion_k, 1.0 / config.dispersion_k) * rel / self._mean_rel
        for _ in range(rngmod.poisson(rng, nu * r_comm)):
            when = day + self._generation()
            if daytime is not None and rng.random() < DAYTIME_SHARE[daytime.kind]:
                self._daytime_attempt(inf, daytime, when)
            else:
                self._venue_attempt(inf, member, when)
        self._plan_test(inf)
        self.reporter.infection(inf)

    def _schedule(self, day: int, target: int, infector: int, route: str, setting: str) -> None:
        if day < self.config.days:
            self.attempts[day].append((target, infector, route, setting))

    def _daytime_attempt(self, inf: Infection, daytime: Daytime, when: int) -> None:
        if daytime.route in WEEKDAY_ROUTES:
            while not self.is_weekday(when):
                when += 1
        target = self.membership.colleague(self.rng, daytime, inf.pid)
        if target is None:
            return
        inf.exposures.append(Exposure(target, when, daytime.route, daytime.setting_id))
        self._schedule(when, target, inf.pid, daytime.route, daytime.setting_id)

    def _venue_attempt(self, inf: Infection, m: Member, when: int) -> None:
        for day in range(when, when + 5):
            venues = self.membership.visits(inf.pid, m, day)
            if venues:
                venue = rngmod.pick(self.rng, venues)
                area = self.layout.area_of(inf.pid >> 3)
                target = self.membership.neighbour(self.rng, area, inf.pid >> 3)
                if target is None:
                    return
                inf.exposures.append(Exposure(target, day, "venue", venue))
                self._schedule(day, target, inf.pid, "venue", venue)
                return

    # -- testing ---------------------------------------------------------------------------------
    def _plan_test(self, inf: Infection) -> None:
        config = self.config
        rng = self.rng
        if inf.symptomatic:
            if rng.random() >= config.test_uptake:
                return
            day = inf.onset + TEST_DELAY.draw(rng)
        else:
            if rng.random() >= config.asymptomatic_test_rate:
                return
            day = inf.infected_on + rng.randint(2, 8)
        if day >= config.days:
            return
        inf.tested_on = day
        positive = rng.random() < config.sensitivity
        self._specimen(inf.pid, day, "POSITIVE" if positive else "NEGATIVE", inf)

    def _specimen(
        self, pid: int, day: int, result: str, inf: Infection | None, retest: bool = False
    ) -> Specimen:
        rng = self.rng
        config = self.config
        if rng.random() < config.void_rate:
            result = "VOID"
        home = rng.random() < HOME_KIT_SHARE
        if home:
            lab = rngmod.pick(rng, HOME_TEST_LABS)
            hours = rng.lognormvariate(math.log(46.0), 0.35)
        else:
            lab = LOCAL_AUTHORITIES[self.layout.area_of(pid >> 3).la].lab_code
            hours = rng.lognormvariate(math.log(20.0), 0.45)
        code = TEST_CODES.draw(rng)[0]
        collected = self.at(day, 8 + rng.random() * 12)
        result_at = collected + dt.timedelta(seconds=round(hours * 3600))
        self._specimens += 1
        specimen = Specimen(
            specimen_id=f"{LAB_PREFIX[lab]}{self._specimens:09d}",
            pid=pid,
            lab_code=lab,
            test_code=code,
            collected_at=collected,
            result_at=result_at,
            result=result,
            infection=inf,
            retest=retest,
        )
        result_day = (result_at - self.midnight).days
        self.results[result_day].append(specimen)
        if inf is not None and not retest:
            inf.specimen_id = specimen.specimen_id
        return specimen

    def _background_tests(self, day: int) -> None:
        rng = self.rng
        for _ in range(rngmod.poisson(rng, self.config.people * self.config.background_test_rate)):
            pid = self._random_person()
            if not self._infected_before(pid):
                self._specimen(pid, day, "NEGATIVE", None)

    def _after_result(self, specimen: Specimen, day: int) -> None:
        rng = self.rng
        config = self.config
        inf = specimen.infection
        retest_day = day + 1 + rng.randrange(2)
        if retest_day >= config.days:
            return
        if specimen.result == "VOID" and rng.random() < 0.8:
            result = "NEGATIVE"
            if inf is not None and rng.random() < config.sensitivity:
                result = "POSITIVE"
            self._specimen(specimen.pid, retest_day, result, inf, retest=True)
        elif (
            specimen.result == "POSITIVE"
            and not specimen.retest
            and rng.random() < config.retest_positive_rate
        ):
            result = "POSITIVE" if rng.random() < 0.85 else "NEGATIVE"
            self._specimen(specimen.pid, retest_day, result, inf, retest=True)
