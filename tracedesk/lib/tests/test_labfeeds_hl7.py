"""HL7 v2.5.1 ORU^R01 laboratory feeds: framing, segment ends, batches, times, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracedesk.lib.labfeeds import Hl7Feed, SourceRecord, open_feed
from tracedesk.lib.tests.labfeed_example import example

FIXTURES = Path(__file__).parent / "fixtures" / "labfeeds"

MSH = (
    "MSH|^~\\&|LIMS|LAB-LEEDS-01|TRACEDESK|UKHSA|20200914102231+0000||ORU^R01^ORU_R01|{id}|P|2.5.1"
)
PID = (
    "PID|1||LOCAL1^^^LIMS^MR~9434765919^^^NHS^NH||Lovelace^Ada||19901210|F|||"
    "12 High Street^Flat 2^Leeds^^LS6 3AB||07700900123^PRN^PH~^NET^Internet^ada@example.com"
)
OBR = (
    "OBR|1||{specimen}|94500-6^SARS-CoV-2 RNA^LN|||20200913083000+0000|||||||||||||||"
    "{result_at}|||F"
)
OBX = "OBX|1|CWE|94500-6^SARS-CoV-2 RNA^LN||{code}^Detected^SCT||||||F"
SPM = "SPM|1|{specimen}|||||||||||||||20200913083000+0100"


def message(
    n: int = 1,
    *,
    specimen: str | None = None,
    code: str = "260373001",
    result_at: str = "20200914102231+0000",
    drop: tuple[str, ...] = (),
) -> list[str]:
    specimen = specimen or f"LD{n:06d}"
    segments = {
        "MSH": MSH.format(id=f"M{n:06d}"),
        "PID": PID,
        "OBR": OBR.format(specimen=specimen, result_at=result_at),
        "OBX": OBX.format(code=code),
        "SPM": SPM.format(specimen=specimen),
    }
    return [text for name, text in segments.items() if name not in drop]


def file_text(messages: list[list[str]], end: str = "\r", mllp: bool = False) -> str:
    if mllp:
        return "".join("\x0b" + "\r".join(m) + "\r\x1c\r" for m in messages)
    return "".join(end.join(m) + end for m in messages)


def write(tmp_path: Path, text: str | bytes, name: str = "feed.hl7") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def read(path: Path, **kwargs: int) -> tuple[Hl7Feed, list[SourceRecord]]:
    feed = Hl7Feed(path, **kwargs)
    return feed, list(feed)


def test_the_contract_example() -> None:
    feed, [record] = read(FIXTURES / "example.hl7")
    assert record.error is None, record.error
    assert record.number == 1
    assert record.fields == example(
        test_name="SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA "
        "with probe detection"
    )
    assert record.raw.startswith("MSH|^~\\&|LIMS|LAB-LEEDS-01|")
    assert record.raw.count("\r") == 4
    assert feed.warnings == []
    assert feed.declared_count is None


@pytest.mark.parametrize(
    ("end", "mllp"), [("\r", False), ("\n", False), ("\r\n", False), ("\r", True)]
)
def test_segment_ends_and_mllp_framing(tmp_path: Path, end: str, mllp: bool) -> None:
    text = file_text([message(1), message(2), message(3)], end=end, mllp=mllp)
    _, records = read(write(tmp_path, text))
    assert [r.number for r in records] == [1, 2, 3]
    assert all(r.error is None for r in records), [r.error for r in records]
    assert [r.fields["specimen_id"] for r in records] == ["LD000001", "LD000002", "LD000003"]
    assert records[1].fields["specimen_collected_at"] == "2020-09-13T08:30:00+01:00"
    assert records[0].fields["nhs_number"] == "9434765919"  # the NH repetition, not the MR


def test_the_file_is_read_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracedesk.lib.labfeeds import hl7feed

    monkeypatch.setattr(hl7feed, "_CHUNK", 7)  # segment ends and frames split across chunks
    messages = [message(i) for i in range(1, 6)]
    for end, mllp in (("\r\n", False), ("\r", True)):
        _, records = read(write(tmp_path, file_text(messages, end=end, mllp=mllp)))
        assert [r.fields["specimen_id"] for r in records] == [f"LD00000{i}" for i in range(1, 6)]
        assert all(r.error is None for r in records)


def test_batch_envelope_declares_the_count(tmp_path: Path) -> None:
    text = (
        "FHS|^~\\&|LIMS|LAB-LEEDS-01\rBHS|^~\\&|LIMS|LAB-LEEDS-01\r"
        + file_text([message(1), message(2)])
        + "BTS|2\rBHS|^~\\&\r"
        + file_text([message(3)])
        + "BTS|1\rFTS|2\r"
    )
    feed = Hl7Feed(write(tmp_path, text))
    assert feed.declared_count is None
    records = list(feed)
    assert [r.number for r in records] == [1, 2, 3]
    assert all(r.error is None for r in records)
    assert feed.declared_count == 3
    assert feed.records_read == 3


def test_times_without_offset_are_utc_with_a_file_warning(tmp_path: Path) -> None:
    feed, [record] = read(write(tmp_path, file_text([message(result_at="202009141022")])))
    assert record.error is None
    assert record.fields["result_at"] == "2020-09-14T10:22:00+00:00"
    assert record.warnings
    assert any("UTC" in w for w in feed.warnings)


def _spm_only_in_obr(n: int) -> list[str]:
    return [s for s in message(n) if not s.startswith("SPM")]


def test_specimen_falls_back_to_obr(tmp_path: Path) -> None:
    _, [record] = read(write(tmp_path, file_text([_spm_only_in_obr(1)])))
    assert record.error is None
    assert record.fields["specimen_id"] == "LD000001"
    assert record.fields["specimen_collected_at"] == "2020-09-13T08:30:00+00:00"  # OBR-7


def _replace(segments: list[str], index: int, old: str, new: str) -> list[str]:
    return [s.replace(old, new) if i == index else s for i, s in enumerate(segments)]


NO_SPECIMEN = [
    *message(2, drop=("SPM", "OBR", "OBX")),
    OBR.format(specimen="", result_at="20200914102231+0000"),
    OBX.format(code="260373001"),
]
CUT_IN_OBX = [*message(2)[:3], "OBX|1|CWE|94500-6^SARS-CoV-2 RNA^LN||"]


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        (message(2, result_at="2020-09-14"), "result_at", "not an HL7 date-time"),
        (message(2, result_at="20200914"), "result_at", "no time of day"),
        (message(2, result_at="202013141022+0000"), "result_at", "not a valid date-time"),
        (message(2, code="999"), "result", "unknown result code '999'"),
        (message(2, code=""), "result", "result is missing"),
        (NO_SPECIMEN, "specimen_id", "specimen_id is missing"),
        (message(2, drop=("PID",)), "record", "no PID segment"),
        (message(2, drop=("OBX", "SPM")), "record", "no OBX segment"),
        (CUT_IN_OBX, "result", "result is missing"),
        ([*message(2), OBX.format(code="260373001")], "record", "2 OBX segments"),
        (_replace(message(2), 0, "ORU^R01^ORU_R01", "ADT^A01"), "record", "is not ORU^R01"),
        (_replace(message(2), 1, "|F|", "|X|"), "sex", "unknown sex 'X'"),
    ],
)
def test_record_errors_and_the_next_message_still_parses(
    tmp_path: Path, bad: list[str], field: str, reason: str
) -> None:
    text = file_text([message(1), bad, message(3)])
    _, records = read(write(tmp_path, text))
    assert [r.number for r in records] == [1, 2, 3]
    assert records[0].error is None and records[2].error is None
    assert records[2].fields["specimen_id"] == "LD000003"
    error = records[1].error
    assert error is not None
    assert (error.field, reason in error.reason) == (field, True), error


def test_segments_before_the_first_msh_are_a_broken_record(tmp_path: Path) -> None:
    _, records = read(write(tmp_path, file_text([["PID|1||x", "OBX|1"], message(2)])))
    assert [r.number for r in records] == [1, 2]
    assert records[0].error is not None
    assert records[0].error.field == "record"
    assert "without an MSH segment" in records[0].error.reason
    assert records[0].raw == "PID|1||x\rOBX|1"
    assert records[1].error is None


def test_a_truncated_mllp_frame_is_a_record_error(tmp_path: Path) -> None:
    good = "\x0b" + "\r".join(message(1)) + "\r\x1c\r"
    cut = "\x0b" + "\r".join(message(2))[:150]
    text = good + cut + "\r" + "\x0b" + "\r".join(message(3)) + "\r\x1c\r"
    _, records = read(write(tmp_path, text))
    assert [r.number for r in records] == [1, 2, 3]
    assert records[1].error is not None
    assert records[1].error.field == "record"
    assert records[2].error is None


def test_a_file_cut_in_the_middle_of_a_frame(tmp_path: Path) -> None:
    text = "\x0b" + "\r".join(message(1)) + "\r\x1c\r\x0b" + "\r".join(message(2))
    _, records = read(write(tmp_path, text))
    assert records[0].error is None
    assert records[1].error is not None and "not closed" in records[1].error.reason


def test_skip_counts_messages(tmp_path: Path) -> None:
    text = "BHS|^~\\&\r" + file_text([message(i) for i in range(1, 6)]) + "BTS|5\r"
    feed, records = read(write(tmp_path, text), skip=3)
    assert [(r.number, r.fields["specimen_id"]) for r in records] == [
        (4, "LD000004"),
        (5, "LD000005"),
    ]
    assert feed.records_read == 5 and feed.declared_count == 5


def test_escapes_and_windows_1252(tmp_path: Path) -> None:
    pid = PID.replace("Lovelace^Ada", "O\\T\\Brien^Zoë")
    msg = [message(1)[0], pid, *message(1)[2:]]
    feed, [record] = read(write(tmp_path, file_text([msg]).encode("cp1252")))
    assert record.fields["last_name"] == "O&Brien"
    assert record.fields["first_name"] == "Zoë"
    assert any("Windows-1252" in w for w in feed.warnings)


def test_open_feed_detects_hl7(tmp_path: Path) -> None:
    for mllp in (False, True):
        path = write(tmp_path, file_text([message(1)], mllp=mllp))
        assert open_feed(path).format == "hl7"


def test_unusable_delimiters_are_a_record_error(tmp_path: Path) -> None:
    bad = _replace(message(2), 0, "MSH|^~\\&|", "MSH|EEDS01|")
    _, records = read(write(tmp_path, file_text([message(1), bad, message(3)])))
    assert [r.number for r in records] == [1, 2, 3]
    assert records[1].error is not None
    assert records[1].error.field == "record"
    assert "delimiters" in records[1].error.reason
    assert records[2].error is None
