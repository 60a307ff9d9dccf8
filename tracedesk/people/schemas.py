"""What the API says about people, and the paging every list endpoint shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from tracedesk.privacy.minimise import visible_fields

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50


class PageParams(LimitOffsetPagination.Input):
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page")
    offset: int = Field(0, ge=0, le=2**31, description="Rows to skip")


class Pages(LimitOffsetPagination):
    """``?limit=&offset=`` paging, at most ``MAX_PAGE_SIZE`` rows a page (more is a 422)."""

    Input = PageParams

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_PAGE_SIZE, **kwargs)


M = TypeVar("M", bound=Model)


class Mapped(Generic[M]):
    """A queryset whose rows are turned into API objects only for the page sent.

    ``Pages`` slices it and counts it as it would the queryset (``count`` is every row,
    in the database), so a list of summaries is neither built whole nor cut short.
    """

    def __init__(self, rows: QuerySet[M], to_item: Callable[[M], Any]) -> None:
        self.rows, self.to_item = rows, to_item

    def all(self) -> QuerySet[M]:  # what ``Pages`` counts
        return self.rows.all()

    def __len__(self) -> int:
        return self.rows.count()

    def __getitem__(self, page: slice) -> list[Any]:
        return [self.to_item(row) for row in self.rows[page]]


class JurisdictionOut(Schema):
    code: str
    name: str


class AddressOut(Schema):
    line1: str
    line2: str
    town: str
    postcode: str


NHS_NUMBER_NOTE = "null when your role does not need it (tracers; see docs/security.md)"


def minimised(person: Any, field: str, context: Any) -> Any:
    """Return a person's field, or None when the caller's role may not see it."""
    user = getattr((context or {}).get("request"), "user", None)
    if field not in visible_fields(user, "people.person"):
        return None
    return getattr(person, field)


class PersonSummary(Schema):
    """A person as shown inside a case or contact: enough to recognise and reach them."""

    id: int
    nhs_number: str | None = Field(description=NHS_NUMBER_NOTE)
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    sex: str
    phone: str
    preferred_language: str

    @staticmethod
    def resolve_nhs_number(person: Any, context: Any) -> str | None:
        return minimised(person, "nhs_number", context)


class PersonOut(Schema):
    id: int
    nhs_number: str | None = Field(description=NHS_NUMBER_NOTE)
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    sex: str
    phone: str
    email: str
    preferred_language: str
    address: AddressOut | None
    household_id: int | None
    jurisdiction: JurisdictionOut
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_nhs_number(person: Any, context: Any) -> str | None:
        return minimised(person, "nhs_number", context)
