"""The request side of tenancy: every workspace page goes through ``workspace_view``."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Role, Workspace
from .permissions import at_least
from .security import has_mfa, mfa_required
from .selectors import member_of


def workspace_view(min_role: str = Role.VIEWER):
    """Resolve ``slug`` to the user's workspace and member, or 404 for anyone else.

    A member below ``min_role`` gets 403: they know the workspace exists. The workspace's
    time zone is active for the request, and its language unless the user chose one.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, slug, *args, **kwargs):
            workspace = Workspace.objects.filter(slug=slug).first()
            member = member_of(workspace, request.user) if workspace else None
            if member is None:
                raise Http404("workspace")
            if mfa_required(workspace, member) and not has_mfa(request.user):
                # The second factor the workspace asks for: set up first, never skipped.
                messages.warning(
                    request,
                    _("%(workspace)s asks for a second factor: add one to go on.")
                    % {"workspace": workspace.name},
                )
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('account_security')}?{query}")
            if not at_least(member, min_role):
                if member.role == Role.CLIENT and request.method == "GET":
                    # A client's place is the reports and dashboards: sent there, not refused.
                    return redirect("reports:list", workspace.slug)
                raise PermissionDenied
            request.workspace = workspace
            request.member = member
            timezone.activate(workspace.zone)
            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(workspace.language)
                request.LANGUAGE_CODE = translation.get_language()
            if request.session.get("workspace") != workspace.slug:
                # Set only when it changes: a session written on every page would cost each
                # page view a write transaction.
                request.session["workspace"] = workspace.slug
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def apply_errors(form, exc) -> None:
    """Show a service's ValidationError next to the fields it names (else above the form)."""
    if hasattr(exc, "message_dict"):
        for field_name, messages in exc.message_dict.items():
            target = field_name if field_name in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def safe_next(request, fallback: str) -> str:
    """Where a form asked to go back to, if that is this site; else ``fallback`` (a ``next``
    pointing elsewhere would make Waypoint an open redirect)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
