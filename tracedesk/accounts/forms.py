"""Forms of signing in, confirming identity, and managing staff accounts."""

from __future__ import annotations

import copy
from typing import Any, cast

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from tracedesk.accounts import throttle
from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Role
from tracedesk.audit.reads import client_address
from tracedesk.geography.models import Jurisdiction


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing while the account or address is locked."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else None
        lock = throttle.lock_for(username, address)
        if lock is not None:
            minutes = lock.minutes_left(timezone.now())
            raise ValidationError(
                "Too many failed sign-ins. Try again in %(minutes)d minutes, or ask an "
                "administrator to unlock your account.",
                code="locked",
                params={"minutes": minutes},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.record_failure(username, address)
            raise
        throttle.clear_account(username)
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The six digits your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


class SetupForm(forms.Form):
    code = forms.CharField(
        label="Code from your app",
        max_length=6,
        min_length=6,
        help_text="Six digits.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ConfirmIdentityForm(forms.Form):
    """Password, and a code when the user has two-factor sign-in."""

    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autofocus": True})
    )

    def __init__(self, *args: Any, user: User, needs_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if needs_code:
            self.fields["code"] = copy.deepcopy(CodeForm.base_fields["code"])

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if authenticate(username=self.user.get_username(), password=password) is None:
            raise ValidationError("That is not your password.", code="wrong_password")
        return password


class InviteForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False, help_text="For your records; no email is sent.")
    role = forms.ChoiceField(choices=Role.choices)
    jurisdictions = forms.ModelMultipleChoiceField(queryset=Jurisdiction.objects.none())

    def __init__(self, *args: Any, allowed: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["jurisdictions"])
        field.queryset = allowed

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("An account with this username already exists.")
        return username


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class JurisdictionsForm(forms.Form):
    jurisdictions = forms.ModelMultipleChoiceField(queryset=Jurisdiction.objects.none())

    def __init__(self, *args: Any, allowed: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["jurisdictions"])
        field.queryset = allowed


class AcceptInvitationForm(SetPasswordForm):
    """Choose a password (checked by the password validators against this user)."""
