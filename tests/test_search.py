"""Search finds objectives, key results, KPIs, people and teams by a word of their title or
name, in the four languages (Chinese inside a title without spaces, Russian and Polish
whatever the case), and never an objective the reader may not see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waypoint.kpis import services as kpis
from waypoint.okrs import services as okr
from waypoint.search import search
from waypoint.workspaces import services as ws_services


@pytest.fixture
def titles(workspace, quarter, owner, teammate):
    made = {}
    for key, title in {
        "en": "Customers love our onboarding",
        "ru": "Увеличить удовлетворённость клиентов",
        "zh": "提高客户满意度",
        "pl": "Zwiększyć zadowolenie klientów w Łodzi",
    }.items():
        made[key] = okr.objective_create(
            workspace=workspace, cycle=quarter, title=title, owner=owner, actor=None
        )
    okr.key_result_create(
        objective=made["en"], title="Raise NPS from 40 to 60", start=40, target=60, actor=None
    )
    kpis.kpi_create(workspace=workspace, name="Net Promoter Score", actor=None)
    ws_services.team_create(workspace=workspace, name="Customer Success", actor=None)
    okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="Secret customers deal",
        owner=owner,
        private=True,
        actor=None,
    )
    return made


@pytest.mark.parametrize(
    "query, lang",
    [("ONBOARDING", "en"), ("клиентов", "ru"), ("客户", "zh"), ("łodzi zadowolenie", "pl")],
)
def test_a_word_finds_its_objective_in_every_language(workspace, owner, titles, query, lang):
    found = search(workspace, owner, query)
    assert [o.pk for o in found.objectives] == [titles[lang].pk]


def test_each_kind_is_found_and_a_private_objective_only_by_who_may_see_it(
    client, workspace, owner, teammate, titles
):
    found = search(workspace, owner, "nps")
    assert [kr.title for kr in found.key_results] == ["Raise NPS from 40 to 60"]
    assert [k.name for k in search(workspace, owner, "promoter").kpis] == ["Net Promoter Score"]
    assert [t.name for t in search(workspace, owner, "success").teams] == ["Customer Success"]
    assert [m.user.email for m in search(workspace, owner, "tess").people] == ["tess@acme.test"]
    assert "Secret customers deal" in [o.title for o in search(workspace, owner, "deal").objectives]
    assert search(workspace, teammate, "deal").objectives == []
    client.force_login(teammate.user)
    page = client.get("/w/acme/search/?q=customers").content.decode()
    assert "Customers love our onboarding" in page and "Secret customers deal" not in page
    live = client.get("/w/acme/search/?q=customer", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in live and 'data-result="team"' in live


def test_search_costs_the_same_queries_for_any_query_and_any_size(client, owner_user, titles):
    client.force_login(owner_user)

    def count(q):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/w/acme/search/?q={q}").status_code == 200
        return len(queries)

    assert count("customers") == count("a") == count("x y z w v u")
