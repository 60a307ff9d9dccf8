"""Where messages leave tracedesk: GOV.UK Notify, SMTP, or a file for the demo.

Every gateway sends exactly one message to exactly one address per call: there
is no method that takes a list of recipients, so a bulk send can never put two
people's addresses in one message (the May 2020 incident: 296 addresses in one
email's recipient list).
"""

from __future__ import annotations

import fcntl
import json
import smtplib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from tracedesk.messaging.models import Channel


@dataclass(frozen=True)
class Outgoing:
    """One message for one recipient, as handed to a gateway."""

    message_id: int
    channel: str
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Accepted:
    """What a gateway reports for a message it took."""

    provider_ref: str
    delivered: bool = False  # the file gateway "delivers" at once; others report later


class GatewayError(Exception):
    """A send failed. ``permanent``: trying again cannot help (a malformed number)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:200]
        self.permanent = permanent


class Gateway(Protocol):
    name: ClassVar[str]
    channels: ClassVar[tuple[str, ...]]  # in order of preference
    receipts: ClassVar[bool]  # whether the provider later reports delivery

    def send(self, outgoing: Outgoing) -> Accepted: ...


def one_address(outgoing: Outgoing) -> str:
    """Return the single recipient address, refusing anything that could be several."""
    address = outgoing.to.strip()
    if not address or any(separator in address for separator in ",; \n"):
        raise GatewayError("not exactly one recipient address", permanent=True)
    return address


class NotifyGateway:
    """GOV.UK Notify: one API call per message; delivery receipts arrive by callback.

    Notify templates hold ``((body))`` (and ``((subject))`` for email): the text
    itself comes from our own templates, so wording is reviewed in one place.
    """

    name: ClassVar[str] = "notify"
    channels: ClassVar[tuple[str, ...]] = (Channel.SMS, Channel.EMAIL)
    receipts: ClassVar[bool] = True

    def __init__(self, client: Any = None) -> None:
        if client is None:
            from notifications_python_client.notifications import NotificationsAPIClient

            client = NotificationsAPIClient(settings.NOTIFY_API_KEY)
        self.client = client

    def send(self, outgoing: Outgoing) -> Accepted:
        address = one_address(outgoing)
        reference = f"tracedesk-{outgoing.message_id}"
        try:
            if outgoing.channel == Channel.SMS:
                response = self.client.send_sms_notification(
                    phone_number=address,
                    template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
                    personalisation={"body": outgoing.body},
                    reference=reference,
                )
            else:
                response = self.client.send_email_notification(
                    email_address=address,
                    template_id=settings.NOTIFY_EMAIL_TEMPLATE_ID,
                    personalisation={"subject": outgoing.subject, "body": outgoing.body},
                    reference=reference,
                )
        except Exception as error:  # the client raises requests' errors and its own
            raise _notify_error(error) from error
        return Accepted(provider_ref=str(response["id"]))


def _notify_error(error: Exception) -> GatewayError:
    """Classify a Notify failure: 400 (bad number or address) is permanent, the rest retried."""
    status = getattr(error, "status_code", None)
    kind = type(error).__name__
    if status == 400:
        return GatewayError(f"Notify refused the message (400, {kind})", permanent=True)
    if status is not None:
        return GatewayError(f"Notify answered {status} ({kind})")
    return GatewayError(f"Notify could not be reached ({kind})")


class SmtpGateway:
    """Email through Django's email backend: one EmailMessage per recipient, ``to`` only."""

    name: ClassVar[str] = "smtp"
    channels: ClassVar[tuple[str, ...]] = (Channel.EMAIL,)
    receipts: ClassVar[bool] = False

    def send(self, outgoing: Outgoing) -> Accepted:
        address = one_address(outgoing)
        if outgoing.channel != Channel.EMAIL:
            raise GatewayError("the SMTP gateway sends email only", permanent=True)
        email = EmailMessage(
            subject=outgoing.subject,
            body=outgoing.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"X-Tracedesk-Message": str(outgoing.message_id)},
        )
        try:
            with get_connection(fail_silently=False) as connection:
                sent = connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            raise GatewayError("the mail server refused the address", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise GatewayError(f"the mail server failed ({type(error).__name__})") from error
        if sent != 1:
            raise GatewayError("the mail server did not take the message")
        return Accepted(provider_ref=f"smtp-{outgoing.message_id}")


class FileGateway:
    """The demo's gateway: one JSON line per message in ``MESSAGE_OUTBOX_DIR/messages.jsonl``."""

    name: ClassVar[str] = "file"
    channels: ClassVar[tuple[str, ...]] = (Channel.SMS, Channel.EMAIL)
    receipts: ClassVar[bool] = False

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.MESSAGE_OUTBOX_DIR)

    @property
    def path(self) -> Path:
        return self.directory / "messages.jsonl"

    def send(self, outgoing: Outgoing) -> Accepted:
        address = one_address(outgoing)
        line = {
            "message": outgoing.message_id,
            "channel": outgoing.channel,
            "to": address,
            "subject": outgoing.subject,
            "body": outgoing.body,
            "at": timezone.now().isoformat(),
        }
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            self.path.chmod(0o600)  # synthetic people only, but treat it as personal data
            fcntl.flock(out, fcntl.LOCK_EX)  # two workers append whole lines, never interleaved
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return Accepted(provider_ref=f"file-{outgoing.message_id}", delivered=True)

    def read(self) -> list[dict[str, Any]]:
        """Return every message written so far, oldest first."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]


_override: Gateway | None = None


def gateway() -> Gateway:
    """Return the configured gateway (``TRACEDESK_MESSAGE_GATEWAY``), or a test's override."""
    if _override is not None:
        return _override
    if settings.MESSAGE_GATEWAY == "notify":
        return NotifyGateway()
    if settings.MESSAGE_GATEWAY == "smtp":
        return SmtpGateway()
    return FileGateway()


def use_gateway(chosen: Gateway | None) -> None:
    """Replace the configured gateway (tests inject a Notify gateway with a fake client)."""
    global _override  # one process-wide seam, reset by the tests' fixture
    _override = chosen
