"""Test helpers for anything that sends messages: a fake Notify client, gateway fixtures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from notifications_python_client.errors import HTTPError

from tracedesk.messaging.gateways import FileGateway, NotifyGateway, use_gateway

RECEIPT_TOKEN = "a-long-shared-secret-for-receipts"  # noqa: S105  (the tests' own)


class FakeResponse:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code

    def json(self) -> dict[str, Any]:
        return {"errors": [{"error": "FakeError", "message": "fake"}]}


class FakeNotifyClient:
    """Stands in for NotificationsAPIClient at the gateway's seam (no network in tests).

    Records each call's arguments; ``fail_with`` makes the next calls raise the
    client's own HTTPError with that status code.
    """

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_with: int | None = None

    def _answer(self, **kwargs: Any) -> dict[str, Any]:
        if self.fail_with is not None:
            raise HTTPError(FakeResponse(self.fail_with))  # type: ignore[arg-type]
        self.calls.append(kwargs)
        return {"id": str(uuid.uuid4()), "reference": kwargs["reference"]}

    def send_sms_notification(self, **kwargs: Any) -> dict[str, Any]:
        return self._answer(kind="sms", **kwargs)

    def send_email_notification(self, **kwargs: Any) -> dict[str, Any]:
        return self._answer(kind="email", **kwargs)


@pytest.fixture
def outbox(settings: Any, tmp_path: Path) -> Iterator[FileGateway]:
    """The file gateway, writing under the test's own directory."""
    settings.MESSAGE_GATEWAY = "file"
    settings.MESSAGE_OUTBOX_DIR = tmp_path / "outbox"
    yield FileGateway()


@pytest.fixture
def notify(settings: Any) -> Iterator[FakeNotifyClient]:
    """The Notify gateway with a fake client at its seam."""
    settings.MESSAGE_GATEWAY = "notify"
    settings.NOTIFY_SMS_TEMPLATE_ID = "sms-template"
    settings.NOTIFY_EMAIL_TEMPLATE_ID = "email-template"
    settings.NOTIFY_CALLBACK_TOKEN = RECEIPT_TOKEN
    client = FakeNotifyClient()
    use_gateway(NotifyGateway(client=client))
    yield client
    use_gateway(None)
