import json
from pathlib import Path
from typing import Any

import pytest

from tracedesk.lib.matching import DEFAULT_PARAMETERS, LEVELS, Parameters


def default_data() -> dict[str, Any]:
    return json.loads(DEFAULT_PARAMETERS.to_json())


def test_it_round_trips_through_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "parameters.json"
    DEFAULT_PARAMETERS.save(path)
    loaded = Parameters.load(path)
    assert loaded == DEFAULT_PARAMETERS
    assert loaded.to_dict() == DEFAULT_PARAMETERS.to_dict()


def test_it_writes_the_contract_format() -> None:
    data = default_data()
    assert data["version"] == 1
    assert set(data["thresholds"]) == {"link", "review"}
    assert "prior" not in data
    assert list(data["fields"]) == list(LEVELS)
    for name, labels in LEVELS.items():
        assert list(data["fields"][name]["levels"]) == list(labels)
        assert labels[-1] == "else"


def test_it_round_trips_a_prior() -> None:
    data = default_data()
    data["prior"] = 0.0002
    assert Parameters.from_json(json.dumps(data)).to_dict() == data


def test_default_probabilities_sum_to_one_per_field() -> None:
    for levels in DEFAULT_PARAMETERS.fields.values():
        assert sum(level.m for level in levels.values()) == pytest.approx(1)
        assert sum(level.u for level in levels.values()) == pytest.approx(1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["fields"]["dob"]["levels"]["exact"].update(m=0), "'dob', level 'exact'"),
        (lambda d: d["fields"]["phone"]["levels"]["else"].update(u=1.5), "'phone', level 'else'"),
        (lambda d: d["fields"]["email"]["levels"]["exact"].update(u="x"), "'email', level 'exact'"),
        (lambda d: d["fields"]["sex"]["levels"].pop("else"), "'sex', level 'else': missing"),
        (
            lambda d: d["fields"]["postcode"]["levels"].update(sector={"m": 0.1, "u": 0.1}),
            "'postcode', level 'sector': unknown level",
        ),
        (lambda d: d["fields"].update(shoe_size={"levels": {}}), "'shoe_size': unknown field"),
        (lambda d: d["fields"].pop("nhs_number"), "'nhs_number': missing"),
        (lambda d: d["fields"].update(first_name=[]), "'first_name': needs 'levels'"),
        (lambda d: d.update(version=2), "version"),
        (lambda d: d["thresholds"].update(review=20), "thresholds"),
        (lambda d: d.pop("thresholds"), "thresholds"),
        (lambda d: d.update(prior=1), "prior"),
    ],
)
def test_it_rejects_invalid_parameters_naming_the_field(change: Any, message: str) -> None:
    data = default_data()
    change(data)
    with pytest.raises(ValueError, match=message):
        Parameters.from_json(json.dumps(data))


def test_it_rejects_text_that_is_not_json() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        Parameters.from_json("{")
