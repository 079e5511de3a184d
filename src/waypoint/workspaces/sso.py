"""Single sign-on with a workspace's identity provider, through django-allauth's
``openid_connect`` and ``saml`` providers.

Each workspace has at most one connection (``SsoConnection``), made by its admins: the
provider's issuer, the client ID and secret (encrypted), and the e-mail domains it vouches
for. allauth's app for it is built here from that row (``ws-<id>``), never listed on the
sign-in page (which would tell who uses Waypoint). The connection is trusted for addresses
at its domains only: a provider cannot sign anyone else in. People who arrive the first time
join the workspace with its role for provisioned people (just in time). A connection can be
required: people at its domains then cannot sign in with a password.

Every request to the provider (discovery, token, keys, user info) goes through the outbound
policy, and the ID token's signature is always checked against the provider's keys (allauth
skips that check for a token fetched directly from the token endpoint, which the standard
allows; a workspace's provider is not trusted that far).
"""

from __future__ import annotations

import json

import requests
from allauth.account.internal.decorators import login_not_required
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from waypoint import outbound

from . import audit
from .models import Member, Role, SsoConnection, User, Workspace

PREFIX = "ws-"
# Addresses anyone can get: never a company's domain to claim.
PUBLIC_DOMAINS = {
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "web.de",
    "yandex.ru",
    "ya.ru",
    "mail.ru",
    "qq.com",
    "163.com",
    "126.com",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "interia.pl",
}


# --- Outbound -------------------------------------------------------------------------------


class OutboundAdapter(BaseAdapter):
    """requests' transport replaced by the outbound policy: address checked and pinned,
    10 s, 1 MB, redirects checked like the first address."""

    def send(self, request, **kwargs):
        body = request.body.encode() if isinstance(request.body, str) else request.body
        try:
            found = outbound.request(
                request.method, request.url, body=body, headers=dict(request.headers)
            )
        except (outbound.OutboundRefused, OSError) as exc:
            raise requests.ConnectionError(str(exc), request=request) from exc
        response = requests.Response()
        response.status_code = found.status
        response._content = found.body
        response.headers = CaseInsensitiveDict(found.headers)
        response.url = found.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


def session() -> requests.Session:
    made = requests.Session()
    made.mount("http://", OutboundAdapter())
    made.mount("https://", OutboundAdapter())
    return made


# --- Connections ----------------------------------------------------------------------------


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def connection_for_provider(provider_id: str) -> SsoConnection | None:
    if not provider_id.startswith(PREFIX) or not provider_id[len(PREFIX) :].isdigit():
        return None
    return (
        SsoConnection.objects.select_related("workspace")
        .filter(workspace_id=int(provider_id[len(PREFIX) :]))
        .first()
    )


def connection_for_email(email: str) -> SsoConnection | None:
    domain = domain_of(email)
    if not domain:
        return None
    for found in SsoConnection.objects.select_related("workspace").filter(
        domains__icontains=domain
    ):
        if domain in found.domain_list:
            return found
    return None


def _app(connection: SsoConnection):
    from allauth.socialaccount.models import SocialApp

    from waypoint.lib import vault

    trust = {
        # The provider vouches for its domains' addresses, and signs in the accounts that
        # have them: domains a workspace proved it controls.
        "verified_email": connection.domain_list,
        "email_authentication": True,
    }
    if connection.protocol == SsoConnection.Protocol.SAML:
        return SocialApp(
            provider="saml",
            provider_id="",
            name=connection.name,
            client_id=connection.provider_id,
            settings={
                **trust,
                "idp": {
                    "entity_id": connection.idp_entity_id,
                    "sso_url": connection.idp_sso_url,
                    "x509cert": connection.idp_certificate,
                },
                "attribute_mapping": SAML_ATTRIBUTES,
                "advanced": {
                    "strict": True,
                    "want_assertion_signed": True,
                    "reject_idp_initiated_sso": True,
                    "allow_single_label_domains": True,
                },
            },
        )
    return SocialApp(
        provider="openid_connect",
        provider_id=connection.provider_id,
        name=connection.name,
        client_id=connection.client_id,
        secret=vault.decrypt(connection.secret).get("client_secret", ""),
        settings={**trust, "server_url": connection.issuer, "oauth_pkce_enabled": True},
    )


# Where SAML identity providers put the person's id, address and names (Okta, Entra ID,
# Google, ADFS, Keycloak and the plain LDAP-style names).
SAML_ATTRIBUTES = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id", "uid"],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "email",
        "mail",
    ],
    "first_name": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "urn:oid:2.5.4.42",
        "givenName",
        "firstName",
    ],
    "last_name": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "urn:oid:2.5.4.4",
        "sn",
        "lastName",
    ],
}


def _certificate(raw: str) -> str:
    """The identity provider's signing certificate, checked, as base64 without armour."""
    import base64

    from cryptography import x509

    body = "".join(line.strip() for line in raw.strip().splitlines() if "CERTIFICATE" not in line)
    try:
        x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
    except ValueError as exc:
        raise ValidationError(
            {"idp_certificate": _("This is not an X.509 certificate (PEM or base64).")}
        ) from exc
    return body


