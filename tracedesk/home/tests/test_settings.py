"""Settings come from the environment: both DATABASE_URL forms, WAL on SQLite, loud failures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = (
    "from django.db import connection; c = connection.cursor();"
    "print(connection.vendor, connection.settings_dict['NAME']);"
    "c.execute('PRAGMA journal_mode') if connection.vendor == 'sqlite' else None;"
    "print(c.fetchone()[0] if connection.vendor == 'sqlite' else '')"
)


def tracedesk(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update({"TRACEDESK_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(  # noqa: S603  (our own command, fixed arguments)
        [sys.executable, "-m", "tracedesk.cli", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_default_is_sqlite_in_wal_mode_under_the_data_directory(tmp_path: Path) -> None:
    done = tracedesk(tmp_path, "shell", "--no-imports", "-c", PROBE)
    assert done.returncode == 0, done.stderr
    vendor, name, mode = done.stdout.split()
    assert (vendor, mode) == ("sqlite", "wal")
    assert name == str(tmp_path / "data" / "tracedesk.sqlite3")
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0  # owner only


def test_sqlite_url_with_an_absolute_path(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/elsewhere/db.sqlite3"  # sqlite:////abs/path
    done = tracedesk(tmp_path, "shell", "--no-imports", "-c", PROBE, DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["sqlite", f"{tmp_path}/elsewhere/db.sqlite3"]


def test_postgres_url_selects_postgresql(tmp_path: Path) -> None:
    code = "from django.conf import settings; d = settings.DATABASES['default'];"
    code += "print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'], d['USER'])"
    url = "postgres://tracer:secret@db.example.org:6543/tracedesk"
    done = tracedesk(tmp_path, "shell", "--no-imports", "-c", code, DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "django.db.backends.postgresql",
        "db.example.org",
        "6543",
        "tracedesk",
        "tracer",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRACEDESK_DEBUG": "maybe"}, "TRACEDESK_DEBUG: expected true or false, got 'maybe'"),
        ({"TRACEDESK_EPISODE_DAYS": "0"}, "TRACEDESK_EPISODE_DAYS: must be at least 1, got 0"),
        ({"TRACEDESK_SECRET_KEY": "short"}, "TRACEDESK_SECRET_KEY: must be at least 50"),
        ({"DATABASE_URL": "mysqlx://nowhere"}, "DATABASE_URL"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    done = tracedesk(tmp_path, "check", **env)
    assert done.returncode != 0
    assert message in done.stderr
