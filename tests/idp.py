"""An OpenID Connect provider on 127.0.0.1 for the single sign-on tests: discovery, a sign-in
form, the authorization-code flow with PKCE, RS256 ID tokens, keys and user info, as Okta or
Keycloak serve them. ``forge`` signs ID tokens with a key it does not publish."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa


class Provider:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.accounts: dict[str, dict] = {}  # e-mail -> {"password", "sub", "name"}
        self.clients: dict[str, str] = {}  # client id -> secret
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.forge = False
        self.seen: list[str] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, content_type="application/json", headers=None):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                provider.seen.append(f"GET {parts.path}")
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    return self._send(200, json.dumps(provider.configuration()))
                if parts.path == "/jwks":
                    return self._send(200, json.dumps(provider.jwks()))
                if parts.path == "/authorize":
                    return self._send(200, provider.sign_in_form(query), "text/html")
                if parts.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    claims = provider.tokens.get(token)
                    if claims is None:
                        return self._send(401, json.dumps({"error": "invalid_token"}))
                    return self._send(200, json.dumps(claims))
                return self._send(404, "{}")

            def do_POST(self):
                parts = urlsplit(self.path)
                provider.seen.append(f"POST {parts.path}")
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if parts.path == "/authorize":
                    status, location, page = provider.authorize(form)
                    if location:
                        return self._send(302, "", "text/plain", {"Location": location})
                    return self._send(status, page, "text/html")
                if parts.path == "/token":
                    status, body = provider.token(form, self.headers.get("Authorization", ""))
                    return self._send(status, json.dumps(body))
                return self._send(404, "{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # --- What the provider serves --------------------------------------------------------

    def configuration(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "userinfo_endpoint": self.url + "/userinfo",
            "jwks_uri": self.url + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}

    def sign_in_form(self, query: dict) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        return (
            "<!DOCTYPE html><html><body><h1>Test identity provider</h1>"
            f'<form method="post" action="/authorize">{hidden}'
            '<label>E-mail <input name="username" id="idp-username"></label>'
            '<label>Password <input type="password" name="password" id="idp-password"></label>'
            '<button type="submit" id="idp-submit">Sign in</button></form></body></html>'
        )

    def authorize(self, form: dict):
        if form.get("client_id") not in self.clients:
            return 400, None, "unknown client"
        account = self.accounts.get(form.get("username", "").lower())
        if account is None or account["password"] != form.get("password"):
            return (
                200,
                None,
                self.sign_in_form(
                    {k: v for k, v in form.items() if k not in ("username", "password")}
                )
                + "<p id='idp-error'>Wrong password</p>",
            )
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "email": form["username"].lower(),
            "client_id": form["client_id"],
            "redirect_uri": form.get("redirect_uri", ""),
            "nonce": form.get("nonce"),
            "challenge": form.get("code_challenge"),
        }
        query = urlencode({"code": code, "state": form.get("state", "")})
        return 302, f"{form['redirect_uri']}?{query}", ""

    def token(self, form: dict, authorization: str):
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _c, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if self.clients.get(client_id) != secret:
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["client_id"] != client_id:
            return 400, {"error": "invalid_grant"}
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        if grant["challenge"]:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        account = self.accounts[grant["email"]]
        claims = {
            "sub": account["sub"],
            "email": grant["email"],
            "email_verified": True,
            "name": account["name"],
        }
        now = int(time.time())
        id_claims = {**claims, "iss": self.url, "aud": client_id, "iat": now, "exp": now + 300}
        if grant["nonce"]:
            id_claims["nonce"] = grant["nonce"]
        signer = self.other_key if self.forge else self.key
        id_token = jwt.encode(id_claims, signer, algorithm="RS256", headers={"kid": "k1"})
        access = secrets.token_urlsafe(16)
        self.tokens[access] = claims
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    # --- Set-up for a test -----------------------------------------------------------------

    def add_client(self, client_id: str, secret: str) -> None:
        self.clients[client_id] = secret

    def add_account(self, email: str, password: str, name: str) -> None:
        self.accounts[email.lower()] = {
            "password": password,
            "sub": hashlib.sha256(email.encode()).hexdigest()[:16],
            "name": name,
        }

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def oidc_provider(settings):
    """An OpenID Connect provider on 127.0.0.1, which the outbound policy is told to allow."""
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    provider = Provider()
    yield provider
    provider.stop()


# --- A SAML 2.0 identity provider (pysaml2) ------------------------------------------------


def _key_and_certificate(folder, name):
    """A key and a self-signed certificate, written as PEM files for pysaml2's xmlsec1."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test idp {name}")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


