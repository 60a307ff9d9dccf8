"""Signing in (with a second factor), confirming identity, and staff account management."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tracedesk.accounts import actions, reauth, throttle, twofactor
from tracedesk.accounts.access import users_for
from tracedesk.accounts.decorators import requires
from tracedesk.accounts.forms import (
    AcceptInvitationForm,
    CodeForm,
    ConfirmIdentityForm,
    InviteForm,
    JurisdictionsForm,
    RoleForm,
    SetupForm,
    ThrottledAuthenticationForm,
)
from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import scope_ids
from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.audit.reads import audit_read, client_address
from tracedesk.geography.models import Jurisdiction

SOURCE = "web"


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # Signing in updates last_login: audited like any change to the account.
        # Failed attempts are kept as LoginFailure rows (username, address, time).
        with transaction.atomic():
            record_event(
                form.get_user(),
                Action.UPDATE,
                form.get_user(),
                purpose="signed in with password",
                source=SOURCE,
                fields=["last_login"],
            )
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        errors = form.non_field_errors().as_data() if form is not None and form.is_bound else []
        locked = [error for error in errors if error.code == "locked"]
        context["locked_message"] = locked[0].messages[0] if locked else ""
        return context


def _next_url(request: HttpRequest, default: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


# --- Two-factor sign-in ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Show a new secret (QR code and text) and confirm it with a first code."""
    user: User = request.user  # type: ignore[assignment]
    if twofactor.confirmed_device(user) is not None and twofactor.needs_verification(user):
        # An existing authenticator must be used (or reset by an administrator),
        # never replaced by someone holding only the password.
        return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': _next_url(request)})}")
    device = twofactor.pending_device(user)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = actions.confirm_two_factor(
                user, device, form.cleaned_data["code"], source=SOURCE
            )
        except ValidationError as exc:
            form.add_error("code", exc.message_dict.get("code", exc.messages))
        else:
            twofactor.mark_verified(request, device)
            reauth.mark_authenticated(request)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": twofactor.qr_svg(device),
            "secret": twofactor.secret_base32(device),
            "required": twofactor.required_for(user),
            "next": _next_url(request),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the code from the app (or a recovery code) after the password."""
    user: User = request.user  # type: ignore[assignment]
    device = twofactor.confirmed_device(user)
    if device is None:
        return redirect(f"{reverse('two-factor-setup')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind = twofactor.check_code(user, device, form.cleaned_data["code"])
        if kind == "throttled":
            form.add_error("code", "Too many wrong codes: wait a little, then try again.")
        elif kind is None:
            form.add_error(
                "code",
                "That code is not right. Check the time on your phone, or use a recovery code.",
            )
        else:
            twofactor.mark_verified(request, device)
            reauth.mark_authenticated(request)
            with transaction.atomic():
                record_event(
                    user,
                    Action.UPDATE,
                    user,
                    purpose="second factor given"
                    if kind == "app"
                    else "second factor given with a recovery code",
                    source=SOURCE,
                )
            if kind == "recovery":
                left = twofactor.unused_recovery_codes(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Make new ones on your "
                    "two-factor page if you are running low.",
                )
            return redirect(_next_url(request))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_manage(request: HttpRequest) -> HttpResponse:
    """One's own two-factor status; replace the recovery codes (after confirming)."""
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        if not reauth.authenticated_recently(request):
            return redirect(reauth.confirm_url(reverse("two-factor-manage")))
        if twofactor.confirmed_device(user) is None:
            return redirect("two-factor-setup")
        codes = actions.regenerate_recovery_codes(user, source=SOURCE)
        return render(
            request,
            "accounts/recovery_codes.html",
            {"codes": codes, "next": reverse("two-factor-manage"), "first_time": False},
        )
    return render(
        request,
        "accounts/two_factor_manage.html",
        {
            "device": twofactor.confirmed_device(user),
            "unused": twofactor.unused_recovery_codes(user),
            "required": twofactor.required_for(user),
        },
    )


# --- Re-authentication ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Confirm it is still you (password, and a code with two-factor) before bulk work."""
    user: User = request.user  # type: ignore[assignment]
    device = twofactor.confirmed_device(user)
    form = ConfirmIdentityForm(request.POST or None, user=user, needs_code=device is not None)
    address = client_address(request)
    if request.method == "POST":
        lock = throttle.lock_for(user.username, address)
        if lock is not None:
            form.is_valid()
            form.add_error(None, "Too many failed attempts: sign out and try again later.")
        elif form.is_valid():
            kind = twofactor.check_code(user, device, form.cleaned_data["code"]) if device else "-"
            if kind == "throttled":
                form.add_error("code", "Too many wrong codes: wait a little, then try again.")
            elif kind is None:
                form.add_error("code", "That code is not right.")
            else:
                reauth.mark_authenticated(request)
                return redirect(_next_url(request))
        elif "password" in form.errors:
            throttle.record_failure(user.username, address)
    return render(
        request, "accounts/reauthenticate.html", {"form": form, "next": _next_url(request)}
    )


# --- Invitations ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, key: str) -> HttpResponse:
    """An invited member of staff chooses their password (link works once, then expires)."""
    invitation = actions.invitation_for_key(key)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.accept_invitation(invitation, form.cleaned_data["new_password1"], source=SOURCE)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your password is set. Sign in with it now.")
            return redirect("login")
    return render(
        request, "accounts/accept_invitation.html", {"form": form, "invited": invitation.user}
    )


