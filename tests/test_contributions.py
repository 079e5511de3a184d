"""Counting towards several objectives, through the objective page: the links and their
weights shown on both sides, the search that adds one, weights typed as people type them,
refusals said plainly, and only editors writing."""

import pytest

from tests.test_dependencies import teams  # noqa: F401
from waypoint.okrs import services as okr
from waypoint.okrs.models import Contribution, Objective
from waypoint.workspaces import services as ws_services


@pytest.fixture
def driven(teams):  # noqa: F811
    """The launch is driven by what is below it; the API aligns under it; billing may
    also count towards it."""
    okr.key_result_create(
        objective=teams["launch"], title="What is below", driven_by_children=True, actor=None
    )
    okr.objective_update(objective=teams["api"], parent=teams["launch"], actor=None)
    return teams


def score(o):
    return Objective.objects.get(pk=o.pk).score


def test_an_objective_is_made_to_count_towards_another_from_its_page(
    client, driven, owner_user, workspace
):
    launch, api, billing = driven["launch"], driven["api"], driven["billing"]
    assert score(launch) == pytest.approx(0.2)  # the API alone: 2 of 10
    client.force_login(owner_user)
    url = f"/w/{workspace.slug}/objectives/{billing.pk}/"
    found = client.get(url, {"towards": "launch"}).content.decode()
    assert "Launch the mobile app" in found[found.index("data-towards-candidates") :]
    answer = client.post(
        f"{url}contributions/", {"parent": launch.pk, "weight": "3", "towards": "launch"}
    )
    assert answer.status_code == 302 and answer["Location"].endswith("#counts-towards")
    assert score(launch) == pytest.approx(0.2 / 4)  # billing at 0 with weight 3
    page = client.get(url).content.decode()
    section = page[page.index("data-counts-towards") :]
    assert "Also counts towards" in section and "Launch the mobile app" in section
    other = client.get(f"/w/{workspace.slug}/objectives/{launch.pk}/").content.decode()
    counted = other[other.index("data-counted") :]
    assert "Billing in twelve currencies" in counted and "weight 3" in counted
    # A weight typed with a decimal comma; then a wrong one, refused with nothing changed.
    c = Contribution.objects.get()
    client.post(f"/w/{workspace.slug}/contributions/{c.pk}/", {"weight": "0,5"})
    assert Contribution.objects.get().weight == 0.5
    assert score(launch) == pytest.approx(0.2 / 1.5)
    said = client.post(
        f"/w/{workspace.slug}/contributions/{c.pk}/", {"weight": "-2"}, follow=True
    ).content.decode()
    assert "A weight is a number above 0" in said and Contribution.objects.get().weight == 0.5
    # The primary link's weight, from the API objective's own page.
    client.post(f"/w/{workspace.slug}/objectives/{api.pk}/parent-weight/", {"weight": "1.5"})
    assert score(launch) == pytest.approx(0.2 * 1.5 / 2)
    # A circle is refused and said: the launch cannot count towards billing, below it now.
    said = client.post(
        f"/w/{workspace.slug}/objectives/{launch.pk}/contributions/",
        {"parent": billing.pk, "weight": "1"},
        follow=True,
    ).content.decode()
    assert "cannot count towards itself" in said and Contribution.objects.count() == 1
    client.post(f"/w/{workspace.slug}/contributions/{c.pk}/delete/")
    assert not Contribution.objects.exists() and score(launch) == pytest.approx(0.2)


def test_only_editors_change_links_and_a_private_objective_stays_out_of_sight(
    client, driven, owner_user, workspace
):
    launch, billing = driven["launch"], driven["billing"]
    c = okr.contribution_add(objective=billing, parent=launch, weight=2, actor=None)
    reader = ws_services.member_ensure(
        workspace=workspace,
        email="ron@acme.test",
        full_name="Ron Reader",
        role="member",
        actor=None,
    )
    client.force_login(reader.user)
    ws = workspace.slug
    assert client.post(f"/w/{ws}/contributions/{c.pk}/", {"weight": "9"}).status_code == 403
    assert client.post(f"/w/{ws}/contributions/{c.pk}/delete/").status_code == 403
    answer = client.post(f"/w/{ws}/objectives/{billing.pk}/contributions/", {"parent": "x"})
    assert answer.status_code == 403
    page = client.get(f"/w/{ws}/objectives/{launch.pk}/").content.decode()
    assert "Billing in twelve currencies" in page and 'name="weight"' not in page
    okr.objective_update(objective=billing, private=True, actor=None)
    page = client.get(f"/w/{ws}/objectives/{launch.pk}/").content.decode()
    assert "Billing in twelve currencies" not in page
    assert client.post(f"/w/{ws}/contributions/{c.pk}/delete/").status_code == 404
    assert Contribution.objects.get().weight == 2


