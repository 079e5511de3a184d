from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    """Sign-ups are open (set WAYPOINT_OPEN_SIGNUP=false to allow invitations only)."""

    def is_open_for_signup(self, request):
        if getattr(settings, "OPEN_SIGNUP", True):
            return True
        return "/invite/" in request.GET.get("next", "")


class SignupForm(forms.Form):
    """allauth's sign-up, plus the person's name so teammates see who is who."""

    full_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request, user):
        user.full_name = self.cleaned_data.get("full_name", "").strip()
        user.save(update_fields=["full_name"])