# --- Staff accounts (administrators) -------------------------------------------


def _jurisdictions_in_scope(user: object) -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.filter(id__in=scope_ids(user)).order_by("path")


def _user_for(request: HttpRequest, user_id: int) -> User:
    return get_object_or_404(users_for(request.user), pk=user_id)


@require_safe
@requires(Right.MANAGE_USERS)
def user_list(request: HttpRequest) -> HttpResponse:
    accounts = list(users_for(request.user))
    locked = {account.pk for account in accounts if throttle.is_locked(account.username)}
    audit_read(request, User, purpose="staff accounts list", ids=[a.pk for a in accounts])
    return render(request, "accounts/user_list.html", {"accounts": accounts, "locked": locked})


@require_http_methods(["GET", "POST"])
@requires(Right.MANAGE_USERS)
def user_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None, allowed=_jurisdictions_in_scope(request.user))
    if request.method == "POST" and form.is_valid():
        user, key = actions.invite_user(
            username=form.cleaned_data["username"],
            role=form.cleaned_data["role"],
            email=form.cleaned_data["email"],
            jurisdictions=form.cleaned_data["jurisdictions"],
            actor=request.user,  # type: ignore[arg-type]
            source=SOURCE,
        )
        return _show_link(request, user, key)
    return render(request, "accounts/user_invite.html", {"form": form})


def _show_link(request: HttpRequest, user: User, key: str) -> HttpResponse:
    link = request.build_absolute_uri(reverse("accept-invitation", kwargs={"key": key}))
    return render(request, "accounts/invitation_link.html", {"account": user, "link": link})


@require_safe
@requires(Right.MANAGE_USERS)
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    account = _user_for(request, user_id)
    audit_read(request, account, purpose="staff account page")
    allowed = _jurisdictions_in_scope(request.user)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "locked": throttle.is_locked(account.username),
            "has_two_factor": twofactor.confirmed_device(account) is not None,
            "two_factor_required": twofactor.required_for(account),
            "role_form": RoleForm(initial={"role": account.role}),
            "jurisdictions_form": JurisdictionsForm(
                initial={"jurisdictions": list(account.jurisdictions.all())}, allowed=allowed
            ),
            "is_self": account.pk == request.user.pk,
            "invitation_pending": not account.has_usable_password(),
        },
    )


def _post_user_action(view: Any) -> Any:
    """POST only, MANAGE_USERS, the account in scope; errors shown back on its page."""

    @require_POST
    @requires(Right.MANAGE_USERS)
    def wrapped(request: HttpRequest, user_id: int) -> HttpResponse:
        account = _user_for(request, user_id)
        try:
            result: HttpResponse | None = view(request, account)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            result = None
        return result or redirect("user-detail", user_id=account.pk)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_post_user_action
def user_disable(request: HttpRequest, account: User) -> None:
    revoked = actions.set_active(account, False, actor=request.user, source=SOURCE)  # type: ignore[arg-type]
    messages.success(request, f"{account.username} is disabled; {revoked} API token(s) revoked.")


@_post_user_action
def user_enable(request: HttpRequest, account: User) -> None:
    actions.set_active(account, True, actor=request.user, source=SOURCE)  # type: ignore[arg-type]
    messages.success(request, f"{account.username} can sign in again.")


@_post_user_action
def user_role(request: HttpRequest, account: User) -> None:
    form = RoleForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose a role from the list.")
    actions.change_role(account, form.cleaned_data["role"], actor=request.user, source=SOURCE)  # type: ignore[arg-type]
    messages.success(request, f"{account.username} is now {account.get_role_display()}.")


@_post_user_action
def user_jurisdictions(request: HttpRequest, account: User) -> None:
    form = JurisdictionsForm(request.POST, allowed=_jurisdictions_in_scope(request.user))
    if not form.is_valid():
        raise ValidationError("Choose at least one jurisdiction within your own scope.")
    actions.change_jurisdictions(
        account,
        form.cleaned_data["jurisdictions"],
        actor=request.user,  # type: ignore[arg-type]
        source=SOURCE,
    )
    messages.success(request, f"The jurisdictions of {account.username} are changed.")


@_post_user_action
def user_unlock(request: HttpRequest, account: User) -> None:
    actions.unlock_account(account, actor=request.user, source=SOURCE)  # type: ignore[arg-type]
    messages.success(request, f"{account.username} may sign in again now.")


@_post_user_action
def user_reset_two_factor(request: HttpRequest, account: User) -> None:
    if account.pk == request.user.pk:
        raise ValidationError("Ask another administrator to reset your own two-factor sign-in.")
    actions.reset_two_factor(account, actor=request.user, source=SOURCE)  # type: ignore[arg-type]
    messages.success(
        request, f"{account.username} will set up two-factor sign-in again at their next sign-in."
    )


@_post_user_action
def user_reinvite(request: HttpRequest, account: User) -> HttpResponse:
    if account.has_usable_password() or not account.is_active:
        raise Http404
    key = actions.reissue_invitation(account, actor=request.user, source=SOURCE)  # type: ignore[arg-type]
    return _show_link(request, account, key)
