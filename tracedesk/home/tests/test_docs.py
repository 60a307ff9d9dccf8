"""The docs keep up with the code: every setting, role and command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracedesk.accounts.roles import Role

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETTINGS_SOURCE = (ROOT / "tracedesk" / "settings.py").read_text(encoding="utf-8")


def settings_read_from_environment() -> set[str]:
    return set(re.findall(r'env_(?:str|bool|int|list|path)\(\s*"([A-Z_]+)"', SETTINGS_SOURCE))


def test_settings_are_found() -> None:
    assert {"DATABASE_URL", "TRACEDESK_DATA_DIR", "TRACEDESK_SECRET_KEY"} <= (
        settings_read_from_environment()
    )


@pytest.mark.parametrize("name", sorted(settings_read_from_environment()))
def test_every_setting_is_in_the_readme_table(name: str) -> None:
    assert re.search(rf"^\| `{name}` \|", README, re.MULTILINE), f"{name} missing from README"


@pytest.mark.parametrize("role", Role.labels)
def test_every_role_is_described(role: str) -> None:
    assert f"**{role}**" in README


@pytest.mark.parametrize("command", ["make demo", "make test"])
def test_the_two_commands_are_in_the_readme(command: str) -> None:
    assert f"\n{command}\n" in README
