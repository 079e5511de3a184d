"""Checks every request passes before a view reads it."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse


class RequestSizeMiddleware:
    """Refuse a request whose declared body is larger than any form, upload or API call
    needs, before a byte of it is read: Django itself bounds form fields and request.body
    but spools file uploads of any size to disk."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > settings.MAX_REQUEST_BYTES:
            mb = settings.MAX_REQUEST_BYTES // (1024 * 1024)
            if request.path.startswith("/api/"):
                body = {
                    "type": "about:blank",
                    "title": "Content Too Large",
                    "status": 413,
                    "detail": f"The request body is larger than {mb} MB.",
                }
                return HttpResponse(
                    json.dumps(body), status=413, content_type="application/problem+json"
                )
            return HttpResponse(
                f"The request is larger than {mb} MB.", status=413, content_type="text/plain"
            )
        return self.get_response(request)


class SessionSeenMiddleware:
    """Keeps a signed-in session's "last seen" and address for the person's list of sessions
    and devices, written at most every five minutes (``workspaces.security.seen``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Only where the request read the session anyway: a health check or a static file
        # costs no query for it.
        session = getattr(request, "session", None)
        if session is not None and session.accessed and request.user.is_authenticated:
            from waypoint.workspaces import security

            security.seen(request)
        return response
