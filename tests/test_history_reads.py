"""A key result's history on its objective's page costs what is shown: the newest ten
check-ins of each key result, and one point a day for its chart, whatever the length of
its history."""

import datetime as dt

from django.db import connection

from waypoint.okrs import selectors
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn


def _history(workspace, kr, days, per_day):
    CheckIn.objects.bulk_create(
        CheckIn(
            workspace=workspace,
            key_result=kr,
            date=dt.date(2026, 1, 1) + dt.timedelta(days=d),
            value=d * 10 + i,
        )
        for d in range(days)
        for i in range(per_day)
    )


def test_the_newest_check_ins_of_each_key_result_and_a_point_a_day(
    workspace, objective, key_result, owner_user
):
    other = okr.key_result_create(
        objective=objective, title="Second", start=0, target=100, actor=owner_user
    )
    empty = okr.key_result_create(
        objective=objective, title="Third", start=0, target=100, actor=owner_user
    )
    _history(workspace, key_result, days=6, per_day=3)  # 18, three a day
    _history(workspace, other, days=4, per_day=1)

    latest = selectors.latest_checkins([key_result, other, empty], 10)
    newest_first = sorted(
        CheckIn.objects.filter(key_result=key_result), key=lambda c: (c.date, c.pk), reverse=True
    )
    assert [c.pk for c in latest[key_result.pk]] == [c.pk for c in newest_first[:10]]
    assert [c.value for c in latest[other.pk]] == [30, 20, 10, 0]
    assert latest[empty.pk] == []

    days = {}
    for c in selectors.day_last_checkins().filter(key_result=key_result):
        days[c.date] = [*days.get(c.date, []), c.value]
    # Each day once, with its last value (entered last: the highest id).
    assert days == {dt.date(2026, 1, 1) + dt.timedelta(days=d): [d * 10 + 2] for d in range(6)}


def test_on_postgresql_the_newest_check_ins_are_index_walks_not_a_scan(
    workspace, objective, key_result, owner_user
):
    """An ``OR`` of ``IN (… LIMIT 10)`` subqueries made PostgreSQL scan every check-in of
    the database (0.9 s at 100,000 people); the lateral join walks each key result's index."""
    if connection.vendor != "postgresql":
        return  # SQLite walks each subquery's index: test_query_shape keeps its count
    other = okr.key_result_create(
        objective=objective, title="Second", start=0, target=100, actor=owner_user
    )
    _history(workspace, key_result, days=400, per_day=50)  # 20,000: enough for a real plan
    _history(workspace, other, days=20, per_day=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE okrs_checkin")
    captured = []

    def keep(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        latest = selectors.latest_checkins([key_result, other], 10)
    assert len(latest[key_result.pk]) == len(latest[other.pk]) == 10
    [(sql, params)] = [(s, p) for s, p in captured if 'FROM "okrs_checkin"' in s]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on okrs_checkin" not in plan, plan


def test_the_objective_page_counts_each_key_results_check_ins(
    client, workspace, objective, key_result, owner_user
):
    other = okr.key_result_create(
        objective=objective, title="Second", start=0, target=100, actor=owner_user
    )
    okr.key_result_create(objective=objective, title="Third", start=0, target=100, actor=owner_user)
    _history(workspace, key_result, days=6, per_day=3)
    _history(workspace, other, days=1, per_day=1)
    client.force_login(owner_user)
    page = client.get(f"/w/{workspace.slug}/objectives/{objective.pk}/").content.decode()
    summaries = [s.split("</summary>")[0] for s in page.split("<summary>")[1:]]
    assert [s for s in summaries if "check-in" in s] == [
        "18 check-ins",
        "1 check-in",
        "0 check-ins",
    ]


def test_only_the_open_history_is_read_with_the_page_the_folded_ones_when_opened(
    client, workspace, objective, key_result, owner_user
):
    """The first key result's history is open, with its newest ten check-ins; the others'
    are folded, and read (the same ten, and a link to the earlier ones) when opened."""
    other = okr.key_result_create(
        objective=objective, title="Second", start=0, target=100, actor=owner_user
    )
    _history(workspace, key_result, days=3, per_day=1)  # values 0, 10, 20
    _history(workspace, other, days=15, per_day=1)  # values 0 ... 140
    CheckIn.objects.filter(key_result=other).update(comment="second's")
    client.force_login(owner_user)
    page = client.get(f"/w/{workspace.slug}/objectives/{objective.pk}/").content.decode()
    assert "second&#x27;s" not in page and "second's" not in page  # not read, not drawn
    url = f"/w/{workspace.slug}/krs/{other.pk}/history/"
    assert f'hx-get="{url}?rows=10"' in page

    rows = client.get(f"{url}?rows=10", HTTP_HX_REQUEST="true").content.decode()
    assert rows.count("<tr>") == 10 and "<td>140</td>" in rows and "<td>50</td>" in rows
    assert "<td>40</td>" not in rows and "Show 5 earlier check-ins" in rows
    assert client.get(f"{url}?rows=0", HTTP_HX_REQUEST="true").content.decode().count("<tr>") == 1
