"""Key results are put in order by dragging them in the editor; the order is saved at once."""

import pytest

from tests.test_browser_checkin import five, log_in  # noqa: F401
from waypoint.okrs.models import KeyResult

pytestmark = [pytest.mark.django_db(transaction=True)]


def titles(objective):
    return list(objective.key_results.order_by("position", "id").values_list("title", flat=True))


def test_dragging_a_key_result_saves_the_new_order(page, live_server, five):  # noqa: F811
    objective = five["krs"][0].objective
    before = titles(objective)
    log_in(page, live_server.url)
    page.goto(live_server.url + f"/w/acme/objectives/{objective.pk}/edit/")
    last, first = five["krs"][4], five["krs"][0]
    with page.expect_response(lambda r: r.url.endswith("/krs/order/")):
        page.drag_and_drop(
            f"#kr-item-{last.pk} .drag-handle",
            f"#kr-item-{first.pk}",
            target_position={"x": 10, "y": 2},
        )
    assert titles(objective) == [before[4], *before[:4]]
    page.wait_for_selector(f"#kr-editor li:first-child#kr-item-{last.pk}")


def test_an_order_that_does_not_list_every_key_result_is_refused(client, five):  # noqa: F811
    from waypoint.workspaces.models import User

    objective = five["krs"][0].objective
    client.force_login(User.objects.get(email="tess@acme.test"))
    url = f"/w/acme/objectives/{objective.pk}/krs/order/"
    ids = [kr.pk for kr in five["krs"]]
    response = client.post(url, {"order": ",".join(map(str, ids[:3]))}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert client.post(url, {"order": "1,x"}, HTTP_HX_REQUEST="true").status_code == 422
    order = list(reversed(ids))
    assert client.post(url, {"order": ",".join(map(str, order))}).status_code == 302
    saved = KeyResult.objects.filter(objective=objective).order_by("position")
    assert [kr.pk for kr in saved] == order
