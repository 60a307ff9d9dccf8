"""Export endpoints: every list as CSV, XLSX or Parquet, streamed, like the web's exports.

The same rights, scope, minimisation and audit as ``/exports/`` (they share
``datasets.rows_for`` and ``views.audit_export``/``views.send``). A record list is a bulk
copy, and the web asks for the password again before one; the API equivalent is
``POST /api/exports/confirm`` with the password (and a code for two-factor users): it
confirms *that token* for ``TRACEDESK_REAUTH_SECONDS``. A browser session using the API
confirms on ``/accounts/confirm/`` as for the web pages (or through the same endpoint).
"""

# No "from __future__ import annotations": ninja reads these signatures at runtime.
import datetime as dt
from collections.abc import Callable
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from tracedesk.accounts import reauth, throttle, twofactor
from tracedesk.accounts.api_auth import TOKEN_PREFIX, caller
from tracedesk.accounts.forms import ConfirmIdentityForm
from tracedesk.accounts.models import ApiToken, hash_token
from tracedesk.accounts.roles import Right, require
from tracedesk.audit.models import Action, AuditEvent
from tracedesk.audit.reads import client_address
from tracedesk.exports.datasets import DATASETS, KPI_COLUMNS, Dataset, kpi_rows, rows_for
from tracedesk.exports.models import TokenConfirmation
from tracedesk.exports.views import FORMATS, MAX_KPI_DAYS, audit_export, may_export, send

router = Router(tags=["exports"])

Format = Literal["csv", "xlsx", "parquet"]
SOURCE = "api"


class ExportOut(Schema):
    key: str
    title: str
    description: str
    url: str = Field(description="GET it with ?format=csv, xlsx or parquet")
    needs_confirmation: bool = Field(
        description="A record list: confirm your password (POST /api/exports/confirm) first"
    )


class ConfirmIn(Schema):
    password: str
    code: str = Field("", description="A six-digit or recovery code, for two-factor users")


class ConfirmOut(Schema):
    confirmed_until: dt.datetime


class ExportFormat(Schema):
    format: Format = "csv"


class KpiExportQuery(Schema):
    format: Format = "csv"
    days: int = Field(28, ge=1, le=MAX_KPI_DAYS, description="Days back from today")


def _token(request: HttpRequest) -> ApiToken | None:
    """The API token this request authenticated with (None for a browser session)."""
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not key.startswith(TOKEN_PREFIX):
        return None
    return ApiToken.objects.filter(key_hash=hash_token(key), revoked_at__isnull=True).first()


def confirmed_recently(request: HttpRequest, now: dt.datetime | None = None) -> bool:
    """Whether the caller confirmed their password within ``REAUTH_SECONDS``: this token's
    confirmation for a bearer token, the session's for a browser."""
    token = _token(request)
    if token is None:
        return reauth.authenticated_recently(request, now)
    confirmation = TokenConfirmation.objects.filter(token=token).first()
    if confirmation is None:
        return False
    age = ((now or timezone.now()) - confirmation.confirmed_at).total_seconds()
    return 0 <= age <= settings.REAUTH_SECONDS


@router.get("/exports", response=list[ExportOut], operation_id="list_exports")
def list_exports(request: HttpRequest) -> list[ExportOut]:
    """The lists you may export (the KPI table, and record lists with the export rights)."""
    user = caller(request)
    require(user, Right.VIEW_STATISTICS)
    offered = [
        ExportOut(
            key=d.key,
            title=d.title,
            description=d.description,
            url=f"/api/exports/{d.key}",
            needs_confirmation=d.personal,
        )
        for d in DATASETS.values()
        if may_export(user, d)
    ]
    kpis = ExportOut(
        key="kpis",
        title="KPI table",
        description="Each KPI per day over your scope (?days=, 1-366).",
        url="/api/exports/kpis",
        needs_confirmation=False,
    )
    return [kpis, *offered]


