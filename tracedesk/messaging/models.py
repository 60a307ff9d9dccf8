from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # waiting to be handed to the gateway (or to be retried)
    SENT = "sent", "Sent"  # the gateway accepted it
    DELIVERED = "delivered", "Delivered"  # the provider reported delivery
    FAILED = "failed", "Failed"  # given up: a call task replaces it


class Message(models.Model):
    """One message to one person: never more than one recipient.

    ``address`` and ``body`` are kept only while the message may still be sent
    (they hold a phone number or email address, and may hold a single-use link);
    both are cleared once the message is delivered or has failed for good.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="messages")
    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    contact = models.ForeignKey(
        "cases.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.CharField(max_length=5, choices=Channel.choices, blank=True)
    address = models.CharField(max_length=254, blank=True)
    template = models.CharField(max_length=60)
    purpose = models.CharField(max_length=120)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(
        max_length=16, blank=True, help_text="Which worker's batch last claimed it for sending"
    )
    gateway = models.CharField(max_length=10, blank=True)
    provider_ref = models.CharField(max_length=80, blank=True, db_index=True)
    error = models.CharField(max_length=200, blank=True, help_text="Why the last attempt failed")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    call_task = models.ForeignKey(
        "tracing.TracingTask",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="failed_messages",
        help_text="The call opened because this message could not be delivered",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                name="message_queued_has_an_address",
                condition=~Q(status="queued") | ~Q(address="") & ~Q(channel=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} ({self.template}, {self.status})"

    def clean(self) -> None:
        if self.status == MessageStatus.QUEUED and not self.address:
            raise ValidationError({"address": "A message waiting to be sent needs an address."})
        if "," in self.address or ";" in self.address:
            raise ValidationError({"address": "A message has exactly one recipient."})
