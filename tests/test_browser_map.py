"""The alignment map in a real browser: drawn from the top, folded below the second level,
opened and folded by clicks, filtered by pace and by a word, zoomed; and its data scoped."""

import pytest
from playwright.sync_api import expect

from tests.test_browser_checkin import five, log_in  # noqa: F401
from waypoint.okrs import services as okr
from waypoint.okrs.models import Cycle

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tree(five):  # noqa: F811
    cycle = Cycle.objects.get(name="Now")
    ws = cycle.workspace

    def objective(title, parent=None, level="team", progress=None):
        o = okr.objective_create(
            workspace=ws, cycle=cycle, title=title, parent=parent, level=level, actor=None
        )
        if progress is not None:
            kr = okr.key_result_create(
                objective=o, title=f"{title} KR", start=0, target=100, actor=None
            )
            okr.checkin_create(key_result=kr, date=five["today"], value=progress, actor=None)
        return o

    top = objective("Alpha company goal", level="company", progress=90)
    beta = objective("Beta team goal", top, progress=5)
    gamma = objective("Gamma team goal", top, progress=80)
    delta = objective("Delta individual goal", beta, level="individual")
    epsilon = objective("Epsilon zeta goal", delta, level="individual")
    return {
        "cycle": cycle,
        "top": top,
        "beta": beta,
        "gamma": gamma,
        "delta": delta,
        "epsilon": epsilon,
    }


def shown(page):
    return page.evaluate(
        "[...document.querySelectorAll('g.map-node')].map(g => g.textContent.split(' ')[0])"
    )


def test_the_map_opens_folds_filters_and_zooms(page, live_server, tree):
    log_in(page, live_server.url)
    page.goto(live_server.url + f"/w/acme/cycles/{tree['cycle'].pk}/tree/")
    page.wait_for_selector("#alignment-map[data-ready]")
    names = shown(page)
    assert {"Alpha", "Beta", "Gamma"} <= set(names) and "Delta" not in names
    beta = page.locator(f"g.map-node[data-id='{tree['beta'].pk}']")
    assert (
        "folded" in beta.get_attribute("class")
        and beta.locator("text.map-more").text_content() == "+1"
    )
    assert "pace-late" in beta.get_attribute("class")  # 5% two thirds into the cycle
    beta.locator("rect").first.click()
    page.wait_for_selector(f"g.map-node[data-id='{tree['delta'].pk}']")
    page.locator(f"g.map-node[data-id='{tree['delta'].pk}'] rect").first.click()
    page.wait_for_selector(f"g.map-node[data-id='{tree['epsilon'].pk}']")
    # Filters dim what does not match.
    page.select_option("#map-filter", "late")
    dim = page.evaluate("[...document.querySelectorAll('g.map-node.dim')].length")
    assert dim >= 2 and "dim" not in beta.get_attribute("class")
    page.select_option("#map-filter", "")
    page.fill("#map-find", "zeta")
    assert page.evaluate("document.querySelectorAll('g.map-node:not(.dim)').length") == 1
    # Folding again hides the branch.
    beta.locator("rect").first.click()
    expect(page.locator(f"g.map-node[data-id='{tree['delta'].pk}']")).to_have_count(0)
    # Zoom with the wheel.
    before = page.evaluate("document.querySelector('.map-svg > g').getAttribute('transform')")
    page.locator("#alignment-map").hover()
    page.mouse.wheel(0, -400)
    expect(page.locator(".map-svg > g").first).not_to_have_attribute("transform", before)
    # The title opens the objective.
    with page.expect_navigation():
        page.locator(f"g.map-node[data-id='{tree['gamma'].pk}'] a").click()
    assert page.url.endswith(f"/objectives/{tree['gamma'].pk}/")


def test_the_map_data_is_scoped_and_a_branch_opens_on_demand(client, tree, other_workspace):
    from waypoint.workspaces.models import User

    client.force_login(User.objects.get(email="tess@acme.test"))
    url = f"/w/acme/cycles/{tree['cycle'].pk}/map.json"
    data = client.get(url).json()
    assert [n["title"] for n in data["nodes"]] == ["Alpha company goal"]
    under = client.get(url, {"under": tree["delta"].pk}).json()
    assert [n["title"] for n in under["nodes"]] == ["Epsilon zeta goal"]
    assert client.get(url, {"under": "x"}).status_code == 400
    rival = Cycle.objects.create(
        workspace=other_workspace, name="R", start="2026-01-01", end="2026-12-31"
    )
    assert client.get(f"/w/acme/cycles/{rival.pk}/map.json").status_code == 404


def test_the_map_draws_a_dependency_between_the_objectives_it_shows(page, live_server, tree):
    """Beta waits for Gamma: a dashed line joins them, and Beta is marked as blocked."""
    okr.dependency_add(objective=tree["beta"], blocked_by=tree["gamma"], actor=None)
    log_in(page, live_server.url)
    page.goto(live_server.url + f"/w/acme/cycles/{tree['cycle'].pk}/tree/")
    page.wait_for_selector("#alignment-map[data-ready]")
    assert page.locator("path.map-dependency").count() == 1
    beta = page.locator(f"g.map-node[data-id='{tree['beta'].pk}']")
    assert "blocked" in beta.get_attribute("class")
    assert "Gamma team goal" in beta.locator("title").text_content()
    gamma = page.locator(f"g.map-node[data-id='{tree['gamma'].pk}']")
    assert "blocked" not in gamma.get_attribute("class")
    assert page.locator("path.map-contribution").count() == 0


def test_the_map_draws_an_objective_that_also_counts_towards_another(page, live_server, tree):
    """Gamma aligns to Alpha and also counts towards Beta: a dotted line joins them."""
    okr.contribution_add(objective=tree["gamma"], parent=tree["beta"], weight=2, actor=None)
    log_in(page, live_server.url)
    page.goto(live_server.url + f"/w/acme/cycles/{tree['cycle'].pk}/tree/")
    page.wait_for_selector("#alignment-map[data-ready]")
    assert page.locator("path.map-contribution").count() == 1
    gamma = page.locator(f"g.map-node[data-id='{tree['gamma'].pk}']")
    assert "also counts towards 1" in gamma.locator("text.map-meta").text_content()