@router.post("/exports/confirm", response=ConfirmOut, operation_id="confirm_for_export")
def confirm_for_export(request: HttpRequest, payload: ConfirmIn) -> ConfirmOut:
    """Confirm it is still you before exporting records: your password (and code).

    Confirms the token this request carries (or the browser session) for
    ``TRACEDESK_REAUTH_SECONDS``. Wrong passwords count towards the sign-in lockout.
    """
    user = caller(request)
    require(user, Right.VIEW_STATISTICS)
    address = client_address(request)
    if throttle.lock_for(user.username, address) is not None:
        raise reauth.ReauthenticationRequired("Too many failed attempts: try again later.")
    device = twofactor.confirmed_device(user)
    form = ConfirmIdentityForm(
        {"password": payload.password, "code": payload.code},
        user=user,
        needs_code=device is not None,
    )
    if not form.is_valid():
        if "password" in form.errors:
            throttle.record_failure(user.username, address)
        raise reauth.ReauthenticationRequired(
            "Not confirmed: "
            + "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items())
        )
    if device is not None:
        kind = twofactor.check_code(user, device, form.cleaned_data["code"])
        if kind in {None, "throttled"}:
            raise reauth.ReauthenticationRequired("Not confirmed: code: that code is not right.")
    now = timezone.now()
    token = _token(request)
    with transaction.atomic():
        if token is None:
            reauth.mark_authenticated(request, now)
        else:
            TokenConfirmation.objects.update_or_create(token=token, defaults={"confirmed_at": now})
        AuditEvent.objects.create(
            actor=user,
            actor_role=user.role,
            source=SOURCE,
            action=Action.UPDATE,
            object_type="accounts.apitoken" if token else "accounts.user",
            object_id=str(token.pk if token else user.pk),
            purpose="confirmed password before exporting",
            client_ip=address,
        )
    return ConfirmOut(confirmed_until=now + dt.timedelta(seconds=settings.REAUTH_SECONDS))


@router.get("/exports/kpis", operation_id="export_kpis", response={200: None})
def export_kpis(request: HttpRequest, query: Query[KpiExportQuery]) -> HttpResponse:
    """The KPI table (each KPI, unsegmented, per day over your scope) as a streamed file."""
    user = caller(request)
    require(user, Right.VIEW_STATISTICS)
    audit_export(
        request,
        "kpis.table",
        purpose=f"export KPI table ({query.days} days) as {query.format}",
        source=SOURCE,
    )
    rows = kpi_rows(user, days=query.days)
    return send(KPI_COLUMNS, rows, key="kpis", title="KPIs", fmt=query.format)


def _export_handler(dataset: Dataset) -> Callable[..., HttpResponse]:
    def handler(request: HttpRequest, query: Query[ExportFormat]) -> HttpResponse:
        user = caller(request)
        rows_for(user, dataset)  # 403 here without the rights, before anything else
        if dataset.personal and not confirmed_recently(request):
            raise reauth.ReauthenticationRequired(
                "Confirm your password first: POST /api/exports/confirm with this token "
                f"(valid for {settings.REAUTH_SECONDS} seconds), then retry."
            )
        exported = audit_export(
            request,
            dataset.model,
            purpose=f"export {dataset.key} as {query.format}",
            source=SOURCE,
        )
        columns, rows = rows_for(user, dataset, exported=exported)
        return send(columns, rows, key=dataset.key, title=dataset.title, fmt=query.format)

    handler.__name__ = f"export_{dataset.key.replace('-', '_')}"
    handler.__doc__ = (
        f"{dataset.title}: {dataset.description} Streamed as CSV, XLSX or Parquet "
        f"({', '.join(FORMATS)}); every exported id is recorded in the audit trail."
    )
    return handler


for _dataset in DATASETS.values():
    router.get(
        f"/exports/{_dataset.key}",
        operation_id=f"export_{_dataset.key.replace('-', '_')}",
        response={200: None},
    )(_export_handler(_dataset))
