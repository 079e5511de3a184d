"""A person's own account: how they sign in (password, second factors) and where they are
signed in (sessions and devices, each one ended on demand)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import security
from .web import safe_next


@login_required
def account_security(request):
    from allauth.mfa.models import Authenticator

    if "next" in request.GET:
        request.session["mfa_next"] = safe_next(request, "")
    factors = list(Authenticator.objects.filter(user=request.user).order_by("created_at"))
    sessions = [
        {
            "session": s,
            "device": security.device(s.user_agent),
            "current": s.session_key == request.session.session_key,
        }
        for s in security.sessions_of(request.user)
    ]
    has_factor = any(f.type != Authenticator.Type.RECOVERY_CODES for f in factors)
    return render(
        request,
        "workspaces/account_security.html",
        {
            "factors": [f for f in factors if f.type != Authenticator.Type.RECOVERY_CODES],
            "has_factor": has_factor,
            "has_totp": any(f.type == Authenticator.Type.TOTP for f in factors),
            "recovery": any(f.type == Authenticator.Type.RECOVERY_CODES for f in factors),
            "sessions": sessions,
            "next": request.session.get("mfa_next", "") if has_factor else "",
        },
    )


@require_POST
@login_required
def session_end(request, pk):
    if security.end_session(user=request.user, pk=pk, request=request):
        messages.success(request, _("That session is signed out."))
    return redirect("account_security")


@require_POST
@login_required
def sessions_end_others(request):
    ended = security.sign_out_everywhere(
        user=request.user, actor=request.user, request=request, keep_current=True
    )
    messages.success(request, _("Signed out everywhere else (%(n)s sessions).") % {"n": ended})
    return redirect("account_security")


def sessions_moved(request):
    """allauth's own list of sessions lives on the security page, with a device each."""
    return redirect("account_security")


@login_required
def personal_export(request):
    """Everything Waypoint holds about the person, as one JSON file, written as it is read."""
    from django.http import StreamingHttpResponse

    from .privacy import person_export

    security.event("data_export", user=request.user, actor=request.user, request=request)
    response = StreamingHttpResponse(
        person_export(request.user), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="waypoint-my-data.json"'
    return response