def test_the_api_reads_and_changes_the_weight_in_the_parent(client, driven, owner, workspace):
    import json

    token = ws_services.token_create(member=owner, name="t", scope="write", actor=None)[1]
    api, launch = driven["api"], driven["launch"]

    def patch(body):
        return client.patch(
            f"/api/v1/objectives/{api.pk}",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    answer = patch({"parent_weight": 2.5})
    assert answer.status_code == 200 and answer.json()["parent_weight"] == 2.5
    assert patch({"parent_weight": 0}).status_code == 422
    assert Objective.objects.get(pk=api.pk).parent_weight == 2.5
    assert score(launch) == pytest.approx(0.2)  # its only child: the weight changes nothing


def test_a_key_result_is_rolled_up_from_the_editor_and_both_pages_say_so(
    client, driven, owner_user, workspace
):
    """The API objective aligns under the launch: its key result's editor offers the
    launch's key results that nothing below drives, and once it rolls into one, the
    launch's page says where its progress comes from."""
    from waypoint.okrs.models import KeyResult

    launch, api = driven["launch"], driven["api"]
    target = okr.key_result_create(
        objective=launch, title="Partners live", start=0, target=5, actor=None
    )
    kr = api.key_results.get()
    client.force_login(owner_user)
    ws = workspace.slug
    form = client.get(f"/w/{ws}/krs/{kr.pk}/edit/").content.decode()
    assert "Partners live · Launch the mobile app" in form and "What is below ·" not in form
    post = {
        f"kr-{k}": v
        for k, v in {
            "title": kr.title,
            "type": "increase",
            "start": "0",
            "target": "10",
            "scoring": "spectrum",
            "weight": "1",
            "rolls_into": str(target.pk),
        }.items()
    }
    assert client.post(f"/w/{ws}/krs/{kr.pk}/edit/", post).status_code == 302
    assert KeyResult.objects.get(pk=kr.pk).rolls_into_id == target.pk
    target.refresh_from_db()
    assert target.progress == pytest.approx(0.2)  # the API's 2 of 10
    page = client.get(f"/w/{ws}/objectives/{launch.pk}/").content.decode()
    assert "Rolled up from" in page and "1 key result below" in page
    below = client.get(f"/w/{ws}/objectives/{api.pk}/").content.decode()
    assert "Rolls into" in below[below.index("data-rolls-into") :]
    # A key result of an objective that is not above is refused by the form.
    other = okr.key_result_create(
        objective=driven["billing"], title="Elsewhere", target=5, actor=None
    )
    post["kr-rolls_into"] = str(other.pk)
    refused = client.post(f"/w/{ws}/krs/{kr.pk}/edit/", post)
    assert refused.status_code == 200 and KeyResult.objects.get(pk=kr.pk).rolls_into_id == target.pk


def test_the_api_rolls_a_key_result_up_and_back(client, driven, owner, workspace):
    import json

    token = ws_services.token_create(member=owner, name="t", scope="write", actor=None)[1]
    target = okr.key_result_create(
        objective=driven["launch"], title="Partners live", target=5, actor=None
    )
    kr = driven["api"].key_results.get()

    def patch(body):
        return client.patch(
            f"/api/v1/key-results/{kr.pk}",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    answer = patch({"rolls_into_id": target.pk})
    assert answer.status_code == 200 and answer.json()["rolls_into_id"] == target.pk
    assert patch({"rolls_into_id": kr.pk}).status_code == 422  # its own objective: not above
    assert patch({"rolls_into_id": 10**9}).status_code == 404
    assert patch({"rolls_into_id": None}).json()["rolls_into_id"] is None