class SamlIdentityProvider:
    """pysaml2's identity provider behind a small HTTP server: the HTTP-Redirect sign-in
    request, a sign-in form, and a signed response posted back to the service provider.
    ``sp_metadata`` must be set (Waypoint's metadata) before a sign-in; ``forge`` signs with
    a key whose certificate Waypoint was never given."""

    def __init__(self, folder):
        self.key_file, self.cert_file = _key_and_certificate(folder, "idp")
        self.other_key, self.other_cert = _key_and_certificate(folder, "other")
        self.accounts: dict[str, dict] = {}
        self.pending: dict[str, dict] = {}
        self.sp_metadata = ""
        self.forge = False
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, content_type="text/html"):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/sso":
                    return self._send(*idp.sign_in_form(query))
                return self._send(404, "not found", "text/plain")

            def do_POST(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if parts.path == "/sso":
                    return self._send(*idp.answer(form))
                return self._send(404, "not found", "text/plain")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.entity_id = self.url + "/metadata"
        self.sso_url = self.url + "/sso"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def certificate(self) -> str:
        with open(self.cert_file) as f:
            return f.read()

    def _server(self, *, forged=False):
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.saml import NAMEID_FORMAT_EMAILADDRESS
        from saml2.server import Server

        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)]
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "policy": {"default": {"lifetime": {"minutes": 15}}},
                        "sign_response": True,
                        "sign_assertion": True,
                    }
                },
                "key_file": self.other_key if forged else self.key_file,
                "cert_file": self.other_cert if forged else self.cert_file,
                "metadata": {"inline": [self.sp_metadata]},
                "xmlsec_binary": "/usr/bin/xmlsec1",
            }
        )
        return Server(config=config)

    def sign_in_form(self, query):
        from saml2 import BINDING_HTTP_REDIRECT

        request = (
            self._server().parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        )
        ticket = secrets.token_urlsafe(12)
        self.pending[ticket] = {
            "id": request.id,
            "acs": request.assertion_consumer_service_url,
            "sp": request.issuer.text,
            "relay": query.get("RelayState", ""),
        }
        return 200, (
            "<!DOCTYPE html><html><body><h1>Test SAML identity provider</h1>"
            '<form method="post" action="/sso">'
            f'<input type="hidden" name="ticket" value="{ticket}">'
            '<label>E-mail <input name="username" id="idp-username"></label>'
            '<label>Password <input type="password" name="password" id="idp-password"></label>'
            '<button type="submit" id="idp-submit">Sign in</button></form></body></html>'
        )

    def answer(self, form):
        from saml2 import BINDING_HTTP_POST
        from saml2.saml import AUTHN_PASSWORD_PROTECTED as PASSWORDPROTECTEDTRANSPORT
        from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
        from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

        pending = self.pending.pop(form.get("ticket", ""), None)
        account = self.accounts.get(form.get("username", "").lower())
        if pending is None or account is None or account["password"] != form.get("password"):
            return 200, "<p id='idp-error'>Wrong password</p>"
        email = form["username"].lower()
        server = self._server(forged=self.forge)
        response = server.create_authn_response(
            identity={
                "mail": [email],
                "givenName": [account["given"]],
                "sn": [account["family"]],
                "uid": [account["uid"]],
            },
            in_response_to=pending["id"],
            destination=pending["acs"],
            sp_entity_id=pending["sp"],
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            authn={"class_ref": PASSWORDPROTECTEDTRANSPORT, "authn_auth": self.entity_id},
        )
        args = server.apply_binding(
            BINDING_HTTP_POST, str(response), pending["acs"], pending["relay"], response=True
        )
        return 200, args["data"]

    def add_account(self, email, password, given, family):
        self.accounts[email.lower()] = {
            "password": password,
            "given": given,
            "family": family,
            "uid": hashlib.sha256(email.encode()).hexdigest()[:12],
        }

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def saml_idp(tmp_path):
    """A SAML identity provider on 127.0.0.1 (pysaml2, signing with xmlsec1)."""
    import os
    import shutil

    if not shutil.which("xmlsec1"):
        if os.environ.get("CI"):
            pytest.fail("xmlsec1 is missing: .ci/run installs it with apt-get")
        pytest.skip("the SAML identity provider signs with xmlsec1 (apt-get install xmlsec1)")
    provider = SamlIdentityProvider(tmp_path)
    yield provider
    provider.stop()


def saml_connect(workspace, actor, idp, *, required=False, host="testserver"):
    """The workspace's single sign-on through ``idp``, and ``idp`` told Waypoint's metadata
    (as an administrator pastes it into their identity provider)."""
    from django.test import Client

    from waypoint.workspaces import sso

    made = sso.connection_save(
        workspace=workspace,
        actor=actor,
        protocol="saml",
        name="Entra ID",
        idp_entity_id=idp.entity_id,
        idp_sso_url=idp.sso_url,
        idp_certificate=idp.certificate,
        domains="acme.test",
        required=required,
    )
    metadata = Client(HTTP_HOST=host).get(f"/accounts/saml/{made.provider_id}/metadata/")
    idp.sp_metadata = metadata.content.decode()
    return made
