"""Dark mode follows the system: every text on the main pages stays readable against what is
behind it, in dark and in light (WCAG contrast, measured in the browser)."""

from pathlib import Path

import pytest

from tests.test_browser_checkin import PASSWORD, five, log_in  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True)]

CONTRAST = (Path(__file__).parent / "contrast.js").read_text()


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_main_pages_are_readable_in_dark_and_light(page, live_server, five, scheme):  # noqa: F811
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url)
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert (background == "rgb(11, 17, 32)") == (scheme == "dark"), background
    for path in [
        "/w/acme/",
        "/w/acme/checkin/",
        "/w/acme/overview/",
        "/w/acme/inbox/",
        "/w/acme/notifications/",
        "/w/acme/start/examples/",
        "/w/acme/kpis/",
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        low = page.evaluate(CONTRAST)
        assert low == [], f"{scheme} {path}: " + "; ".join(low)
