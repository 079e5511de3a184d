"""The web app's pages through the real URLs: what each shows, and bad input refused."""

import datetime as dt
import re

import pytest
from django.utils import translation

from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn, KeyResult, Objective
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Member, Role, Workspace


@pytest.fixture
def acme(workspace, owner, owner_user, teammate):
    today = dt.date.today()
    cycle = okr.cycle_create(
        workspace=workspace,
        name="Now",
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=60),
        actor=None,
    )
    okr.cycle_set_current(cycle=cycle, actor=None)
    support = ws_services.team_create(workspace=workspace, name="Support", actor=None)
    product = ws_services.team_create(workspace=workspace, name="Product", actor=None)
    company = okr.objective_create(
        workspace=workspace,
        cycle=cycle,
        title="Customers love us",
        why="Churn is our leak",
        level="company",
        owner=owner,
        actor=None,
    )
    shared = okr.objective_create(
        workspace=workspace,
        cycle=cycle,
        title="Onboarding in a day",
        level="team",
        owner=teammate,
        teams=[support, product],
        parent=company,
        actor=None,
    )
    orphan = okr.objective_create(
        workspace=workspace,
        cycle=cycle,
        title="Tidy the wiki",
        level="team",
        owner=teammate,
        teams=[support],
        actor=None,
    )
    nps = okr.key_result_create(
        objective=company,
        title="NPS from 55 to 66",
        start=55,
        target=66,
        owner=teammate,
        actor=None,
    )
    okr.key_result_create(
        objective=shared,
        title="Days to onboard from 10 to 1",
        type="decrease",
        start=10,
        target=1,
        owner=teammate,
        actor=None,
    )
    return {
        "ws": workspace,
        "cycle": cycle,
        "company": company,
        "shared": shared,
        "orphan": orphan,
        "nps": nps,
        "support": support,
        "product": product,
    }


