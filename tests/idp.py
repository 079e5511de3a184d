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
