"""The synthetic outbreak generator: determinism, file contracts, data validity and error rates."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import pathlib
import re
from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracedesk.lib.identifiers import is_valid_nhs_number
from tracedesk.lib.identifiers import nhs_check_digit as project_check_digit
from tracedesk.lib.postcodes import normalise_postcode
from tracedesk.lib.synth import SynthConfig, generate
from tracedesk.lib.synth.cli import add_arguments, config_from_options
from tracedesk.lib.synth.geography import LA_BY_CODE, POSTCODE_RE, unit_code
from tracedesk.lib.synth.labfeed import FILE_NAMES
from tracedesk.lib.synth.names import NICKNAMES
from tracedesk.lib.synth.population import NHS_CAPACITY, nhs_check_digit, nhs_number_for
from tracedesk.lib.synth.reporting import typo
from tracedesk.lib.synth.writer import FILES

EMAIL_RE = re.compile(r"^[a-z0-9.]+@example\.(com|org|net)$")
PHONE_RE = re.compile(r"^07700 9\d{5}$")

Rows = list[dict[str, str]]


def read(path: pathlib.Path) -> Rows:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


class Run:
    def __init__(self, out: pathlib.Path, manifest: dict[str, object]) -> None:
        self.out = out
        self.manifest = manifest
        self._cache: dict[str, Rows] = {}

    def rows(self, name: str) -> Rows:
        if name not in self._cache:
            self._cache[name] = read(self.out / name)
        return self._cache[name]

    def people(self) -> dict[str, dict[str, str]]:
        return {r["person_id"]: r for r in self.rows("truth/people.csv")}


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("medium")
    return Run(out, generate(SynthConfig(people=5_000, days=60, seed=1), out))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("small")
    return Run(out, generate(SynthConfig(people=1_000, days=30, seed=7), out))


# -- determinism and file contracts ------------------------------------------------------------
def _bytes(out: pathlib.Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(tmp_path: pathlib.Path) -> None:
    config = SynthConfig(people=1_500, days=40, seed=11)
    generate(config, tmp_path / "a")
    generate(config, tmp_path / "b")
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert a.keys() == b.keys()
    assert set(a) == {*FILES, *FILE_NAMES.values(), "manifest.json"}
    for name in a:
        assert a[name] == b[name], name


def test_different_seed_gives_different_data(tmp_path: pathlib.Path) -> None:
    generate(SynthConfig(people=1_500, days=40, seed=11), tmp_path / "a")
    generate(SynthConfig(people=1_500, days=40, seed=12), tmp_path / "b")
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    for name in ("truth/people.csv", "lab_results.csv", "settings.csv"):
        assert a[name] != b[name], name


def test_manifest_counts_and_hashes_match_files(medium: Run) -> None:
    files = medium.manifest["files"]
    assert isinstance(files, dict)
    assert set(files) == {*FILES, *FILE_NAMES.values()}
    for name in FILE_NAMES.values():
        raw = (medium.out / name).read_bytes()
        assert files[name]["sha256"] == hashlib.sha256(raw).hexdigest()
        assert files[name]["rows"] == files["lab_results.csv"]["rows"]
    for name, header in FILES.items():
        raw = (medium.out / name).read_bytes()
        assert b"\r" not in raw
        lines = raw.decode("utf-8").split("\n")
        assert lines[-1] == ""
        assert lines[0] == ",".join(header)
        assert files[name]["rows"] == len(read(medium.out / name))
        assert files[name]["sha256"] == hashlib.sha256(raw).hexdigest()
    on_disk = json.loads((medium.out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == medium.manifest
    assert on_disk["config"]["people"] == 5_000
    assert files["truth/people.csv"]["rows"] == 5_000


def test_medium_run_has_a_demo_sized_outbreak(medium: Run) -> None:
    positives = [r for r in medium.rows("lab_results.csv") if r["result"] == "POSITIVE"]
    assert 150 <= len(positives) <= 600
    results = Counter(r["result"] for r in medium.rows("lab_results.csv"))
    assert results["VOID"] > 0
    assert results["VOID"] < 0.05 * sum(results.values())
    assert len(medium.rows("reported_contacts.csv")) > len(positives)
    assert medium.rows("reported_attendances.csv")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_smallest_population_still_has_cases(tmp_path: pathlib.Path, seed: int) -> None:
    generate(SynthConfig(people=1_000, days=60, seed=seed), tmp_path)
    results = Counter(r["result"] for r in read(tmp_path / "lab_results.csv"))
    assert results["POSITIVE"] > 0


# -- validity of personal data -----------------------------------------------------------------
def test_nhs_numbers_valid_unique_and_in_test_range(medium: Run) -> None:
    numbers = [r["nhs_number"] for r in medium.rows("truth/people.csv")]
    assert all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    lab = [r["nhs_number"] for r in medium.rows("lab_results.csv") if r["nhs_number"]]
    assert lab
    assert set(lab) <= set(numbers)


def test_emails_only_at_reserved_domains(medium: Run) -> None:
    for name in ("truth/people.csv", "lab_results.csv", "reported_contacts.csv"):
        emails = [r["email"] for r in medium.rows(name) if r["email"]]
        assert emails, name
        assert all(EMAIL_RE.match(e) for e in emails), name


def test_phones_in_drama_range(medium: Run) -> None:
    phones = [r["phone"] for r in medium.rows("truth/people.csv") if r["phone"]]
    assert phones
    assert all(PHONE_RE.match(p) and p.startswith("07700 900") for p in phones)


def test_postcodes_well_formed_and_owned_by_their_authority(medium: Run) -> None:
    for name in ("truth/people.csv", "settings.csv"):
        for r in medium.rows(name):
            postcode = r["postcode"]
            assert POSTCODE_RE.match(postcode), postcode
            assert normalise_postcode(postcode) == postcode
            assert postcode.split(" ")[0] in LA_BY_CODE[r["la_code"]].districts
            assert r["town"] == LA_BY_CODE[r["la_code"]].name


def test_households_share_an_address(medium: Run) -> None:
    addresses: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for r in medium.rows("truth/people.csv"):
        addresses[r["household_id"]].add((r["address_line1"], r["address_line2"], r["postcode"]))
    assert all(len(a) == 1 for a in addresses.values())
    assert len(addresses) == medium.manifest["summary"]["households"]  # type: ignore[index]


def test_ages_and_languages_are_plausible(medium: Run) -> None:
    start = dt.date(2020, 9, 1)
    ages = [(start - dt.date.fromisoformat(r["date_of_birth"])).days / 365.25
            for r in medium.rows("truth/people.csv")]  # fmt: skip
    assert min(ages) >= 0
    assert max(ages) < 103
    assert 0.15 < sum(a < 18 for a in ages) / len(ages) < 0.30
    languages = Counter(r["preferred_language"] for r in medium.rows("truth/people.csv"))
    assert 0.8 < languages["en"] / sum(languages.values()) < 0.97
    assert len(languages) >= 5


def test_geography_hierarchy(medium: Run) -> None:
    rows = {r["code"]: r for r in medium.rows("geography.csv")}
    assert rows["E92000001"]["level"] == "nation"
    assert rows["E12000003"]["parent_code"] == "E92000001"
    assert rows["E08000035"]["parent_code"] == "E12000003"
    assert rows["E08000035"]["postcode_districts"].split()[0] == "LS1"
    for r in rows.values():
        if r["level"] != "nation":
            assert r["parent_code"] in rows
        assert bool(r["postcode_districts"]) == (r["level"] == "local_authority")


# -- referential integrity against the truth ---------------------------------------------------
def test_every_reported_contact_is_a_real_person(medium: Run) -> None:
    people = medium.people()
    truth = {r["report_id"]: r["person_id"] for r in medium.rows("truth/reported_contacts.csv")}
    reported = medium.rows("reported_contacts.csv")
    assert {r["report_id"] for r in reported} == set(truth)
    assert all(pid in people for pid in truth.values())
    specimens = {
        r["specimen_id"] for r in medium.rows("lab_results.csv") if r["result"] == "POSITIVE"
    }
    assert all(r["case_specimen_id"] in specimens for r in reported)
    types = Counter(r["contact_type"] for r in reported)
    assert types["household"] > 0
    assert types["work"] + types["education"] > 0
    assert types["social"] > 0
    assert set(types) <= {
        "household",
        "work",
        "education",
        "social",
        "healthcare",
        "travel",
        "other",
    }
    assert {r["proximity"] for r in reported} <= {"direct", "within_1m", "within_2m", "other"}


def test_every_specimen_maps_to_a_person(medium: Run) -> None:
    people = medium.people()
    truth = {r["specimen_id"]: r["person_id"] for r in medium.rows("truth/lab_results.csv")}
    lab = medium.rows("lab_results.csv")
    assert len(truth) == len(lab)
    assert {r["specimen_id"] for r in lab} == set(truth)
    infected = {r["person_id"] for r in medium.rows("truth/infections.csv")}
    for r in lab:
        person = people[truth[r["specimen_id"]]]
        if r["nhs_number"]:
            assert r["nhs_number"] == person["nhs_number"]
        if r["result"] == "POSITIVE":
            assert truth[r["specimen_id"]] in infected


def test_lab_results_sorted_by_result_time(medium: Run) -> None:
    times = [dt.datetime.fromisoformat(r["result_at"]) for r in medium.rows("lab_results.csv")]
    assert all(t.tzinfo is not None and t.utcoffset() == dt.timedelta(0) for t in times)
    assert times == sorted(times)
    for r in medium.rows("lab_results.csv"):
        assert r["specimen_collected_at"] < r["result_at"]


def test_infector_was_infected_earlier(medium: Run) -> None:
    infections = medium.rows("truth/infections.csv")
    first: dict[str, str] = {}
    for r in infections:
        first.setdefault(r["person_id"], r["infected_on"])
    routes = Counter(r["route"] for r in infections)
    assert {"seed", "household", "workplace", "school", "venue"} <= set(routes)
    for r in infections:
        if r["route"] == "seed":
            assert r["infector_id"] == ""
            continue
        assert first[r["infector_id"]] < r["infected_on"]
        assert bool(r["setting_id"]) == (r["route"] != "household")


def test_attendances_name_known_settings_before_onset(medium: Run) -> None:
    settings_ids = {r["setting_id"] for r in medium.rows("settings.csv")}
    assert set(Counter(r["setting_type"] for r in medium.rows("settings.csv"))) == {
        "workplace", "school", "care_home", "hospitality", "gym", "place_of_worship", "retail",
        "healthcare",
    }  # fmt: skip
    attendances = medium.rows("reported_attendances.csv")
    assert all(r["setting_id"] in settings_ids for r in attendances)
    daytime = {r["daytime_setting_id"] for r in medium.rows("truth/people.csv")} - {""}
    assert daytime <= settings_ids


def test_household_secondary_attack_rate_is_plausible(medium: Run) -> None:
    people = medium.rows("truth/people.csv")
    size = Counter(r["household_id"] for r in people)
    household_of = {r["person_id"]: r["household_id"] for r in people}
    care = {r["household_id"] for r in people if r["address_line1"].endswith("Care Home")}
    cutoff = "2020-10-16"  # leave two weeks of follow-up before the end of the run
    at_risk = secondary = 0
    infections = medium.rows("truth/infections.csv")
    by_infector = Counter(r["infector_id"] for r in infections if r["route"] == "household")
    for r in infections:
        h = household_of[r["person_id"]]
        if r["infected_on"] <= cutoff and h not in care:
            at_risk += size[h] - 1
            secondary += by_infector[r["person_id"]]
    assert at_risk > 300
    assert 0.08 <= secondary / at_risk <= 0.25


def test_reported_contact_error_rates_near_configured(medium: Run) -> None:
    errors = SynthConfig().errors
    people = medium.people()
    truth = {r["report_id"]: r["person_id"] for r in medium.rows("truth/reported_contacts.csv")}
    nick_eligible = nick = typos = 0
    dob_missing: dict[bool, list[bool]] = {True: [], False: []}
    swap_eligible = swapped = 0
    phone_other: list[bool] = []
    rows = medium.rows("reported_contacts.csv")
    for r in rows:
        p = people[truth[r["report_id"]]]
        household = r["contact_type"] == "household"
        if p["first_name"] in NICKNAMES:
            nick_eligible += 1
            nick += r["first_name"] == NICKNAMES[p["first_name"]]
        names_ok = r["first_name"] in (p["first_name"], NICKNAMES.get(p["first_name"]))
        typos += not names_ok or r["last_name"] != p["last_name"]
        dob_missing[household].append(r["date_of_birth"] == "")
        truth_dob = dt.date.fromisoformat(p["date_of_birth"])
        if r["date_of_birth"] and truth_dob.day <= 12 and truth_dob.day != truth_dob.month:
            swap_eligible += 1
            swapped += (
                r["date_of_birth"]
                == truth_dob.replace(day=truth_dob.month, month=truth_dob.day).isoformat()
            )
        if not household and p["phone"]:
            phone_other.append(r["phone"] == "")

    def near(measured: float, expected: float, tolerance: float) -> bool:
        return abs(measured - expected) <= tolerance

    assert len(rows) > 500
    assert near(nick / nick_eligible, errors.nickname, 0.12)
    assert near(typos / len(rows), errors.name_typo, 0.025)
    assert near(sum(dob_missing[True]) / len(dob_missing[True]), errors.dob_missing_household, 0.05)
    assert near(sum(dob_missing[False]) / len(dob_missing[False]), errors.dob_missing_other, 0.07)
    assert near(swapped / swap_eligible, errors.dob_day_month_swap, 0.04)
    assert near(sum(phone_other) / len(phone_other), errors.phone_missing_other, 0.08)


def test_small_run_is_consistent(small: Run) -> None:
    people = small.people()
    assert len(people) == 1_000
    assert all(r["person_id"] in people for r in small.rows("truth/infections.csv"))


# -- units: Hypothesis where it fits -----------------------------------------------------------
@given(st.integers(0, NHS_CAPACITY - 1), st.integers(0, 2**31))
def test_nhs_number_for_is_valid(index: int, seed: int) -> None:
    number = nhs_number_for(index, seed)
    assert number.startswith("999")
    assert is_valid_nhs_number(number)


@given(st.integers(0, NHS_CAPACITY - 2), st.integers(1, 5000), st.integers(0, 1000))
@settings(max_examples=200)
def test_nhs_number_for_is_injective(index: int, step: int, seed: int) -> None:
    other = min(NHS_CAPACITY - 1, index + step)
    if other != index:
        assert nhs_number_for(index, seed) != nhs_number_for(other, seed)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_check_digit_agrees_with_project_validator(first_nine: str) -> None:
    assert nhs_check_digit(first_nine) == project_check_digit(first_nine)


@given(st.integers(0, 9), st.integers(0, 399))
def test_unit_codes_are_valid_inward_codes(sector: int, unit: int) -> None:
    assert POSTCODE_RE.match(f"LS6 {unit_code(sector, unit)}")


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=15), st.randoms())
def test_typo_always_changes_the_word(word: str, rnd: object) -> None:
    assert typo(rnd, word.capitalize()) != word.capitalize()  # type: ignore[arg-type]


def test_nhs_numbers_run_out_gracefully() -> None:
    assert nhs_number_for(NHS_CAPACITY, 1) == ""


# -- configuration and CLI ---------------------------------------------------------------------
def test_cli_options_round_trip() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        ["--people", "2000", "--days", "30", "--seed", "9", "--start", "2020-10-01", "--out", "x",
         "--test-uptake", "0.18", "--r-target", "1.2"]
    )  # fmt: skip
    config = config_from_options(vars(args))
    assert config == SynthConfig(
        people=2000, days=30, seed=9, start=dt.date(2020, 10, 1), test_uptake=0.18, r_target=1.2
    )
    assert config_from_options({"people": 1000}) == SynthConfig(people=1000)


@pytest.mark.parametrize(
    "kwargs",
    [{"people": 999}, {"people": 5_000_001}, {"days": 0}, {"seed": -1}, {"test_uptake": 1.5}],
)
def test_config_rejects_bad_values(kwargs: dict[str, int | float]) -> None:
    with pytest.raises(ValueError):
        SynthConfig(**kwargs)  # type: ignore[arg-type]
