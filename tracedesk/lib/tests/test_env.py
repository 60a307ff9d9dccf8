from __future__ import annotations

from pathlib import Path

import pytest

from tracedesk.lib.env import ConfigError, env_bool, env_int, env_list, env_path, env_str


def test_defaults_when_unset() -> None:
    assert env_str("X", "d", {}) == "d"
    assert env_bool("X", True, {}) is True
    assert env_int("X", 5, {}) == 5
    assert env_list("X", ["a"], {}) == ["a"]
    assert env_path("X", Path("/srv/tracedesk"), {}) == Path("/srv/tracedesk")


@pytest.mark.parametrize(
    ("text", "value"), [("1", True), ("yes", True), ("OFF", False), ("", False)]
)
def test_booleans(text: str, value: bool) -> None:
    assert env_bool("FLAG", not value, {"FLAG": text}) is value


def test_bad_values_name_the_variable() -> None:
    with pytest.raises(ConfigError, match="FLAG: expected true or false, got 'maybe'"):
        env_bool("FLAG", False, {"FLAG": "maybe"})
    with pytest.raises(ConfigError, match="N: expected a whole number"):
        env_int("N", 1, {"N": "ten"})
    with pytest.raises(ConfigError, match="N: must be at least 1, got 0"):
        env_int("N", 1, {"N": "0"}, minimum=1)


def test_lists_drop_blanks() -> None:
    assert env_list("HOSTS", [], {"HOSTS": " a.example, ,b.example "}) == ["a.example", "b.example"]


def test_secret_from_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    assert env_str("KEY", "", {"KEY_FILE": str(secret)}) == "s3cret"
    with pytest.raises(ConfigError, match="KEY_FILE: cannot read"):
        env_str("KEY", "", {"KEY_FILE": str(tmp_path / "missing")})