def test_a_check_in_through_htmx_updates_progress_on_the_spot(client, acme, teammate):
    client.force_login(teammate.user)
    kr = acme["nps"]
    response = client.post(
        f"/w/acme/krs/{kr.pk}/checkin/",
        {
            f"kr{kr.pk}-value": "60",
            f"kr{kr.pk}-confidence": "at_risk",
            f"kr{kr.pk}-comment": "First wave",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment, not a page
    assert re.search(r"data-progress>45%<", html)
    assert "Saved" in html
    checkin = CheckIn.objects.get(key_result=kr)
    assert checkin.value == 60 and checkin.confidence == "at_risk"
    assert checkin.author == teammate and checkin.comment == "First wave"


def test_a_check_in_without_a_number_is_refused_next_to_the_field(client, acme, teammate):
    client.force_login(teammate.user)
    kr = acme["nps"]
    response = client.post(
        f"/w/acme/krs/{kr.pk}/checkin/",
        {f"kr{kr.pk}-value": "lots", f"kr{kr.pk}-confidence": "on_track"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    assert not CheckIn.objects.exists()


def test_the_check_in_screen_lists_the_members_key_results(client, acme, teammate):
    client.force_login(teammate.user)
    html = client.get("/w/acme/checkin/").content.decode()
    assert "NPS from 55 to 66" in html and "Days to onboard" in html


def test_the_overview_shows_a_cross_team_objective_under_every_team(
    client, acme, teammate, owner_user
):
    """A reader's own teams open on the first screen; the others come folded and open on
    demand. A cross-team objective sits under each of its teams either way."""
    ws_services.team_set_members(team=acme["product"], members=[teammate], actor=None)
    ws_services.team_set_members(team=acme["support"], members=[teammate], actor=None)
    client.force_login(teammate.user)
    html = client.get(f"/w/acme/cycles/{acme['cycle'].pk}/").content.decode()
    results = html.split('id="overview-results"')[1]
    assert results.count(">Onboarding in a day</a>") == 2
    assert (
        html.index("Customers love us")
        < html.index(">Product</a> <small")
        < html.index(">Support</a> <small")
    )
    # The owner is in neither team: both come folded, each opening to the objective.
    client.force_login(owner_user)
    html = client.get(f"/w/acme/cycles/{acme['cycle'].pk}/").content.decode()
    assert ">Onboarding in a day</a>" not in html.split('id="overview-results"')[1]
    assert html.index('class="team-name">Product<') < html.index('class="team-name">Support<')
    for team in (acme["product"], acme["support"]):
        url = f"/w/acme/cycles/{acme['cycle'].pk}/teams/{team.pk}/"
        assert f'hx-get="{url}"' in html
        part = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert ">Onboarding in a day</a>" in part


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("level=company", ["Customers love us"], ["Tidy the wiki"]),
        ("team={product}", ["Onboarding in a day"], ["Tidy the wiki", "Customers love us"]),
        ("owner={owner}", ["Customers love us"], ["Tidy the wiki"]),
        ("confidence=off_track", [], ["Customers love us"]),
        ("status=archived", [], ["Customers love us"]),
    ],
)
def test_the_overview_filters(client, acme, owner, owner_user, query, present, absent):
    client.force_login(owner_user)
    query = query.format(product=acme["product"].pk, owner=owner.pk)
    html = client.get(
        f"/w/acme/cycles/{acme['cycle'].pk}/?{query}",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="overview-results",
    ).content.decode()
    assert "<html" not in html
    for title in present:
        assert title in html
    for title in absent:
        assert title not in html


def test_the_tree_nests_aligned_objectives_and_lists_orphans_apart(client, acme, owner_user):
    client.force_login(owner_user)
    html = client.get(f"/w/acme/cycles/{acme['cycle'].pk}/tree/").content.decode()
    tree, orphans = html.split("Not aligned")
    assert tree.index("Customers love us") < tree.index("Onboarding in a day")
    assert "Tidy the wiki" in orphans and "Tidy the wiki" not in tree


def test_a_tree_node_says_what_it_holds_escaped_and_in_the_reader_language(
    client, acme, owner_user, monkeypatch
):
    """Each node: its objective (linked), level, owner, progress and key results; a node
    whose children do not fit is folded, with their number, and loads them when opened."""
    from waypoint.okrs import views

    monkeypatch.setattr(views, "TREE_BUDGET", 1)  # the company objective, its team folded
    okr.objective_update(objective=acme["company"], title="<b>Loved</b> & kept", actor=None)
    client.force_login(owner_user)
    cycle, company = acme["cycle"], acme["company"]
    html = client.get(f"/w/acme/cycles/{cycle.pk}/tree/").content.decode()
    tree = html.split('<ul class="tree"')[1].split("Not aligned")[0]
    assert "<b>Loved" not in tree
    title = "&lt;b&gt;Loved&lt;/b&gt; &amp; kept"
    assert f'<a href="/w/acme/objectives/{company.pk}/">{title}</a>' in tree
    assert 'aria-expanded="false"' in tree and "<details>" in tree and "1 aligned objective" in tree
    assert f'hx-get="/w/acme/cycles/{cycle.pk}/tree/{company.pk}/"' in tree
    assert f'href="/w/acme/cycles/{cycle.pk}/?parent={company.pk}"' in tree
    branch = client.get(f"/w/acme/cycles/{cycle.pk}/tree/{company.pk}/").content.decode()
    assert "Onboarding in a day" in branch and 'aria-expanded="true"' in branch
    ws_services.workspace_update(workspace=acme["ws"], language="ru", actor=None)
    html = client.get(f"/w/acme/cycles/{cycle.pk}/tree/").content.decode()
    assert '<small class="muted">Компания · ' in html and "1 связанная цель</small>" in html


def test_an_objective_row_says_what_it_holds_escaped_and_in_the_reader_language(
    client, acme, owner_user
):
    """A row of the overview (built by the ``objective_rows`` tag): its linked title,
    escaped; its owner, kind and tags (cross-team with its teams, private, a status other
    than active); the coach's quality badge; its key results counted, in the reader's
    language."""
    shared = acme["shared"]
    okr.objective_update(objective=shared, title="<i>Onboard</i> & stay", private=True, actor=None)
    Objective.objects.filter(pk=shared.pk).update(status="draft")
    client.force_login(owner_user)
    cycle = acme["cycle"]
    html = client.get(f"/w/acme/cycles/{cycle.pk}/?level=team").content.decode()
    row = html.split(f'class="okr-title" href="/w/acme/objectives/{shared.pk}/">')[1]
    row = row.split("</article>")[0]
    assert row.startswith("&lt;i&gt;Onboard&lt;/i&gt; &amp; stay</a>") and "<i>" not in row
    assert "<span>Tess Teammate</span>" in row
    assert '<span class="tag">Aspirational</span>' in row
    assert '<span class="tag cross" title="Product, Support">cross-team</span>' in row
    assert '<span class="tag">private</span>' in row and '<span class="tag">Draft</span>' in row
    assert re.search(
        rf'<a class="quality-badge" href="/w/acme/objectives/{shared.pk}/#coach" '
        r'title="OKR quality by the coach">quality \d+%</a>',
        row,
    )
    assert "<span>1 key result</span>" in row and 'role="progressbar"' in row
    ws_services.workspace_update(workspace=acme["ws"], language="ru", actor=None)
    html = client.get(f"/w/acme/cycles/{cycle.pk}/?level=team").content.decode()
    row = html.split(f'class="okr-title" href="/w/acme/objectives/{shared.pk}/">')[1]
    row = row.split("</article>")[0]
    assert "<span>1 ключевой результат</span>" in row and ">кросс-командная<" in row
    assert ">Черновик<" in row and re.search(r">качество \d+%<", row)


def test_the_overview_links_to_everyone_s_individual_objectives_when_there_are_any(
    client, acme, owner_user, teammate
):
    """People in no team have no folded team to open: the overview links to every
    individual objective of the cycle, a page at a time, when the reader has others'."""
    client.force_login(owner_user)
    cycle = acme["cycle"]
    link = '<a href="?level=individual">All individual objectives</a>'
    assert link not in client.get(f"/w/acme/cycles/{cycle.pk}/").content.decode()
    okr.objective_create(
        workspace=acme["ws"],
        cycle=cycle,
        title="Learn SQL",
        level="individual",
        owner=teammate,
        actor=None,
    )
    assert link in client.get(f"/w/acme/cycles/{cycle.pk}/").content.decode()
    listed = client.get(f"/w/acme/cycles/{cycle.pk}/?level=individual").content.decode()
    assert ">Learn SQL</a>" in listed


def test_the_tree_counts_its_top_only_when_a_page_of_it_is_full(
    client, acme, owner, owner_user, monkeypatch
):
    """A first level shorter than a page is its own count (no link); a full one is counted,
    and links to all of them as a list."""
    from waypoint.okrs import selectors

    okr.objective_create(
        workspace=acme["ws"],
        cycle=acme["cycle"],
        title="Profitable by June",
        level="company",
        owner=owner,
        actor=None,
    )
    client.force_login(owner_user)
    url = f"/w/acme/cycles/{acme['cycle'].pk}/tree/"
    html = client.get(url).content.decode()
    assert ">Profitable by June</a>" in html and ">Customers love us</a>" in html
    assert "at the top as a list" not in html
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)
    html = client.get(url).content.decode()
    assert "See all 2 objectives at the top as a list" in html


def test_each_objective_appears_once_in_the_tree_under_its_parent_of_another_cycle(
    client, acme, owner, owner_user, teammate
):
    """A quarter's company objective aligned to the year's sits under it, not also beside
    it among the roots; under a parent the reader may not see, it is a root."""
    cycle = acme["cycle"]
    year = okr.cycle_create(
        workspace=cycle.workspace,
        name="The year",
        start=cycle.start - dt.timedelta(days=60),
        end=cycle.end + dt.timedelta(days=120),
        kind="year",
        actor=None,
    )
    yearly = okr.objective_create(
        workspace=cycle.workspace,
        cycle=year,
        title="The year of the customer",
        level="company",
        owner=owner,
        private=True,
        actor=None,
    )
    okr.objective_update(objective=acme["company"], parent=yearly, actor=None)

    def ids(nodes):
        return [n["id"] for n in nodes] + [i for n in nodes for i in ids(n["children"])]

    client.force_login(owner_user)
    nodes = client.get(f"/w/acme/cycles/{cycle.pk}/map.json").json()["nodes"]
    assert [n["id"] for n in nodes] == [yearly.pk]
    assert ids(nodes).count(acme["company"].pk) == 1
    html = client.get(f"/w/acme/cycles/{cycle.pk}/tree/").content.decode()
    assert html.count(">Customers love us<") == 1

    client.force_login(teammate.user)  # the yearly objective is private to its owner
    nodes = client.get(f"/w/acme/cycles/{cycle.pk}/map.json").json()["nodes"]
    assert [n["id"] for n in nodes] == [acme["company"].pk]


def test_the_objective_page_shows_history_chart_and_conversation(
    client, acme, owner_user, teammate
):
    kr = acme["nps"]
    okr.checkin_create(
        key_result=kr,
        date=acme["cycle"].start + dt.timedelta(days=7),
        value=57,
        confidence="on_track",
        comment="First survey wave",
        author=teammate,
        actor=None,
    )
    client.force_login(owner_user)
    url = f"/w/acme/objectives/{acme['company'].pk}/"
    html = client.get(url).content.decode()
    assert "First survey wave" in html and "Churn is our leak" in html
    assert 'id="objective-chart"' in html and '"strokeDash"' in html
    response = client.post(f"{url}comments/", {"body": "How can I help?"}, HTTP_HX_REQUEST="true")
    assert "How can I help?" in response.content.decode()


def test_a_key_results_history_shows_its_latest_check_ins_and_the_rest_on_demand(
    client, acme, owner_user, teammate
):
    """A key result fed every day (a KPI behind it) gathers hundreds of check-ins: its
    objective's page shows the latest ten, and the earlier ones a hundred at a time."""
    from waypoint.okrs.views import HISTORY_PAGE, HISTORY_ROWS

    kr, start = acme["nps"], acme["cycle"].start
    n = HISTORY_ROWS + HISTORY_PAGE + 5
    CheckIn.objects.bulk_create(
        CheckIn(
            workspace=acme["ws"],
            key_result=kr,
            date=start + dt.timedelta(days=i % 30),
            value=55 + i / 100,
            comment=f"note {i:03}",
            author=teammate,
        )
        for i in range(n)
    )
    client.force_login(owner_user)
    html = client.get(f"/w/acme/objectives/{acme['company'].pk}/").content.decode()
    assert html.count("note ") == HISTORY_ROWS and f"{n} check-ins" in html
    assert f"Show {n - HISTORY_ROWS} earlier check-ins" in html
    more = client.get(
        f"/w/acme/krs/{kr.pk}/history/?start={HISTORY_ROWS}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert more.count("<tr>") == HISTORY_PAGE and "Show 5 earlier check-ins" in more
    last = client.get(
        f"/w/acme/krs/{kr.pk}/history/?start={HISTORY_ROWS + HISTORY_PAGE}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert last.count("<tr>") == 5 and "earlier check-in" not in last
    # Without htmx it is a page of its own, and a bad start is the first row; a key result
    # its reader may not see is a 404.
    page = client.get(f"/w/acme/krs/{kr.pk}/history/?start=x")
    assert page.status_code == 200 and "<h1>NPS from 55 to 66</h1>" in page.content.decode()
    okr.objective_update(objective=acme["company"], private=True, actor=None)
    client.force_login(Member.objects.get(workspace=acme["ws"], role="member").user)
    assert client.get(f"/w/acme/krs/{kr.pk}/history/").status_code == 404


def test_writing_an_objective_leads_straight_to_adding_key_results(client, acme, owner_user):
    client.force_login(owner_user)
    response = client.post(
        f"/w/acme/cycles/{acme['cycle'].pk}/objectives/new/",
        {
            "title": "Support that delights",
            "why": "Tickets are churn in waiting",
            "level": "team",
            "kind": "committed",
            "teams": [acme["support"].pk],
        },
    )
    objective = Objective.objects.get(title="Support that delights")
    assert response["Location"].endswith(f"/objectives/{objective.pk}/edit/#add-kr")
    response = client.post(
        f"/w/acme/objectives/{objective.pk}/krs/new/",
        {
            "kr-title": "First reply from 8h to 1h",
            "kr-type": "decrease",
            "kr-start": "8",
            "kr-target": "1",
            "kr-unit": "h",
            "kr-scoring": "spectrum",
            "kr-weight": "2",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "First reply from 8h to 1h" in response.content.decode()
    kr = objective.key_results.get()
    assert (kr.type, kr.start, kr.target, kr.weight) == ("decrease", 8, 1, 2)


def test_a_bad_key_result_is_refused_next_to_its_field(client, acme, owner_user):
    client.force_login(owner_user)
    objective = acme["company"]
    response = client.post(
        f"/w/acme/objectives/{objective.pk}/krs/new/",
        {
            "kr-title": "Flat",
            "kr-type": "increase",
            "kr-start": "5",
            "kr-target": "5",
            "kr-scoring": "spectrum",
            "kr-weight": "1",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "nothing to increase" in html and 'id="id_kr-target_error"' in html
    assert not KeyResult.objects.filter(title="Flat").exists()


def test_key_result_fields_follow_its_type(client, acme, owner_user):
    client.force_login(owner_user)
    maintain = client.get("/w/acme/krs/fields/?kr-type=maintain").content.decode()
    assert 'name="kr-direction"' in maintain and 'name="kr-start"' not in maintain
    milestone = client.get("/w/acme/krs/fields/?kr-type=milestone").content.decode()
    assert 'name="kr-target"' not in milestone
    increase = client.get("/w/acme/krs/fields/?kr-type=increase").content.decode()
    assert 'name="kr-start"' in increase and 'name="kr-direction"' not in increase


def test_key_results_can_be_reordered(client, acme, owner_user):
    client.force_login(owner_user)
    objective = acme["company"]
    second = okr.key_result_create(
        objective=objective,
        title="Churn from 9 to 5",
        type="decrease",
        start=9,
        target=5,
        actor=None,
    )
    client.post(f"/w/acme/krs/{second.pk}/move/up/")
    assert list(objective.key_results.order_by("position")) == [second, acme["nps"]]


def test_a_new_user_creates_their_first_workspace(client, django_user_model):
    user = django_user_model.objects.create_user(email="first@new.test", password="pw-12345-x")
    client.force_login(user)
    assert client.get("/")["Location"] == "/workspaces/new/"
    response = client.post("/workspaces/new/", {"name": "New Co", "slug": ""})
    ws = Workspace.objects.get(slug="new-co")
    assert response["Location"] == f"/w/{ws.slug}/cycles/"
    assert Member.objects.get(workspace=ws, user=user).role == Role.OWNER
    assert client.get("/")["Location"] == f"/w/{ws.slug}/"


def test_sign_up_with_e_mail_and_password(client, db, mailoutbox):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "ada@new.test",
            "password1": "a-Long-pass-2026",
            "password2": "a-Long-pass-2026",
        },
    )
    assert response.status_code == 302
    assert any("ada@new.test" in m.to for m in mailoutbox)  # the verification mail


def test_invitations_are_mailed_with_a_working_link(
    client, acme, owner_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(owner_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/w/acme/settings/invitations/", {"email": "zoe@acme.test", "role": "editor"})
    mail = mailoutbox[-1]
    link = re.search(r"http://testserver(/invite/[^/\s]+/)", mail.body).group(1)
    assert "Acme" in mail.subject
    client.logout()
    assert "zoe@acme.test" in client.get(link).content.decode()


def test_pages_speak_russian_with_russian_numbers(client, acme, owner_user):
    okr.checkin_create(key_result=acme["nps"], date=dt.date.today(), value=60.5, actor=None)
    client.force_login(owner_user)
    client.cookies["django_language"] = "ru"
    html = client.get(f"/w/acme/objectives/{acme['company'].pk}/").content.decode()
    with translation.override("ru"):
        assert translation.gettext("Why it matters") in html
    assert "60,5" in html  # the decimal comma


def test_the_workspace_language_is_the_default(client, acme, owner_user):
    ws_services.workspace_update(workspace=acme["ws"], language="pl", actor=None)
    client.force_login(owner_user)
    html = client.get("/w/acme/").content.decode()
    assert '<html lang="pl">' in html


@pytest.mark.parametrize(
    "url",
    [
        "/w/acme/",
        "/w/acme/cycles/{cycle}/",
        "/w/acme/cycles/{cycle}/tree/",
        "/w/acme/checkin/",
        "/w/acme/objectives/{company}/",
        "/w/acme/teams/",
        "/w/acme/people/",
    ],
)
def test_pages_do_a_bounded_number_of_queries(
    client, acme, owner, owner_user, django_assert_max_num_queries, url
):
    """Ten times the objectives, key results and check-ins: the same number of queries."""
    client.force_login(owner_user)
    url = url.format(cycle=acme["cycle"].pk, company=acme["company"].pk)

    def grow(n):
        for i in range(n):
            o = okr.objective_create(
                workspace=acme["ws"],
                cycle=acme["cycle"],
                title=f"O{i}",
                owner=owner,
                teams=[acme["support"]],
                parent=acme["company"],
                actor=None,
            )
            for j in range(3):
                kr = okr.key_result_create(
                    objective=o, title=f"K{j}", start=0, target=10, owner=owner, actor=None
                )
                okr.checkin_create(key_result=kr, date=dt.date.today(), value=j, actor=None)
        for j in range(n):
            okr.checkin_create(
                key_result=acme["nps"], date=dt.date.today(), value=56 + j % 5, actor=None
            )

    grow(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_key_result_is_edited_inline(client, acme, owner_user):
    client.force_login(owner_user)
    kr = acme["nps"]
    form = client.get(f"/w/acme/krs/{kr.pk}/edit/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in form and 'hx-post="/w/acme/krs/' in form
    response = client.post(
        f"/w/acme/krs/{kr.pk}/edit/",
        {
            "kr-title": "NPS from 55 to 70",
            "kr-type": "increase",
            "kr-start": "55",
            "kr-target": "70",
            "kr-scoring": "spectrum",
            "kr-weight": "3",
        },
        HTTP_HX_REQUEST="true",
    )
    assert "NPS from 55 to 70" in response.content.decode()
    kr.refresh_from_db()
    assert (kr.target, kr.weight) == (70, 3)


def test_password_reset_mails_a_link(client, acme, owner_user, mailoutbox):
    assert client.get("/accounts/password/reset/").status_code == 200
    client.post("/accounts/password/reset/", {"email": owner_user.email})
    assert "/accounts/password/reset/key/" in mailoutbox[-1].body


def test_an_objective_page_shows_a_first_screen_of_what_is_aligned_to_it(
    client, workspace, quarter, owner, owner_user, monkeypatch
):
    """A company objective with hundreds of team objectives under it shows the first
    ``GROUP_LIMIT`` of them and links to all of them on the overview, filtered by it; its
    key result driven by them still counts them all."""
    from waypoint.okrs import selectors

    monkeypatch.setattr(selectors, "GROUP_LIMIT", 3)
    parent = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Customers stay", owner=owner, actor=None
    )
    okr.key_result_create(
        objective=parent, title="Teams deliver", driven_by_children=True, target=1, actor=None
    )
    for n in range(5):
        okr.objective_create(
            workspace=workspace,
            cycle=quarter,
            title=f"Team goal {n}",
            level="team",
            parent=parent,
            owner=owner,
            actor=None,
        )
    client.force_login(owner_user)
    page = client.get(f"/w/acme/objectives/{parent.pk}/").content.decode()
    # Folded on the objective's page, with their number; read when opened.
    assert not any(f"Team goal {n}" in page for n in range(5))
    assert "5 child objectives" in page and '<small class="muted" data-aligned-count>5<' in page
    aligned = f"/w/acme/objectives/{parent.pk}/aligned/"
    assert f'hx-get="{aligned}" hx-trigger="toggle from:closest details once"' in page
    opened = client.get(aligned, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in opened
    assert [f"Team goal {n}" in opened for n in range(5)] == [True] * 3 + [False] * 2
    link = f'/w/acme/cycles/{quarter.pk}/?parent={parent.pk}" data-all-aligned>All 5 aligned'
    assert link in opened
    alone = client.get(aligned).content.decode()  # without JavaScript: a page of its own
    assert "<html" in alone and link in alone and "Team goal 0" in alone
    listed = client.get(f"/w/acme/cycles/{quarter.pk}/?parent={parent.pk}").content.decode()
    assert all(f"Team goal {n}" in listed for n in range(5))


def test_what_is_aligned_to_an_objective_follows_the_one_visibility_rule(
    client, workspace, quarter, owner, teammate, monkeypatch
):
    """A private objective aligned to a public one is neither counted nor listed for a
    member who may not see it; an objective the member may not see has no aligned list."""
    parent = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Customers stay", owner=owner, actor=None
    )
    for title, private in (("Open goal", False), ("Secret goal", True)):
        okr.objective_create(
            workspace=workspace,
            cycle=quarter,
            title=title,
            level="team",
            parent=parent,
            owner=owner,
            private=private,
            actor=None,
        )
    hidden = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Hidden", owner=owner, private=True, actor=None
    )
    client.force_login(teammate.user)
    page = client.get(f"/w/acme/objectives/{parent.pk}/").content.decode()
    assert '<small class="muted" data-aligned-count>1<' in page
    opened = client.get(f"/w/acme/objectives/{parent.pk}/aligned/").content.decode()
    assert "Open goal" in opened and "Secret goal" not in opened
    assert client.get(f"/w/acme/objectives/{hidden.pk}/aligned/").status_code == 404


def test_the_overview_counts_other_teams_only_up_to_a_bound(client, acme, owner_user, monkeypatch):
    """Past ``OTHER_TEAMS_COUNTED`` teams the folded list says "N+" instead of counting every
    team of a large company on each view; a search still finds any of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint.okrs import views

    client.force_login(owner_user)
    url = f"/w/acme/cycles/{acme['cycle'].pk}/"
    assert '<small class="muted">2</small>' in client.get(url).content.decode()
    monkeypatch.setattr(views, "OTHER_TEAMS_COUNTED", 1)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert '<small class="muted">1+</small>' in html
    counted = [q["sql"] for q in queries.captured_queries if "workspaces_team" in q["sql"]]
    assert any("COUNT(" in q and "LIMIT 2" in q for q in counted)
    found = client.get(f"{url}?teams=Supp").content.decode()
    assert 'class="team-name">Support<' in found


def test_a_folded_team_says_its_count_and_loads_its_objectives_when_opened(
    client, acme, owner_user
):
    """Each other team, folded: its name, how many objectives (in the reader's language and
    plural) and their mean score, and its objectives read when opened."""
    from waypoint.workspaces.models import Team

    client.force_login(owner_user)
    cycle = acme["cycle"]
    support = Team.objects.get(workspace=acme["ws"], name="Support")
    html = client.get(f"/w/acme/cycles/{cycle.pk}/").content.decode()
    group = html.split('class="team-name">Support<')[1].split("</details>")[0]
    team_url = f"/w/acme/cycles/{cycle.pk}/teams/{support.pk}/"
    assert f'hx-get="{team_url}"' in group and "· mean score" in group
    assert re.search(r">\d+ objectives? · mean score", group)
    opened = client.get(team_url, HTTP_HX_REQUEST="true").content.decode()
    assert '<article class="okr-row">' in opened and "<html" not in opened
    ws_services.workspace_update(workspace=acme["ws"], language="pl", actor=None)
    html = client.get(f"/w/acme/cycles/{cycle.pk}/").content.decode()
    group = html.split('class="team-name">Support<')[1].split("</details>")[0]
    assert "średni wynik" in group and ("cel ·" in group or "cele ·" in group or "celów ·" in group)


def test_the_overview_folds_many_coach_findings_and_reads_them_when_opened(
    client, workspace, quarter, owner_user
):
    """A few findings are listed in the coach panel; many (a big company's) come folded, and
    the first twenty are read, with their objectives' titles, when the panel is opened."""
    client.force_login(owner_user)
    url = f"/w/{workspace.slug}/cycles/{quarter.pk}/"

    def make(n, start):
        for i in range(start, start + n):  # no key results, no owner, no why: findings
            okr.objective_create(
                workspace=workspace, cycle=quarter, title=f"Bare objective {i:02}", actor=None
            )

    def panel():
        page = client.get(url).content.decode()
        return page.split('id="quality"')[1].split("</section>")[0]

    make(1, 0)
    few = panel()
    assert "<details open>" in few and "finding-list" in few and "hx-get" not in few
    make(29, 1)
    many = panel()
    n = int(re.search(r"(\d+) findings on this cycle", many).group(1))
    assert n > 20 and "<details open" not in many
    assert f'hx-get="/w/{workspace.slug}/cycles/{quarter.pk}/findings/?panel=1"' in many
    assert "finding-list" not in many  # not read, not drawn

    opened = client.get(
        f"/w/{workspace.slug}/cycles/{quarter.pk}/findings/?panel=1", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in opened and opened.count("<li><a href=") == 20
    assert "Bare objective" in opened and f"{n - 20} more findings" in opened