def _clean_domains(raw: str, *, workspace: Workspace, actor: User) -> list[str]:
    from allauth.account.models import EmailAddress

    domains = sorted(
        {d.strip().lower().lstrip("@") for d in raw.replace(" ", ",").split(",")} - {""}
    )
    if not domains:
        raise ValidationError({"domains": _("Name at least one e-mail domain.")})
    proved = {
        domain_of(e)
        for e in EmailAddress.objects.filter(user=actor, verified=True).values_list(
            "email", flat=True
        )
    }
    for domain in domains:
        if (
            "." not in domain
            or len(domain) > 100
            or not all(part.isalnum() or "-" in part for part in domain.split("."))
        ):
            raise ValidationError(
                {"domains": _("%(domain)s is not a domain.") % {"domain": domain}}
            )
        if domain in PUBLIC_DOMAINS:
            raise ValidationError(
                {
                    "domains": _("%(domain)s is open to anyone: it cannot be claimed.")
                    % {"domain": domain}
                }
            )
        if domain not in proved:
            raise ValidationError(
                {
                    "domains": _(
                        "Your own verified address must be at %(domain)s: that is how Waypoint "
                        "knows the domain is your company's."
                    )
                    % {"domain": domain}
                }
            )
        taken = connection_for_email(f"x@{domain}")
        if taken is not None and taken.workspace_id != workspace.pk:
            raise ValidationError(
                {"domains": _("%(domain)s is claimed by another workspace.") % {"domain": domain}}
            )
    return domains


def _discover(issuer: str) -> dict:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        found = outbound.request("GET", url, headers={"Accept": "application/json"})
        config = json.loads(found.body) if found.status == 200 else None
    except outbound.OutboundRefused as exc:
        raise ValidationError({"issuer": str(exc)}) from exc
    except (OSError, ValueError):
        config = None
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(config, dict) or not all(isinstance(config.get(k), str) for k in needed):
        raise ValidationError(
            {"issuer": _("No OpenID Connect configuration was found at %(url)s.") % {"url": url}}
        )
    if config["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise ValidationError(
            {
                "issuer": _("The provider calls itself %(found)s, not this issuer.")
                % {"found": config["issuer"][:200]}
            }
        )
    return config


@transaction.atomic
def connection_save(
    *,
    workspace: Workspace,
    actor: User,
    name: str,
    domains: str,
    required: bool,
    protocol: str = SsoConnection.Protocol.OIDC,
    issuer: str = "",
    client_id: str = "",
    client_secret: str = "",
    idp_entity_id: str = "",
    idp_sso_url: str = "",
    idp_certificate: str = "",
) -> SsoConnection:
    """Make or change the workspace's connection. OpenID Connect: the issuer answers as a
    provider (checked now, through the outbound policy). SAML: the identity provider's
    entity ID, sign-in address and a certificate that parses. Every domain is the actor's."""
    from waypoint.lib import vault

    found = SsoConnection.objects.filter(workspace=workspace).first()
    fields = {
        "protocol": protocol,
        "name": name.strip()[:60] or _("Single sign-on"),
        "domains": ",".join(_clean_domains(domains, workspace=workspace, actor=actor)),
        "required": bool(required),
        "issuer": "",
        "client_id": "",
        "idp_entity_id": "",
        "idp_sso_url": "",
        "idp_certificate": "",
    }
    secret = None
    if protocol == SsoConnection.Protocol.SAML:
        if not idp_entity_id.strip():
            raise ValidationError({"idp_entity_id": _("Enter the identity provider's entity ID.")})
        if not idp_sso_url.strip().startswith(("https://", "http://")):
            raise ValidationError(
                {"idp_sso_url": _("Enter the identity provider's sign-in address.")}
            )
        fields.update(
            idp_entity_id=idp_entity_id.strip()[:500],
            idp_sso_url=idp_sso_url.strip()[:500],
            idp_certificate=_certificate(idp_certificate),
        )
        secret = ""
    elif protocol == SsoConnection.Protocol.OIDC:
        if not client_id.strip():
            raise ValidationError({"client_id": _("Enter the client ID.")})
        same_oidc = found is not None and found.protocol == protocol
        if not client_secret and not same_oidc:
            raise ValidationError({"client_secret": _("Enter the client secret.")})
        issuer = issuer.strip()
        _discover(issuer)
        fields.update(issuer=issuer, client_id=client_id.strip())
        if client_secret:
            secret = vault.encrypt({"client_secret": client_secret})
    else:
        raise ValidationError({"protocol": _("Choose one of the options.")})
    if found is None:
        found = SsoConnection(workspace=workspace, secret=secret or "", **fields)
        found.save()
        audit.record(
            workspace=workspace,
            actor=actor,
            action="sso.create",
            obj=found,
            after=audit.snapshot(found),
        )
        return found
    if secret is not None:
        found.secret = secret
        found.save(update_fields=["secret"])
    return audit.save_changes(
        found, actor=actor, action="sso.update", workspace=workspace, fields=fields
    )


