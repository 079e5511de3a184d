from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def signup_policy() -> tuple[str, list[str]]:
    """WAYPOINT_SIGNUP: ``open``, ``invite``, or ``domain:acme.com,acme.de``."""
    value = (getattr(settings, "SIGNUP", "open") or "open").strip().lower()
    if value.startswith("domain:"):
        domains = [d.strip().lstrip("@") for d in value[7:].split(",") if d.strip()]
        return "domain", domains
    return ("invite" if value == "invite" else "open"), []


class AccountAdapter(DefaultAccountAdapter):
    """Who may sign up is the operator's choice (WAYPOINT_SIGNUP): anyone, people with an
    invitation (to the address it was sent to), or addresses at the listed domains."""

    def get_client_ip(self, request):
        from waypoint.ratelimit import client_address

        return client_address(request)

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth counts failed logins per address and per this key. Keyed by the account
        # alone, anyone could lock a person out by failing five times with their e-mail;
        # keyed by the account from one address, an attacker only locks themselves out.
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"{login}|{self.get_client_ip(request)}"

    def pre_authenticate(self, request, **credentials):
        """allauth refuses a sign-in after too many failures; the first refusal of a lockout
        (not every one after it) is a security event in the person's trail."""
        from . import security, sso

        email = credentials.get("email", "")
        required = sso.required_for(email) if email else None
        if required is not None:
            user = security.user_for_email(email)
            if user is not None:
                security.event("password_refused", user=user, request=request, sso=required.name)
            raise forms.ValidationError(
                _("People at %(domain)s sign in with %(name)s: use single sign-on below.")
                % {"domain": sso.domain_of(email), "name": required.name}
            )
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError:
            from django.core.cache import cache

            user = security.user_for_email(credentials.get("email", ""))
            key = self._get_login_attempts_cache_key(request, **credentials)
            if user is not None and cache.add(f"lockout:{hash_key(key)}", 1, 300):
                security.event("lockout", user=user, request=request)
            raise

    def is_open_for_signup(self, request):
        mode, _domains = signup_policy()
        if mode != "invite":
            return True
        from waypoint.workspaces.models import Invitation

        email = self.unstash_verified_email_peek(request)
        return bool(email) and any(
            i.is_pending for i in Invitation.objects.filter(email__iexact=email)
        )

    def unstash_verified_email_peek(self, request) -> str | None:
        """The address a followed invitation link proved, left in the session for sign-up."""
        return request.session.get("account_verified_email")

    def clean_email(self, email):
        email = super().clean_email(email)
        mode, domains = signup_policy()
        if mode == "domain" and email.rsplit("@", 1)[-1].lower() not in domains:
            raise forms.ValidationError(
                _("Sign-up is open to addresses at %(domains)s.") % {"domains": ", ".join(domains)}
            )
        if mode == "invite":
            from waypoint.workspaces.models import Invitation

            invited = [i for i in Invitation.objects.filter(email__iexact=email) if i.is_pending]
            if not invited:
                raise forms.ValidationError(
                    _("Sign-up is by invitation: use the address your invitation was sent to.")
                )
        return email


def hash_key(value: str) -> str:
    import hashlib

    return hashlib.sha256(value.encode()).hexdigest()[:32]


class MFAAdapter(DefaultMFAAdapter):
    """Second factors' secrets (an authenticator app's key, recovery codes' seed) are kept
    encrypted with the key that protects data sources' credentials."""

    def encrypt(self, text: str) -> str:
        from waypoint.lib import vault

        return vault.encrypt({"mfa": text})

    def decrypt(self, encrypted_text: str) -> str:
        from waypoint.lib import vault

        return vault.decrypt(encrypted_text)["mfa"]


class SignupForm(forms.Form):
    """allauth's sign-up, plus the person's name so teammates see who is who."""

    full_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request, user):
        user.full_name = self.cleaned_data.get("full_name", "").strip()
        user.save(update_fields=["full_name"])
