"""The daily check-in form: two questions, answered with a tap, no JavaScript."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

SYMPTOMS = [
    ("fever", "A high temperature"),
    ("cough", "A new, continuous cough"),
    ("smell_taste", "A loss or change to your sense of smell or taste"),
    ("other", "Other symptoms: feeling unwell"),
]
SUPPORT = [
    ("food", "Food or essential shopping"),
    ("medicine", "Collecting medicine"),
    ("money", "Money worries because you cannot work"),
    ("wellbeing", "Someone to talk to"),
]
YES_NO = [("no", "No"), ("yes", "Yes")]


class CheckInForm(forms.Form):
    unwell = forms.ChoiceField(
        label="Do you have any symptoms of coronavirus today?", choices=YES_NO,
        widget=forms.RadioSelect, error_messages={"required": "Tell us whether you have symptoms."},
    )  # fmt: skip
    symptoms = forms.MultipleChoiceField(
        label="Which symptoms?", choices=SYMPTOMS, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    needs_help = forms.ChoiceField(
        label="Do you need any help while you stay at home?", choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Tell us whether you need help."},
    )  # fmt: skip
    support = forms.MultipleChoiceField(
        label="What help do you need?", choices=SUPPORT, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("unwell") == "yes" and not data.get("symptoms"):
            self.add_error("symptoms", ValidationError("Choose at least one symptom."))
        if data.get("unwell") == "no":
            data["symptoms"] = []
        if data.get("needs_help") == "yes" and not data.get("support"):
            self.add_error("support", ValidationError("Choose the help you need."))
        if data.get("needs_help") == "no":
            data["support"] = []
        return data
