"""Search finds objectives, key results, KPIs, people and teams by a word of their title or
name, in the four languages (Chinese inside a title without spaces, Russian and Polish
whatever the case), and never an objective the reader may not see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waypoint.kpis import services as kpis
from waypoint.okrs import services as okr
from waypoint.search.selectors import search
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

    count("")  # the first visit of the workspace remembers it in the session, once
    assert count("customers") == count("a") == count("x y z w v u")


def test_a_word_is_found_by_its_start_and_accents_do_not_matter(workspace, owner, titles):
    assert [o.pk for o in search(workspace, owner, "onboard").objectives] == [titles["en"].pk]
    assert [o.pk for o in search(workspace, owner, "ZADOWOL").objectives] == [titles["pl"].pk]
    okr.objective_create(
        workspace=workspace, cycle=titles["en"].cycle, title="Café crème à Kraków", actor=None
    )
    assert [o.title for o in search(workspace, owner, "cafe krakow").objectives] == [
        "Café crème à Kraków"
    ]
    # Characters side by side, not scattered: 客满 is in no title.
    assert search(workspace, owner, "客满").objectives == []
    assert search(workspace, owner, "满意").objectives == [titles["zh"]]
    # Quotes, stars and operators are words to look for, never the index's syntax.
    for hostile in ['"', "* OR NOT", "a:* | b", "NEAR(x y)", "')--", "\\"]:
        search(workspace, owner, hostile)


def test_the_index_follows_every_write(workspace, owner, owner_user, teammate, titles):
    from waypoint.kpis.models import Kpi
    from waypoint.search.index import reindex
    from waypoint.search.models import SearchEntry
    from waypoint.workspaces.models import Team

    def entries():
        return set(
            SearchEntry.objects.filter(workspace=workspace).values_list("kind", "object_id", "text")
        )

    found = search(workspace, owner, "onboarding").objectives
    okr.objective_update(objective=found[0], title="Customers adore the wizard", actor=None)
    assert search(workspace, owner, "onboarding").objectives == []
    assert search(workspace, owner, "wizard").objectives == found

    kr = okr.key_result_create(
        objective=found[0], title="Ship the wizard", type="milestone", actor=None
    )
    assert search(workspace, owner, "ship").key_results == [kr]
    okr.objective_delete(objective=found[0], actor=owner_user)
    assert search(workspace, owner, "wizard").key_results == []
    assert not SearchEntry.objects.filter(object_id=kr.pk, kind="key_result").exists()

    kpis.kpi_update(kpi=Kpi.objects.get(workspace=workspace), name="Churn", actor=None)
    assert [k.name for k in search(workspace, owner, "churn").kpis] == ["Churn"]
    ws_services.team_update(
        team=Team.objects.get(workspace=workspace), name="Customer Care", actor=None
    )
    assert [t.name for t in search(workspace, owner, "care").teams] == ["Customer Care"]

    teammate.user.full_name = "Tessa Marsh"
    teammate.user.save()
    assert search(workspace, owner, "marsh").people == [teammate]
    ws_services.member_remove(member=teammate, actor=owner_user)
    assert search(workspace, owner, "marsh").people == []

    # What the writes left is what a rebuild from the records gives.
    kept = entries()
    reindex(workspace.pk)
    assert entries() == kept


def test_the_database_answers_from_its_full_text_index(workspace, owner, titles):
    """The query is the full-text index's own: FTS5's virtual table on SQLite, the GIN index
    over ``to_tsvector`` on PostgreSQL (the expression must be the index's, to the letter)."""
    from waypoint.search import text
    from waypoint.search.models import SearchEntry
    from waypoint.search.selectors import _matches

    qs = SearchEntry.objects.filter(_matches(text.query_terms("клиентов")))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = qs.query.sql_with_params()
        explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        cursor.execute(f"{explain} {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    if connection.vendor == "postgresql":
        assert "search_entry_fts" in plan, plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan, plan
    assert {e.object_id for e in qs} == {titles["ru"].pk}


def test_a_broad_word_ranks_only_its_newest_matches(workspace, quarter, owner, monkeypatch):
    """A word that thousands of objectives share ranks only the newest ``CANDIDATES`` of
    them (by cycle, then title): the page costs what a rare word costs."""
    from waypoint.search import selectors

    made = [
        okr.objective_create(
            workspace=workspace, cycle=quarter, title=f"Zebra crossing {n}", owner=owner, actor=None
        )
        for n in "EDCBA"
    ]
    assert [o.title for o in search(workspace, owner, "zebra").objectives] == [
        f"Zebra crossing {n}" for n in "ABCDE"
    ]
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    with CaptureQueriesContext(connection) as queries:
        found = search(workspace, owner, "zebra").objectives
    assert [o.pk for o in found] == sorted(o.pk for o in made[-3:])[::-1]
    assert all("LIMIT 3" in q["sql"] for q in queries.captured_queries if "search" in q["sql"])
