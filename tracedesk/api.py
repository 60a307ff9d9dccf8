"""The JSON API under /api/: OpenAPI at /api/openapi.json, browsable docs at /api/docs.

Handlers read through the same access layer as the web pages, so scope and
rights are decided in one place; this module only turns their exceptions
into JSON errors.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as RequestValidationError

from tracedesk.accounts.api_auth import BearerToken, BrowserSession
from tracedesk.audit.hooks import audited_api_operation
from tracedesk.cases.api import cases_router, contacts_router
from tracedesk.clusters.api import router as clusters_router
from tracedesk.contracts.api import router as contracts_router
from tracedesk.exports.api import router as exports_router
from tracedesk.ingest.api import router as ingest_router
from tracedesk.linkage.api import router as linkage_router
from tracedesk.people.api import router as people_router
from tracedesk.places.api import router as places_router
from tracedesk.tracing.api import router as tracing_router

api = NinjaAPI(
    title="tracedesk API",
    version="1",
    urls_namespace="api",
    description="Contact tracing records in your scope. See docs/api.md.",
    auth=[BearerToken(), BrowserSession()],
)
# Every operation: list reads record the ids they returned, refusals are audited.
api.add_decorator(audited_api_operation)

api.add_router("/people", people_router)
api.add_router("/cases", cases_router)
api.add_router("/contacts", contacts_router)
api.add_router("", ingest_router)
api.add_router("", linkage_router)
api.add_router("", clusters_router)
api.add_router("", places_router)
api.add_router("", contracts_router)
api.add_router("", exports_router)
api.add_router("", tracing_router)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "Authentication required: send a valid bearer token."}, status=401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden."}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Never echo the lookup: "not found" and "outside your scope" must look alike.
    return api.create_response(request, {"detail": "Not found."}, status=404)


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Return a Django ValidationError as ``[{"field": ..., "message": ...}]``."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": NON_FIELD_ERRORS, "message": message} for message in exc.messages]


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": field_errors(exc)}, status=422)


def _field_name(loc: tuple[str | int, ...]) -> str:
    # ninja reports ("body", "payload", "last_exposure_date") or ("query", "limit"):
    # the caller knows the field, not our handler's parameter name.
    parts = [str(part) for part in loc]
    parts = parts[2:] if parts[:1] == ["body"] and len(parts) > 2 else parts[1:]
    return ".".join(parts) or NON_FIELD_ERRORS


@api.exception_handler(RequestValidationError)
def invalid_request(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
    detail = [
        {"field": _field_name(tuple(error.get("loc", ()))), "message": str(error.get("msg", ""))}
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)
