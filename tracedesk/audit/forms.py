"""The audit viewer's filters, validated so a bad value gets a clear message."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import Q

from tracedesk.accounts.models import User
from tracedesk.audit.models import Action


class TrailFilter(forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User (username)")
    person = forms.IntegerField(required=False, min_value=1, label="Person id")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *Action.choices], label="Action"
    )
    since = forms.DateField(required=False, label="From (date)")
    until = forms.DateField(required=False, label="To (date, inclusive)")
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_user(self) -> User | None:
        username = self.cleaned_data["user"].strip()
        if not username:
            return None
        found = User.objects.filter(username=username).first()
        if found is None:
            raise forms.ValidationError(f"There is no user named “{username}”.")
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data

    def condition(self) -> Q:
        """Return the filter for the chosen user, action and dates (not the person)."""
        data = self.cleaned_data
        zone = ZoneInfo(settings.TIME_ZONE)
        condition = Q()
        if data.get("user"):
            condition &= Q(actor=data["user"])
        if data.get("action"):
            condition &= Q(action=data["action"])
        if data.get("since"):
            condition &= Q(at__gte=dt.datetime.combine(data["since"], dt.time(), tzinfo=zone))
        if data.get("until"):
            end = data["until"] + dt.timedelta(days=1)
            condition &= Q(at__lt=dt.datetime.combine(end, dt.time(), tzinfo=zone))
        return condition


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What you found",
        help_text="For example: “backfilling a colleague's queue on that day, agreed”.",
    )