@transaction.atomic
def connection_delete(*, connection: SsoConnection, actor: User) -> None:
    audit.record(
        workspace=connection.workspace,
        actor=actor,
        action="sso.delete",
        obj=connection,
        before=audit.snapshot(connection),
    )
    connection.delete()


def required_for(email: str) -> SsoConnection | None:
    """The connection people at this address's domain must sign in through, if any."""
    found = connection_for_email(email)
    return found if found is not None and found.required else None


def join(connection: SsoConnection, user: User) -> Member | None:
    """Just in time: someone the provider signed in joins its workspace (not back, if the
    directory deactivated them)."""
    member = Member.objects.filter(workspace=connection.workspace, user=user).first()
    if member is not None:
        return member if member.deactivated_at is None else None
    member = Member.objects.create(
        workspace=connection.workspace,
        user=user,
        role=connection.workspace.provisioned_role or Role.MEMBER,
    )
    audit.record(
        workspace=connection.workspace,
        actor=None,
        action="sso.join",
        obj=member,
        after=audit.snapshot(member),
    )
    return member


# --- allauth ----------------------------------------------------------------------------------


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_requests_session(self):
        return session()

    def list_apps(self, request, provider=None, client_id=None):
        # Only the app asked for by its id: the sign-in page lists none. allauth asks for an
        # OpenID Connect app by its provider id, for a SAML one by its client id.
        saml = provider == "saml"
        connection = connection_for_provider((client_id if saml else provider) or "")
        if connection is None or saml != (connection.protocol == SsoConnection.Protocol.SAML):
            return []
        return [_app(connection)]

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        parts = [data.get("first_name") or "", data.get("last_name") or ""]
        user.full_name = (data.get("name") or " ".join(p for p in parts if p)).strip()[:150]
        return user

    def is_open_for_signup(self, request, sociallogin):
        return True  # the domain was checked in pre_social_login

    def pre_social_login(self, request, sociallogin):
        connection = _connection_of(sociallogin)
        emails = [e.email for e in sociallogin.email_addresses] or [sociallogin.user.email]
        ours = [e for e in emails if e and connection and domain_of(e) in connection.domain_list]
        if connection is None or not ours:
            raise ImmediateHttpResponse(
                render(
                    request,
                    "workspaces/sso_refused.html",
                    {
                        "reason": _(
                            "The provider signed in an address outside the domains it is "
                            "trusted for."
                        )
                    },
                    status=403,
                )
            )
        sociallogin.user.email = ours[0].lower()


def _connection_of(sociallogin) -> SsoConnection | None:
    app = sociallogin.provider.app
    return connection_for_provider(app.provider_id or app.client_id or "")


def _signed_in(sender, request, user, sociallogin=None, **kwargs):
    if sociallogin is None:
        return
    connection = _connection_of(sociallogin)
    if connection is not None:
        join(connection, user)


def connect() -> None:
    from allauth.account.signals import user_logged_in

    user_logged_in.connect(_signed_in, dispatch_uid="waypoint.sso.join")


# --- Views ------------------------------------------------------------------------------------


class VerifiedAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, checking the ID token's signature every time."""

    def _decode_id_token(self, app, id_token: str) -> dict:
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


@login_not_required
def oidc_login(request, provider_id):
    if connection_for_provider(provider_id) is None:
        raise Http404("provider")
    return OAuth2LoginView.adapter_view(VerifiedAdapter(request, provider_id))(request)


@login_not_required
def oidc_callback(request, provider_id):
    if connection_for_provider(provider_id) is None:
        raise Http404("provider")
    return OAuth2CallbackView.adapter_view(VerifiedAdapter(request, provider_id))(request)


@require_POST
@login_not_required
def sso_start(request):
    """Sign in with single sign-on: the work address names the company's provider."""
    email = request.POST.get("email", "").strip()
    connection = connection_for_email(email)
    if connection is None:
        from django.contrib import messages

        messages.error(
            request,
            _("No single sign-on is set up for %(domain)s.") % {"domain": domain_of(email) or "–"},
        )
        return redirect("account_login")
    if connection.protocol == SsoConnection.Protocol.SAML:
        from allauth.socialaccount.providers.saml.views import login as saml_login

        # python3-saml reads the Host header itself; an HTTP/1.0 client may send none.
        request.META.setdefault("HTTP_HOST", request.get_host())

        response = saml_login(request, organization_slug=connection.provider_id)
    else:
        response = oidc_login(request, connection.provider_id)
    if response.status_code != 302:
        return response
    # The pages' policy lets forms go to this server only (form-action 'self'), and a
    # browser applies it to where a form's answer redirects: the provider's sign-in page is
    # reached by following a link instead.
    page = render(
        request,
        "workspaces/sso_continue.html",
        {"url": response["Location"], "name": connection.name},
    )
    page["Cache-Control"] = "no-store"
    return page
