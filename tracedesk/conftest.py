"""Fixtures shared by every app's tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tracedesk.testing.twofactor import verify_if_required
from tracedesk.testing.world import PASSWORD, World, build_world


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests render templates without a collectstatic step (no hashed-name manifest).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(db: None) -> World:
    """Geography, the six personas, and one case, contact and setting in each district."""
    return build_world()


@pytest.fixture
def login(world: World):
    """Return a function giving a test client signed in as a named persona."""

    def _login(persona: str) -> Client:
        client = Client()
        assert client.login(username=persona, password=PASSWORD)
        # Supervisors, health protection and admins must give a TOTP code too; the
        # personas have an enrolled authenticator and this session has used it.
        verify_if_required(client, world.users[persona])
        return client

    return _login
