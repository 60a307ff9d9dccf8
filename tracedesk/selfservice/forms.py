"""The self-service forms: plain HTML forms that work on a phone without JavaScript."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from tracedesk.lib.identifiers import normalise_uk_phone
from tracedesk.lib.postcodes import PostcodeError, normalise_postcode
from tracedesk.places.models import SettingType


class DateInput(forms.DateInput):
    input_type = "date"  # the phone's own date picker; typed YYYY-MM-DD works everywhere

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y"]


class BirthDateForm(forms.Form):
    date_of_birth = forms.DateField(
        label="Your date of birth",
        help_text="For example 2 January 1980. This confirms the link reached you.",
        input_formats=DATE_FORMATS,
        widget=DateInput(attrs={"autocomplete": "bday"}),
        error_messages={
            "required": "Enter your date of birth.",
            "invalid": "Enter your date of birth as a real date, for example 1980-01-02.",
        },
    )


class WindowedForm(forms.Form):
    """A row whose date must fall in the case's exposure window."""

    def __init__(self, *args: Any, window: tuple[dt.date, dt.date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window = window

    def check_in_window(self, day: dt.date | None, what: str) -> dt.date | None:
        start, end = self.window
        if day is not None and not start <= day <= end:
            raise ValidationError(
                f"{what} must be between {start:%-d %B} and {end:%-d %B %Y} "
                "(the days you could have passed the infection on)."
            )
        return day


class ContactForm(WindowedForm):
    first_name = forms.CharField(
        label="First name", max_length=100, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    last_name = forms.CharField(
        label="Last name", max_length=100, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    phone = forms.CharField(
        label="Mobile or phone number", max_length=20, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )  # fmt: skip
    email = forms.EmailField(
        label="Email address", required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )  # fmt: skip
    date_of_birth = forms.DateField(
        label="Date of birth (if you know it)", required=False, input_formats=DATE_FORMATS,
        widget=DateInput(),
        error_messages={"invalid": "Enter a real date, for example 1980-01-02, or leave it empty."},
    )  # fmt: skip
    household = forms.BooleanField(label="Lives with me", required=False)
    last_contact = forms.DateField(
        label="Last day you were together", required=False, input_formats=DATE_FORMATS,
        widget=DateInput(),
        error_messages={"invalid": "Enter a real date, for example 2020-10-02."},
    )  # fmt: skip

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"].strip()
        if not text:
            return ""
        phone = normalise_uk_phone(text)
        if not phone:
            raise ValidationError("Enter a UK phone number, like 07700 900123.")
        return phone

    def clean_date_of_birth(self) -> dt.date | None:
        born = self.cleaned_data["date_of_birth"]
        if born is not None and not dt.date(1900, 1, 1) <= born <= timezone.localdate():
            raise ValidationError("A date of birth must be in the past (or leave it empty).")
        return born

    def clean_last_contact(self) -> dt.date | None:
        return self.check_in_window(self.cleaned_data["last_contact"], "The last day together")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.has_changed():
            return data
        if not data.get("first_name", "").strip() and "first_name" not in self.errors:
            self.add_error("first_name", "Enter their first name.")
        if not data.get("last_name", "").strip() and "last_name" not in self.errors:
            self.add_error("last_name", "Enter their last name.")
        if not data.get("last_contact") and "last_contact" not in self.errors:
            self.add_error("last_contact", "Enter the last day you were together.")
        no_way_to_reach = not data.get("phone") and not data.get("email")
        if no_way_to_reach and not data.get("household") and not self.errors.get("phone"):
            self.add_error(
                "phone",
                "Give a phone number or an email address, so we can reach them "
                "(not needed for someone who lives with you).",
            )
        return data


class PlaceForm(WindowedForm):
    name = forms.CharField(label="Name of the place", max_length=200, required=False)
    setting_type = forms.ChoiceField(
        label="What kind of place", choices=SettingType.choices, initial=SettingType.OTHER
    )
    postcode = forms.CharField(label="Postcode (if you know it)", max_length=10, required=False)
    visited_on = forms.DateField(
        label="Day you were there", required=False, input_formats=DATE_FORMATS,
        widget=DateInput(),
        error_messages={"invalid": "Enter a real date, for example 2020-10-02."},
    )  # fmt: skip

    def has_changed(self) -> bool:
        # The kind of place has a default, so choosing only it is not filling in the row.
        return any(name in self.changed_data for name in ("name", "postcode", "visited_on"))

    def clean_postcode(self) -> str:
        text = self.cleaned_data["postcode"].strip()
        if not text:
            return ""
        try:
            return normalise_postcode(text)
        except PostcodeError:
            message = "Enter a full UK postcode, like LS6 3AB, or leave it empty."
            raise ValidationError(message) from None

    def clean_visited_on(self) -> dt.date | None:
        return self.check_in_window(self.cleaned_data["visited_on"], "The day you were there")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.has_changed():
            return data
        if not data.get("name", "").strip() and "name" not in self.errors:
            self.add_error("name", "Enter the name of the place.")
        if not data.get("visited_on") and "visited_on" not in self.errors:
            self.add_error("visited_on", "Enter the day you were there.")
        return data


class BaseRows(forms.BaseFormSet):
    """Rows of a list where blank rows are simply ignored."""

    def __init__(self, *args: Any, window: tuple[dt.date, dt.date], **kwargs: Any) -> None:
        self.window = window
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "window": self.window}

    @property
    def empty_form(self) -> forms.Form:
        form: forms.Form = self.form(
            auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), empty_permitted=True,
            use_required_attribute=False, window=self.window,
        )  # fmt: skip
        self.add_fields(form, None)
        return form

    def filled(self) -> list[dict[str, Any]]:
        return [form.cleaned_data for form in self.forms if form.has_changed()]


MAX_ROWS = 30
ContactRows = cast(
    type[BaseRows],
    forms.formset_factory(
        ContactForm, formset=BaseRows, extra=0, max_num=MAX_ROWS, validate_max=True
    ),
)
PlaceRows = cast(
    type[BaseRows],
    forms.formset_factory(
        PlaceForm, formset=BaseRows, extra=0, max_num=MAX_ROWS, validate_max=True
    ),
)
