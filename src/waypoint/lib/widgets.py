"""Form widgets shared by the apps."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (2026-12-03): a date formatted for
    the reader's language (03.12.2026) is no value to an ``<input type="date">``, which then
    shows empty and sends nothing."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
