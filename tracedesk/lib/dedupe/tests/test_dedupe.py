"""Batch deduplication on synthetic Faker en_GB people (no Django database)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from tracedesk.lib.dedupe import FIELDS, dedupe, export_parameters, parse_mapping, read_people
from tracedesk.lib.dedupe.cli import main
from tracedesk.lib.dedupe.io import normalise_dob, normalise_postcode_loose, read_people_rows
from tracedesk.lib.dedupe.parameters import validate_parameters
from tracedesk.lib.dedupe.splink_model import (
    BACKENDS,
    FIELD_LEVELS,
    BackendNotAvailableError,
    DedupeResult,
    soundex,
)
from tracedesk.lib.dedupe.synthetic import make_people, pair_scores, write_csv
from tracedesk.lib.matching import LEVELS, Parameters, score

# The online scorer's table is the contract: the export must fill every field and level of it.
EXPECTED_LEVELS = {name: set(labels) for name, labels in LEVELS.items()}


@pytest.fixture(scope="module")
def people() -> list[dict[str, str]]:
    return make_people(count=300, duplicates=60, seed=7)


@pytest.fixture(scope="module")
def people_csv(people: list[dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("dedupe") / "people.csv", people)


@pytest.fixture(scope="module")
def result(people_csv: Path) -> DedupeResult:
    return dedupe(read_people(people_csv).records, seed=1)


def _read_clusters(path: Path) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["record_id", "cluster_id"]
    return [(row[0], row[1]) for row in rows[1:]]


def test_it_finds_most_duplicates_and_merges_few_distinct_people(
    people: list[dict[str, str]], result: DedupeResult
) -> None:
    truth = {row["record_id"]: row["truth"] for row in people}
    recall, precision = pair_scores(truth, result.clusters)
    assert recall >= 0.8
    assert precision >= 0.95


def test_every_record_appears_once_in_input_order(
    people: list[dict[str, str]], result: DedupeResult
) -> None:
    assert [record_id for record_id, _ in result.clusters] == [r["record_id"] for r in people]


def test_cluster_ids_are_the_smallest_record_id_of_the_cluster(result: DedupeResult) -> None:
    members: dict[str, list[int]] = {}
    for record_id, cluster_id in result.clusters:
        members.setdefault(cluster_id, []).append(int(record_id))
    assert all(str(min(ids)) == cluster_id for cluster_id, ids in members.items())
    assert result.records_in_multi_record_clusters > 0


def test_same_seed_gives_the_same_clusters_and_parameters(
    people_csv: Path, result: DedupeResult
) -> None:
    again = dedupe(read_people(people_csv).records, seed=1)
    assert again.clusters == result.clusters
    assert export_parameters(again) == export_parameters(result)


def test_exported_parameters_have_every_field_and_level(result: DedupeResult) -> None:
    document = export_parameters(result)
    validate_parameters(document)
    assert document["version"] == 1
    assert document["thresholds"]["link"] > document["thresholds"]["review"]
    assert {name: set(f["levels"]) for name, f in document["fields"].items()} == EXPECTED_LEVELS
    for name, field in document["fields"].items():
        for label, level in field["levels"].items():
            assert 0 < level["m"] <= 1, (name, label)
            assert 0 < level["u"] <= 1, (name, label)
    json.dumps(document)  # plain JSON, no numpy types


def test_levels_match_the_contract_table() -> None:
    """Every field the batch model trains uses the online scorer's labels for it; the one
    level only the online scorer has (a nickname) keeps its starting values on export."""
    for name, labels in FIELD_LEVELS.items():
        assert set(labels) <= EXPECTED_LEVELS[name], name
        assert EXPECTED_LEVELS[name] - set(labels) <= {"nickname"}, name


def test_the_online_scorer_reads_the_trained_parameters(result: DedupeResult) -> None:
    """Trained in batch, used online: a typo'd duplicate links, a stranger does not."""
    params = Parameters.from_dict(export_parameters(result))
    ada = {"first_name": "Ada", "last_name": "Okonkwo", "dob": "1987-03-14",
           "postcode": "LS6 1AA", "phone": "07700900123", "sex": "female"}  # fmt: skip
    typo = {**ada, "last_name": "Okonkow", "dob": "1978-03-14", "phone": ""}
    stranger = {"first_name": "Bea", "last_name": "Smith", "dob": "1990-01-01",
                "postcode": "M1 1AA", "sex": "female"}  # fmt: skip
    assert score(ada, typo, params).outcome in ("link", "review")
    assert score(ada, stranger, params).outcome == "new"
    assert score(ada, typo, params).total > score(ada, stranger, params).total


