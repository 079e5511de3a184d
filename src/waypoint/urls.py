from functools import lru_cache

from django.contrib import admin
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import include, path, re_path, reverse
from django.views.decorators.cache import cache_control

from waypoint import health, observability, pwa
from waypoint.api.api import api
from waypoint.coach import views as coach_views
from waypoint.connectors import views as connector_views
from waypoint.integrations import slack
from waypoint.integrations import views as integration_views
from waypoint.reports import views as report_views
from waypoint.workspaces import account_views, scim, sso
from waypoint.workspaces import views as workspace_views

handler500 = "waypoint.health.server_error"
admin.site.site_header = "Waypoint operators"
admin.site.site_title = "Waypoint operators"


@lru_cache(maxsize=1)
def _vega_bundle() -> str:
    import vl_convert

    return vl_convert.javascript_bundle()


@cache_control(public=True, max_age=86400)
def admin_login(request):
    from urllib.parse import urlencode

    from waypoint.workspaces.web import safe_next

    next_url = safe_next(request, "/admin/")
    return redirect(reverse("account_login") + "?" + urlencode({"next": next_url}))


def vega_bundle(request):
    """vega-embed, Vega-Lite and Vega in one script, built offline by vl-convert (no CDN)."""
    return HttpResponse(_vega_bundle(), content_type="text/javascript; charset=utf-8")


urlpatterns = [
    path("", workspace_views.start, name="start"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", observability.metrics, name="metrics"),
    path("api/v1/", api.urls),
    # The admin logs in through the same door as everyone (throttled, rate-limited).
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/security/", account_views.account_security, name="account_security"),
    path(
        "accounts/security/sessions/<int:pk>/end/",
        account_views.session_end,
        name="account_session_end",
    ),
    path(
        "accounts/security/sessions/end/",
        account_views.sessions_end_others,
        name="account_sessions_end_others",
    ),
    path("accounts/sessions/", account_views.sessions_moved),
    path("accounts/my-data.json", account_views.personal_export, name="account_export"),
    path("accounts/sso/", sso.sso_start, name="sso_start"),
    # allauth's OpenID Connect views, with the ID token's signature always checked.
    path("accounts/oidc/<str:provider_id>/login/", sso.oidc_login),
    path("accounts/oidc/<str:provider_id>/login/callback/", sso.oidc_callback),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("vendor/vega.js", vega_bundle, name="vega_bundle"),
    # SCIM 2.0 for companies' directories; without trailing slashes, as Okta and Entra send.
    re_path(r"^scim/v2/(?P<kind>[A-Za-z]{1,40})/?$", scim.endpoint, name="scim"),
    re_path(
        r"^scim/v2/(?P<kind>Users|Groups)/(?P<pk>[^/]{1,64})/?$",
        scim.endpoint,
        name="scim_resource",
    ),
    path("slack/events", slack.events, name="slack_events"),
    path("inbound/email/", integration_views.inbound_email, name="inbound_email"),
    path("hooks/catch/<str:token>/", connector_views.catch, name="catch_hook"),
    path("oauth/callback/", connector_views.oauth_callback, name="oauth_callback"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    path("icons/<int:size>.png", pwa.icon, name="icon"),
    path("workspaces/new/", workspace_views.workspace_create, name="workspaces_create"),
    path("portfolio/", coach_views.portfolio, name="portfolio"),
    path("invite/<str:token>/", workspace_views.invitation_accept, name="invitation"),
    path("w/<slug:slug>/", include("waypoint.okrs.urls")),
    path("w/<slug:slug>/", include("waypoint.workspaces.urls")),
    path("w/<slug:slug>/", include("waypoint.kpis.urls")),
    path("w/<slug:slug>/", include("waypoint.coach.urls")),
    path("w/<slug:slug>/", include("waypoint.integrations.urls")),
    path("w/<slug:slug>/", include("waypoint.connectors.urls")),
    path("w/<slug:slug>/", include("waypoint.reports.urls")),
    path("w/<slug:slug>/", include("waypoint.imports.urls")),
    path("share/<str:token>/", report_views.shared, name="shared_report"),
    path("share/<str:token>/pdf/", report_views.shared_pdf, name="shared_report_pdf"),
]