def test_cli_writes_clusters_summary_and_parameters(
    people_csv: Path, result: DedupeResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, params = tmp_path / "clusters.csv", tmp_path / "params.json"
    code = main(["dedupe", str(people_csv), "--out", str(out), "--parameters-out", str(params)])
    assert code == 0
    assert _read_clusters(out) == result.clusters
    summary = capsys.readouterr().out
    assert "records: 360" in summary
    assert f"clusters: {result.cluster_count}" in summary
    assert "seconds:" in summary
    validate_parameters(json.loads(params.read_text(encoding="utf-8")))


def test_cli_map_and_id_column_with_odd_headers(
    people: list[dict[str, str]], tmp_path: Path
) -> None:
    renamed = [
        {
            "Ref No": f"X-{row['record_id']}",
            "Forename": row["first_name"],
            "Surname": row["last_name"],
            "Birth Date": row["dob"],
            "Mobile": row["phone"],
            "Post Code": row["postcode"],
        }
        for row in people[:40]
    ]
    source = write_csv(tmp_path / "odd.csv", renamed, header=list(renamed[0]))
    out = tmp_path / "out.csv"
    code = main(
        [
            "dedupe",
            str(source),
            "--out",
            str(out),
            "--id-column",
            "Ref No",
            "--map",
            "Forename=first_name,Surname=last_name,Birth Date=dob,Mobile=phone,Post Code=postcode",
        ]
    )
    assert code == 0
    clusters = _read_clusters(out)
    assert [record_id for record_id, _ in clusters] == [row["Ref No"] for row in renamed]
    assert {cluster_id for _, cluster_id in clusters} <= {row["Ref No"] for row in renamed}


@pytest.mark.parametrize(
    ("header", "extra_args", "message"),
    [
        (["record_id", "name"], [], "no usable name columns"),
        (["ref", "first_name"], ["--id-column", "patient_id"], "'patient_id'"),
        (["record_id", "first_name"], ["--map", "forename=first_name"], "'forename'"),
        (["record_id", "first_name"], ["--map", "first_name=shoe_size"], "'shoe_size'"),
    ],
)
def test_cli_bad_input_exits_2_naming_the_column(
    header: list[str],
    extra_args: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(",".join(header) + "\n1,Ann\n", encoding="utf-8")
    code = main(["dedupe", str(source), "--out", str(tmp_path / "out.csv"), *extra_args])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_cli_rejects_missing_file_and_bad_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dedupe", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    source = tmp_path / "p.csv"
    source.write_text("first_name\nAnn\n", encoding="utf-8")
    assert main(["dedupe", str(source), "--out", "o.csv", "--threshold", "1.5"]) == 2
    assert "--threshold" in capsys.readouterr().err


def test_spark_backend_explains_what_it_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as on an installation without it
    with pytest.raises(BackendNotAvailableError, match="pyspark"):
        dedupe([{"record_id": "1", "first_name": "ann"}], backend="spark")
    source = tmp_path / "p.csv"
    source.write_text("first_name\nAnn\n", encoding="utf-8")
    code = main(["dedupe", str(source), "--out", str(tmp_path / "o.csv"), "--backend", "spark"])
    assert code == 2
    assert "Java 17" in capsys.readouterr().err


def test_spark_backend_finds_the_same_duplicates_as_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The national-scale backend runs the same model: on one batch both find the planted
    duplicates, and they agree on nearly every record's cluster."""
    monkeypatch.setenv("TRACEDESK_SPARK_PARTITIONS", "2")  # a small batch
    people = make_people(400, 80, seed=5)
    records = read_people(write_csv(tmp_path / "people.csv", people)).records
    truth = {row["record_id"]: row["truth"] for row in people}
    results = {backend: dedupe(records, backend=backend, seed=3) for backend in BACKENDS}
    for backend, result in results.items():
        recall, precision = pair_scores(truth, result.clusters)
        assert recall >= 0.9, backend
        assert precision >= 0.9, backend
        assert result.backend == backend
    spark, duck = results["spark"], results["duckdb"]
    same = sum(a == b for a, b in zip(spark.clusters, duck.clusters, strict=True))
    assert same >= 0.98 * len(records)


def test_duplicate_ids_name_the_rows() -> None:
    text = "record_id,first_name\n7,Ann\n8,Bob\n7,Cat\n"
    with pytest.raises(ValueError, match=r"'record_id'.*rows 1 and 3"):
        read_people_rows(io.StringIO(text))


def test_row_numbers_are_ids_without_an_id_column() -> None:
    read = read_people_rows(io.StringIO("first_name,last_name\nAnn,Lee\n\nBob,Ray\n"))
    assert [record["record_id"] for record in read.records] == ["1", "2"]
    assert read.id_column is None


def test_values_are_normalised_and_bad_dob_is_a_warning() -> None:
    text = (
        "record_id,First_Name,last_name,dob,phone,postcode,sex,national_id\n"
        "a,  ANNE  Marie ,O'Neil,31/12/1980,+44 (0)7700 900123,ls63ab,Female,943 476 5919\n"
        "b,Bob,Ray,1980-02-30,,SW1A1AA,m,\n"
    )
    read = read_people_rows(io.StringIO(text))
    first, second = read.records
    assert set(first) == {"record_id", *FIELDS}
    assert first["first_name"] == "anne marie"
    assert first["dob"] == "1980-12-31"
    assert first["phone"] == "4407700900123"
    assert first["postcode"] == "LS6 3AB"
    assert first["sex"] == "f"
    assert first["national_id"] == "9434765919"
    assert second["dob"] == ""
    assert second["postcode"] == "SW1A 1AA"
    assert read.bad_dob_count == 1
    assert "row 2" in read.warnings[0]


def test_normalisers_edge_cases() -> None:
    assert normalise_dob("") == ""
    assert normalise_dob("not a date") is None
    assert normalise_dob("3000-01-01") is None
    assert normalise_dob("1980-04-03 00:00:00") == "1980-04-03"
    assert normalise_postcode_loose(" ab12 ") == "AB12"
    assert normalise_postcode_loose("zz99 9zzz") == "ZZ999 ZZZ"


def test_parse_mapping() -> None:
    assert parse_mapping("") == {}
    assert parse_mapping("Surname=last_name, DOB=dob") == {"Surname": "last_name", "DOB": "dob"}
    with pytest.raises(ValueError, match="'oops'"):
        parse_mapping("Surname=last_name,oops")
    with pytest.raises(ValueError, match="unknown field 'surname'"):
        parse_mapping("a=surname")
    with pytest.raises(ValueError, match="already mapped"):
        parse_mapping("a=dob,b=dob")


def test_soundex() -> None:
    assert soundex("Robert") == soundex("Rupert") == "R163"
    assert soundex("Ashcraft") == "A261"
    assert soundex("") == ""


def test_tiny_inputs_still_get_a_cluster_each() -> None:
    assert dedupe([]).clusters == []
    one = dedupe([{"record_id": "x", "first_name": "ann"}])
    assert one.clusters == [("x", "x")]
    validate_parameters(export_parameters(one))


def test_members_of_one_household_are_never_chained_into_one_cluster() -> None:
    from tracedesk.lib.dedupe.splink_model import _clusters_from_links, _without_household_pairs

    home = {"last_name": "Okafor", "address_line1": "3 Mill Lane", "postcode": "LS6 2AB",
            "phone": "07700900111", "national_id": ""}  # fmt: skip
    records = [
        {"record_id": "1", "first_name": "Anna", "dob": "2001-05-04", **home},
        {"record_id": "2", "first_name": "Chidi", "dob": "1970-01-30", **home},
        {"record_id": "3", "first_name": "Anna", "dob": "2001-04-05", **home},  # day/month swapped
        {"record_id": "4", "first_name": "Chidi", "dob": "", **home},
    ]
    links = [("1", "2"), ("1", "3"), ("2", "4"), ("3", "4")]
    kept = _without_household_pairs(records, links)
    assert kept == [("1", "3"), ("2", "4")]
    assert dict(_clusters_from_links(["1", "2", "3", "4"], kept)) == {
        "1": "1", "2": "2", "3": "1", "4": "2"
    }  # fmt: skip
