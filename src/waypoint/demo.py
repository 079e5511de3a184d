"""The demo workspace: Brightstone Homes, a home builder that sells its houses online.

Built from the seeds' own examples: seed 001's NPS 55 -> 66 and predictive maintenance,
seed 002's plasterers (2,000 m2 a month) and blog experts, seed 000's flawed OKRs ("Sell
bookings for 10 million", "Boost customer retention", the seamless bank, "Develop our
business") so the coach has something to say. Deterministic: the same date gives the same
data (seeded randomness); check-ins run up to the given day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction

from waypoint.lib import scoring
from waypoint.okrs import okrfile, services
from waypoint.okrs.models import Cycle
from waypoint.workspaces.models import User, Workspace

DEMO_SLUG = "brightstone"
DEMO_LOGIN = "anna@brightstone.test"
DEMO_PASSWORD = "waypoint-demo"  # noqa: S105 - a published demo login, not a secret

PEOPLE = [
    ("anna@brightstone.test", "Anna Kowalska", "owner"),
    ("ivan@brightstone.test", "Ivan Petrov", "admin"),
    ("maria@brightstone.test", "Maria Nowak", "editor"),
    ("oleg@brightstone.test", "Oleg Smirnov", "editor"),
    ("li@brightstone.test", "Li Wei", "editor"),
    ("chen@brightstone.test", "Chen Jing", "member"),
    ("piotr@brightstone.test", "Piotr Zieliński", "member"),
    ("olga@brightstone.test", "Olga Ivanova", "member"),
    ("tomasz@brightstone.test", "Tomasz Wiśniewski", "member"),
    ("zhang@brightstone.test", "Zhang Min", "member"),
    ("ewa@brightstone.test", "Ewa Lewandowska", "member"),
    ("dmitry@brightstone.test", "Dmitry Volkov", "viewer"),
]

TEAMS = [
    {"name": "Commercial", "lead": "ivan@brightstone.test", "members": ["ivan@brightstone.test"]},
    {
        "name": "Sales",
        "parent": "Commercial",
        "lead": "ivan@brightstone.test",
        "members": ["ivan@brightstone.test", "piotr@brightstone.test"],
    },
    {
        "name": "Marketing",
        "parent": "Commercial",
        "lead": "maria@brightstone.test",
        "members": ["maria@brightstone.test", "olga@brightstone.test"],
    },
    {
        "name": "Construction",
        "lead": "oleg@brightstone.test",
        "members": ["oleg@brightstone.test", "tomasz@brightstone.test"],
    },
    {
        "name": "Customer Experience",
        "lead": "li@brightstone.test",
        "members": [
            "li@brightstone.test",
            "chen@brightstone.test",
            "zhang@brightstone.test",
            "ewa@brightstone.test",
        ],
    },
]

COMMENTS = {
    "on_track": [
        "Steady week, on plan.",
        "The new landing page is pulling its weight.",
        "Good week: two crews finished ahead of schedule.",
        "Numbers confirmed with finance.",
        "Momentum holds; nothing blocking us.",
        "Customer survey wave came back better than expected.",
    ],
    "at_risk": [
        "Two plasterers off sick; catching up next week.",
        "Lead volume dipped after the campaign ended.",
        "Waiting on the CRM integration before this can move.",
        "Slower than planned; we moved one person to help.",
        "Holiday week, fewer visits to the show homes.",
    ],
    "off_track": [
        "Gypsum supplier delayed deliveries again; escalated to procurement.",
        "Rain stopped two sites for most of the week.",
        "We lost the main contact at the bank partner; rebuilding the pipeline.",
        "This is not moving; we need to rethink the approach at the retro.",
    ],
}

# Done weeks ago in the demo, so that its key result shows what moved after it.
LEAD_ALERT_BOT = "Lead alert bot in the CRM"


def _kr(title, type_, start, target, owner, *, unit="", team=None, end=None, **extra):
    """A key result and the fraction of its range it will have covered by the cycle's end."""
    kr = {"title": title, "type": type_, "owner": owner}
    if type_ != "milestone":
        kr["start"], kr["target"] = start, target
    if unit:
        kr["unit"] = unit
    if team:
        kr["team"] = team
    kr.update(extra)
    kr["_end"] = end  # where the story ends; removed before import
    return kr


def _objectives_current(prev_ref: str | None) -> list[dict]:
    a, i, m, o, li = (
        "anna@brightstone.test",
        "ivan@brightstone.test",
        "maria@brightstone.test",
        "oleg@brightstone.test",
        "li@brightstone.test",
    )
    return [
        {
            "id": "online-to-keys",
            "level": "company",
            "owner": a,
            "kind": "aspirational",
            "title": "Turn online visitors into families holding our keys",
            "why": "Nine in ten buyers now start online, yet we still sell as if they walked in.",
            "teams": ["Sales", "Marketing"],
            "aligns_to": "YEAR/recommended-first",
            "key_results": [
                _kr(
                    "Raise visitor-to-signup conversion from 1.2% to 2%",
                    "increase",
                    1.2,
                    2.0,
                    m,
                    unit="%",
                    end=0.75,
                ),
                _kr(
                    "Grow online bookings from 18 to 40 a quarter",
                    "increase",
                    18,
                    40,
                    i,
                    unit="bookings",
                    end=0.6,
                ),
                _kr(
                    "Raise NPS of new customers from 55 to 66",
                    "increase",
                    55,
                    66,
                    li,
                    unit="points",
                    end=0.45,
                ),
            ],
        },
        {
            "id": "bookings-10m",
            "level": "company",
            "owner": i,
            "kind": "committed",
            "title": "Sell bookings for 10 million",
            "teams": ["Sales"],
            "key_results": [
                _kr("Win 1000 deals", "increase", 0, 1000, i, unit="deals", end=0.55),
                _kr("Generate 50,000 leads", "increase", 0, 50000, m, unit="leads", end=0.7),
            ],
        },
        {
            "id": "on-schedule",
            "level": "company",
            "owner": o,
            "kind": "committed",
            "title": "Deliver every home on schedule, without rework",
            "why": "Late handovers are the first reason families give when they do not "
            "recommend us.",
            "teams": ["Construction"],
            "aligns_to": "YEAR/on-time",
            "key_results": [
                _kr("Hand over 30 homes this quarter", "increase", 0, 30, o, unit="homes", end=0.9),
                _kr(
                    "Cut equipment downtime from 40 to 32 hours a month through predictive "
                    "maintenance",
                    "decrease",
                    40,
                    32,
                    "tomasz@brightstone.test",
                    unit="h",
                    end=0.8,
                ),
                _kr(
                    "Keep safety incidents at zero",
                    "maintain",
                    None,
                    0,
                    o,
                    direction="lower_is_better",
                    unit="incidents",
                    end=1.0,
                ),
            ],
        },
        {
            "id": "blog-trust",
            "level": "team",
            "owner": m,
            "kind": "aspirational",
            "title": "Make our blog the place buyers learn to choose a home",
            "why": "Buyers who read three articles book a visit twice as often.",
            "teams": ["Marketing"],
            "aligns_to": "online-to-keys",
            "key_results": [
                _kr(
                    "Grow organic blog visitors from 8,000 to 15,000 a month",
                    "increase",
                    8000,
                    15000,
                    m,
                    unit="visitors",
                    end=0.7,
                ),
                _kr(
                    "Grow leads from the blog from 40 to 120 a month",
                    "increase",
                    40,
                    120,
                    "olga@brightstone.test",
                    unit="leads",
                    end=0.55,
                ),
                _kr(
                    "Publish 24 expert articles",
                    "increase",
                    0,
                    24,
                    "olga@brightstone.test",
                    unit="articles",
                    end=0.8,
                ),
            ],
            "initiatives": {
                2: [
                    {
                        "title": "Expert article rotation: each of our 2 experts writes every "
                        "other week",
                        "status": "in_progress",
                        "owner": "olga@brightstone.test",
                        "due_in": 10,
                    }
                ],
                0: [
                    {
                        "title": "Book a show-home visit straight from each house's page",
                        "status": "in_progress",
                        "owner": "anna@brightstone.test",
                        "due_in": -3,
                    }
                ],
            },
        },
        {
            "id": "win-trusting-families",
            "level": "team",
            "owner": i,
            "kind": "aspirational",
            "title": "Win the families who already trust us",
            "why": "Warm leads close at 3x the rate of cold ones, and we lose half of them "
            "to slow follow-up.",
            "teams": ["Sales"],
            "aligns_to": "online-to-keys",
            "key_results": [
                _kr(
                    "Raise lead-to-booking conversion from 8% to 14%",
                    "increase",
                    8,
                    14,
                    i,
                    unit="%",
                    end=0.5,
                ),
                _kr(
                    "Cut average response time to a new lead from 24 to 2 hours",
                    "decrease",
                    24,
                    2,
                    "piotr@brightstone.test",
                    unit="h",
                    end=0.85,
                ),
                _kr("Train 15 new sales people", "increase", 0, 15, i, unit="people", end=0.6),
            ],
            "initiatives": {
                1: [
                    {
                        "title": LEAD_ALERT_BOT,
                        "status": "in_progress",
                        "owner": "zhang@brightstone.test",
                    }
                ],
            },
        },
        {
            "id": "effortless-move-in",
            "level": "team",
            "owner": li,
            "kind": "aspirational",
            "title": "Make moving in effortless",
            "why": "Handover is the moment families decide whether to recommend us; today it "
            "is a pile of paper and a list of snags.",
            "teams": ["Construction", "Customer Experience"],
            "aligns_to": "on-schedule",
            "key_results": [
                _kr(
                    "Cut snag items reported at handover from 14 to 5 per home",
                    "decrease",
                    14,
                    5,
                    o,
                    unit="items",
                    team="Construction",
                    end=0.55,
                ),
                _kr(
                    "Raise handover satisfaction from 7.2 to 8.5",
                    "increase",
                    7.2,
                    8.5,
                    "chen@brightstone.test",
                    unit="/10",
                    team="Customer Experience",
                    end=0.6,
                ),
                _kr(
                    "Raise handover documents signed online from 30% to 80%",
                    "increase",
                    30,
                    80,
                    "zhang@brightstone.test",
                    unit="%",
                    team="Customer Experience",
                    end=0.8,
                ),
            ],
            "initiatives": {
                2: [
                    {
                        "title": "Online signing of handover documents",
                        "status": "in_progress",
                        "owner": "zhang@brightstone.test",
                    }
                ],
            },
        },
        {
            "id": "build-faster",
            "level": "team",
            "owner": o,
            "kind": "aspirational",
            "title": "Build faster without cutting corners",
            "why": "Every week saved on a build frees a crew for the next family on the "
            "waiting list.",
            "teams": ["Construction"],
            "aligns_to": "on-schedule",
            "key_results": [
                _kr(
                    "Raise plastering output from 1,600 to 2,000 m² a month",
                    "increase",
                    1600,
                    2000,
                    o,
                    unit="m²",
                    end=0.7,
                ),
                _kr(
                    "Cut average build time from 150 to 120 days",
                    "decrease",
                    150,
                    120,
                    "tomasz@brightstone.test",
                    unit="days",
                    end=0.45,
                ),
            ],
            "initiatives": {
                0: [
                    {
                        "title": "Laser levelling for every plastering crew",
                        "status": "planned",
                        "owner": "tomasz@brightstone.test",
                    }
                ],
            },
        },
        {
            "id": "boost-retention",
            "level": "team",
            "owner": "chen@brightstone.test",
            "kind": "aspirational",
            "title": "Boost customer retention",
            "teams": ["Customer Experience", "Marketing"],
            "key_results": [
                _kr(
                    "Improve onboarding in the product by 7%",
                    "increase",
                    0,
                    7,
                    li,
                    unit="%",
                    end=0.4,
                ),
                _kr(
                    "Increase the share of long-term leads to 58%",
                    "increase",
                    41,
                    58,
                    m,
                    unit="%",
                    end=0.5,
                ),
                _kr(
                    "Improve long-term relationships",
                    "milestone",
                    None,
                    None,
                    "chen@brightstone.test",
                    end=0.0,
                ),
            ],
        },
        {
            "id": "seamless-online",
            "level": "team",
            "owner": li,
            "kind": "aspirational",
            "title": "Create a seamless online environment for our buyers",
            "teams": ["Customer Experience"],
            "key_results": [
                _kr(
                    "100% of projects can be opened online",
                    "increase",
                    40,
                    100,
                    "zhang@brightstone.test",
                    unit="%",
                    end=0.6,
                ),
                _kr(
                    "70% of requests are served the same online and offline",
                    "increase",
                    35,
                    70,
                    "ewa@brightstone.test",
                    unit="%",
                    end=0.5,
                ),
                _kr(
                    "3 minutes to a result in any app",
                    "decrease",
                    9,
                    3,
                    "zhang@brightstone.test",
                    unit="min",
                    end=0.4,
                ),
                _kr(
                    "Keep customer growth year over year",
                    "maintain",
                    None,
                    10,
                    a,
                    unit="%",
                    end=1.0,
                ),
            ],
        },
        {
            "id": "olga-voice",
            "level": "individual",
            "owner": "olga@brightstone.test",
            "kind": "aspirational",
            "teams": ["Marketing"],
            "aligns_to": "blog-trust",
            "title": "Become the voice buyers trust on plastering and finishes",
            "why": "Our finishing quality is what sets us apart, and nobody explains it.",
            "key_results": [
                _kr(
                    "Raise articles read to the end from 20% to 35%",
                    "increase",
                    20,
                    35,
                    "olga@brightstone.test",
                    unit="%",
                    end=0.65,
                ),
                _kr(
                    "Grow newsletter subscribers from 300 to 900",
                    "increase",
                    300,
                    900,
                    "olga@brightstone.test",
                    unit="subscribers",
                    end=0.5,
                ),
            ],
        },
        {
            "id": "piotr-pipeline",
            "level": "individual",
            "owner": "piotr@brightstone.test",
            "kind": "aspirational",
            "teams": ["Sales"],
            "aligns_to": "win-trusting-families",
            "title": "Turn my pipeline into keys handed over",
            "why": "Half my leads go cold before the second call.",
            "key_results": [
                _kr(
                    "Close 20 bookings, up from 8",
                    "increase",
                    8,
                    20,
                    "piotr@brightstone.test",
                    unit="bookings",
                    end=0.55,
                ),
                _kr(
                    "Follow up 95% of leads within 2 hours, up from 60%",
                    "increase",
                    60,
                    95,
                    "piotr@brightstone.test",
                    unit="%",
                    end=0.8,
                ),
            ],
        },
        {
            "id": "tomasz-zero-defect",
            "level": "individual",
            "owner": "tomasz@brightstone.test",
            "kind": "committed",
            "teams": ["Construction"],
            "aligns_to": "build-faster",
            "title": "Zero-defect plastering on site 3",
            "why": "Re-plastering costs us a crew-week on every fourth house.",
            "key_results": [
                _kr(
                    "Cut walls re-plastered after inspection from 12% to 3%",
                    "decrease",
                    12,
                    3,
                    "tomasz@brightstone.test",
                    unit="%",
                    end=0.6,
                ),
                _kr(
                    "Laser levelling in use on every crew",
                    "milestone",
                    None,
                    None,
                    "tomasz@brightstone.test",
                    end=1.0,
                ),
            ],
        },
    ]


def _objectives_previous() -> list[dict]:
    a, o, li = "anna@brightstone.test", "oleg@brightstone.test", "li@brightstone.test"
    return [
        {
            "id": "develop-business",
            "level": "company",
            "owner": a,
            "kind": "committed",
            "title": "Develop our business",
            "key_results": [
                _kr("Increase revenue to 3 million", "increase", 2.1, 3.0, a, unit="M", end=0.8),
                _kr("Launch a new product", "milestone", None, None, li, end=1.0),
                _kr("Reduce customer churn to 5%", "decrease", 9, 5, li, unit="%", end=0.5),
            ],
        },
        {
            "id": "delight-customers",
            "level": "company",
            "owner": li,
            "kind": "aspirational",
            "title": "Delight the company's customers",
            "why": "Referrals are our cheapest sales channel and they come only from delighted "
            "families.",
            "teams": ["Customer Experience"],
            "key_results": [
                _kr(
                    "Survey 20 clients a month",
                    "increase",
                    0,
                    20,
                    "ewa@brightstone.test",
                    unit="surveys",
                    end=1.0,
                ),
                _kr("NPS 9", "increase", 7.5, 9, li, unit="/10", end=0.6),
                _kr(
                    "Increase retention to 98%",
                    "increase",
                    94,
                    98,
                    "chen@brightstone.test",
                    unit="%",
                    end=0.7,
                ),
                _kr("Reach engagement of 80%", "increase", 60, 80, li, unit="%", end=0.65),
            ],
        },
        {
            "id": "crews-ready",
            "level": "team",
            "owner": o,
            "kind": "aspirational",
            "title": "Get our crews ready for the autumn peak",
            "why": "The autumn peak decides whether we hand over on time in the winter.",
            "teams": ["Construction"],
            "key_results": [
                _kr(
                    "Raise plastering output from 1,300 to 1,600 m² a month",
                    "increase",
                    1300,
                    1600,
                    o,
                    unit="m²",
                    end=0.9,
                ),
                _kr(
                    "Cut pit time between sites from 3 to 1.5 days",
                    "decrease",
                    3,
                    1.5,
                    "tomasz@brightstone.test",
                    unit="days",
                    end=0.7,
                ),
            ],
        },
    ]


def _objectives_year() -> list[dict]:
    a, o = "anna@brightstone.test", "oleg@brightstone.test"
    return [
        {
            "id": "recommended-first",
            "level": "company",
            "owner": a,
            "kind": "aspirational",
            "title": "Become the home builder families recommend first",
            "why": "A recommended family costs us a tenth of a family won by advertising.",
            "teams": ["Commercial", "Customer Experience"],
            "key_results": [
                _kr(
                    "Grow the share of sales from referrals from 12% to 25%",
                    "increase",
                    12,
                    25,
                    a,
                    unit="%",
                    end=0.6,
                ),
                _kr(
                    "Quarterly objectives that serve this one",
                    "increase",
                    0,
                    1,
                    a,
                    driven_by_children=True,
                ),
            ],
        },
        {
            "id": "on-time",
            "level": "company",
            "owner": o,
            "kind": "committed",
            "title": "Hand over 120 homes on time this year",
            "why": "Our bank covenants and our reputation both hang on on-time handovers.",
            "teams": ["Construction"],
            "key_results": [
                _kr("Hand over 120 homes", "increase", 0, 120, o, unit="homes", end=0.9),
                _kr(
                    "Keep on-time handovers at or above 95%",
                    "maintain",
                    None,
                    95,
                    o,
                    unit="%",
                    end=1.0,
                ),
            ],
        },
    ]


def _weekly_dates(start: dt.date, end: dt.date, today: dt.date) -> list[dt.date]:
    """Fridays from the cycle's first full week up to today or the cycle's end."""
    day = start + dt.timedelta(days=(4 - start.weekday()) % 7)
    if day - start < dt.timedelta(days=3):
        day += dt.timedelta(days=7)
    out = []
    while day <= min(end, today):
        out.append(day)
        day += dt.timedelta(days=7)
    return out


def _add_checkins(objectives, cycle_start, cycle_end, today, rng, *, step_weeks=1):
    """Give each key result a believable weekly story towards its ``_end`` fraction."""
    dates = _weekly_dates(cycle_start, cycle_end, today)[::step_weeks]
    total = (cycle_end - cycle_start).days or 1
    for obj in objectives:
        for kr in obj["key_results"]:
            end_fraction = kr.pop("_end")
            if kr.get("driven_by_children") or end_fraction is None:
                continue
            checkins = []
            skip_last = rng.random() < 0.15  # someone always forgets to check in
            for n, day in enumerate(dates):
                if skip_last and n >= len(dates) - 2:
                    break
                elapsed = (day - cycle_start).days / total
                expected = scoring.expected_progress(cycle_start, cycle_end, day)
                noise = rng.uniform(-0.06, 0.06)
                if kr["type"] == "milestone":
                    value = 1 if end_fraction >= 1 and elapsed > 0.6 else 0
                    progress = float(value)
                elif kr["type"] == "maintain":
                    holds = rng.random() < (0.9 if end_fraction >= 1 else 0.5)
                    target = kr["target"]
                    delta = abs(target) * 0.05 + 1
                    lower = kr.get("direction") == "lower_is_better"
                    value = target if holds else (target + delta if lower else target - delta)
                    if not holds:
                        value = round(value, 1)
                    progress = 1.0 if holds else 0.0
                else:
                    progress = max(0.0, min(1.0, end_fraction * elapsed + noise))
                    start, target = kr["start"], kr["target"]
                    raw = start + (target - start) * progress
                    span = abs(target - start)
                    value = round(raw) if span >= 20 else round(raw, 1)
                    progress = scoring.kr_progress(
                        kr["type"], start=start, target=target, current=value
                    )
                gap = progress - expected
                confidence = (
                    "on_track" if gap >= -0.1 else "at_risk" if gap >= -0.25 else "off_track"
                )
                if kr["type"] == "maintain":
                    confidence = "on_track" if progress else "at_risk"
                checkin = {"date": day, "value": value, "confidence": confidence, "by": kr["owner"]}
                if rng.random() < 0.6:
                    checkin["comment"] = rng.choice(COMMENTS[confidence])
                checkins.append(checkin)
            if checkins:
                kr["checkins"] = checkins


def _attach_initiatives(objectives, today: dt.date):
    """Each objective's initiatives onto its key results; ``due_in`` days from today."""
    for obj in objectives:
        for index, items in obj.pop("initiatives", {}).items():
            for item in items:
                if "due_in" in item:
                    item["due"] = today + dt.timedelta(days=item.pop("due_in"))
            obj["key_results"][index]["initiatives"] = items


def _quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def build_documents(today: dt.date) -> list[dict]:
    """The demo as OKR documents (one a cycle), ready for the importer."""
    rng = random.Random(2026)  # noqa: S311 - deterministic demo data, not security
    year = today.year
    q = _quarter_of(today)
    year_name = str(year)
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)

    def quarter(y, n):
        start = dt.date(y, 3 * n - 2, 1)
        end = dt.date(y, 12, 31) if n == 4 else dt.date(y, 3 * n + 1, 1) - dt.timedelta(1)
        return f"{y}-Q{n}", start, end

    people = [{"email": e, "name": n, "role": r} for e, n, r in PEOPLE]
    docs = []

    year_objs = _objectives_year()
    _add_checkins(year_objs, year_start, year_end, today, rng, step_weeks=4)
    docs.append(
        {
            "workspace": DEMO_SLUG,
            "workspace_name": "Brightstone Homes",
            "cycle": {"name": year_name, "start": year_start, "end": year_end, "kind": "year"},
            "people": people,
            "teams": TEAMS,
            "objectives": year_objs,
        }
    )

    prev_year, prev_q = (year, q - 1) if q > 1 else (year - 1, 4)
    name, start, end = quarter(prev_year, prev_q)
    prev_objs = _objectives_previous()
    _add_checkins(prev_objs, start, end, today, rng)
    _attach_initiatives(prev_objs, today)
    prev_cycle = {"name": name, "start": start, "end": end, "kind": "quarter"}
    if prev_year == year:
        prev_cycle["within"] = year_name
    docs.append({"workspace": DEMO_SLUG, "cycle": prev_cycle, "objectives": prev_objs})

    name, start, end = quarter(year, q)
    current = _objectives_current(None)
    for obj in current:
        if obj.get("aligns_to", "").startswith("YEAR/"):
            obj["aligns_to"] = obj["aligns_to"].replace("YEAR", year_name)
    _add_checkins(current, start, end, today, rng)
    _attach_initiatives(current, today)
    docs.append(
        {
            "workspace": DEMO_SLUG,
            "cycle": {
                "name": name,
                "start": start,
                "end": end,
                "kind": "quarter",
                "within": year_name,
            },
            "objectives": current,
        }
    )
    for q_other in range(1, 5):
        if q_other in (q, prev_q if prev_year == year else None):
            continue
        name, start, end = quarter(year, q_other)
        docs.append(
            {
                "workspace": DEMO_SLUG,
                "cycle": {
                    "name": name,
                    "start": start,
                    "end": end,
                    "kind": "quarter",
                    "within": year_name,
                },
            }
        )
    return docs


@transaction.atomic
def load_demo(today: dt.date | None = None, progress: Callable[[str], None] | None = None):
    """Create the demo workspace (fails if it exists); returns it."""
    today = today or dt.date.today()
    say = progress or (lambda _msg: None)
    say("Building the Brightstone Homes demo workspace...")
    docs = okrfile.validate(
        [okrfile.ParsedDocument(d, {}) for d in build_documents(today)], filename="demo"
    )
    # The year goes first so quarters can sit inside it and align to its objectives.
    result = okrfile.import_documents(docs, filename="demo")
    ws = result.workspace
    say(f"  {len(result.cycles)} cycles, {result.audit_rows} records written")
    services.cycle_set_current(
        cycle=Cycle.objects.get(workspace=ws, start__lte=today, end__gte=today, kind="quarter"),
        actor=None,
    )
    owner = User.objects.get(email=DEMO_LOGIN)
    owner.set_password(DEMO_PASSWORD)
    owner.is_staff = True
    owner.is_superuser = True  # the operators' admin is the demo's only screen until the web app
    owner.save()
    for email, _name, _role in PEOPLE[1:]:
        user = User.objects.get(email=email)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    # The demo's people log in at once: their addresses count as verified.
    from allauth.account.models import EmailAddress

    for email, _name, _role in PEOPLE:
        EmailAddress.objects.update_or_create(
            user=User.objects.get(email=email),
            email=email,
            defaults={"verified": True, "primary": True},
        )
    # The maturity timeline (seed 000: only the change matters): as things stood before
    # the KPIs and the last quarter's retrospectives, and as they stand today.
    from waypoint.coach.services import maturity_store

    before = docs[1].cycle.end + dt.timedelta(days=1)
    with _as_of(before):
        maturity_store(workspace=ws, day=before, actor=None)
    with _as_of(today):  # the KPIs judge their periods by the demo's day
        _load_kpis(ws, today, say)
    _finish_work(ws, today)
    _wait_across_teams(ws)
    _close_previous_quarter(ws, docs[1].cycle.name, today, say)
    _write_report(ws, owner, today, say)
    _build_dashboard(ws)
    with _as_of(today):
        maturity_store(workspace=ws, day=today, actor=None)
    return ws


def _build_dashboard(ws: Workspace) -> None:
    """Seed 003's board for the owners: the sales funnel, its KPIs, the OKRs, what needs an
    answer; and a catch hook the sales team's form tool can post new leads to."""
    from waypoint.connectors import services as connectors
    from waypoint.connectors.models import Source
    from waypoint.kpis.models import Kpi, Process
    from waypoint.reports import dashboards
    from waypoint.reports.models import Dashboard

    if Dashboard.objects.filter(workspace=ws, name="Sales board").exists():
        return  # loaded again over itself: as it was
    funnel = Process.objects.get(workspace=ws, name="Sales funnel")
    staged = list(
        Kpi.objects.filter(workspace=ws, process=funnel)
        .exclude(stage="")
        .order_by("stage_position")
    )
    dashboards.dashboard_save(
        workspace=ws,
        actor=None,
        name="Sales board",
        blocks=[
            {"type": "funnel", "process": funnel.pk},
            *(
                {"type": "kpi", "kpi": k.pk}
                for k in staged
                if k.name in ("Blog visitors", "Leads from the blog")
            ),
            {"type": "okrs"},
            {"type": "deviations"},
            {
                "type": "text",
                "text": "Every lead answered within a working day; the blog feeds the funnel.",
            },
        ],
    )
    leads = next((k for k in staged if k.stage == "Leads"), None)
    if leads is not None and not Source.objects.filter(kpi=leads).exists():
        connectors.source_save(workspace=ws, kind="catch_hook", values={}, kpi=leads, actor=None)


def ensure_demo(today: dt.date | None = None, progress=print) -> Workspace:
    ws = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if ws is not None:
        progress(f"The demo workspace {ws.name} is already loaded.")
        return ws
    return load_demo(today=today, progress=progress)


def _load_kpis(ws: Workspace, today: dt.date, say) -> None:
    """KPIs beside the OKRs: the plasterers and the blog of seed 002, a sales funnel, support."""
    from waypoint.kpis import services as kpis
    from waypoint.kpis.models import Deviation
    from waypoint.okrs.models import KeyResult
    from waypoint.workspaces.models import Member, Team

    rng = random.Random(2002)  # noqa: S311 - deterministic demo data
    member = {m.user.email: m for m in Member.objects.filter(workspace=ws).select_related("user")}
    team = {t.name: t for t in Team.objects.filter(workspace=ws)}
    construction = kpis.process_ensure(workspace=ws, name="Construction", actor=None)
    funnel = kpis.process_ensure(workspace=ws, name="Sales funnel", actor=None)
    support = kpis.process_ensure(workspace=ws, name="Customer support", actor=None)
    plaster_kr = KeyResult.objects.filter(
        workspace=ws, title__startswith="Raise plastering"
    ).first()
    leads_kr = KeyResult.objects.filter(
        workspace=ws, title__startswith="Grow leads from the blog"
    ).first()
    response_kr = KeyResult.objects.filter(
        workspace=ws, title__startswith="Cut average response"
    ).first()

    def series(days, base, noise, step=1, trend=0.0, dip=None):
        rows = []
        for i in range(days, 0, -step):
            day = today - dt.timedelta(days=i - 1)
            if step == 1 and day.weekday() >= 5:
                continue  # crews rest at the weekend
            value = base + trend * (days - i) + rng.uniform(-noise, noise)
            if dip and dip[0] <= i <= dip[1]:
                value *= dip[2]
            rows.append((day, round(value, 1)))
        return rows

    o, tz, m, olga, li, ewa = (
        member[e]
        for e in (
            "oleg@brightstone.test",
            "tomasz@brightstone.test",
            "maria@brightstone.test",
            "olga@brightstone.test",
            "li@brightstone.test",
            "ewa@brightstone.test",
        )
    )
    plaster = kpis.kpi_create(
        workspace=ws,
        actor=None,
        name="Wall area plastered",
        unit="m²",
        direction="higher_is_better",
        frequency="daily",
        aggregation="sum",
        target=96,
        warning=80,
        critical=60,
        owner=tz,
        team=team["Construction"],
        process=construction,
        stage="Plastering",
        stage_position=2,
        serves=plaster_kr,
        template="plastered_m2",
        description="10 houses a month need about 2,000 m² of plaster; 3 plasterers, about 32 m² "
        "a day each.",
    )
    kpis.data_points_record(kpi=plaster, rows=series(40, 95, 9, dip=(1, 3, 0.7)), actor=None)
    kpis.annotation_create(
        workspace=ws,
        kpi=plaster,
        date=today - dt.timedelta(days=2),
        kind="external",
        text="Gypsum supplier delayed two deliveries",
        actor=None,
    )
    deviation = Deviation.objects.filter(kpi=plaster, closed_on__isnull=True).first()
    if deviation is not None:
        kpis.deviation_respond(
            deviation=deviation,
            response="improve_process",
            improvement=kpis.Improvement(
                title="Second supplier for gypsum; buffer stock of 3 days",
                owner=o,
                due_on=today + dt.timedelta(days=14),
            ),
            note="Two deliveries late this month: one supplier is a single point of failure.",
            actor=None,
        )
    kpis.kpi_create(
        workspace=ws,
        actor=None,
        name="Houses handed over",
        unit="houses",
        direction="higher_is_better",
        frequency="monthly",
        aggregation="sum",
        target=10,
        warning=8,
        critical=6,
        owner=o,
        team=team["Construction"],
        process=construction,
        stage="Handover",
        stage_position=3,
    )
    articles = kpis.kpi_create(
        workspace=ws,
        actor=None,
        name="Expert articles published",
        unit="articles",
        direction="higher_is_better",
        frequency="weekly",
        aggregation="sum",
        target=1,
        warning=0.5,
        critical=0,
        owner=olga,
        team=team["Marketing"],
        process=funnel,
        stage="Blog",
        stage_position=1,
        serves=leads_kr,
        template="expert_articles",
    )
    kpis.data_points_record(
        kpi=articles,
        rows=[(today - dt.timedelta(days=7 * w + 2), 1) for w in range(10) if w != 3],
        actor=None,
    )
    visitors = kpis.kpi_create(
        workspace=ws,
        actor=None,
        name="Blog visitors",
        unit="visitors",
        direction="higher_is_better",
        frequency="weekly",
        aggregation="sum",
        target=3500,
        warning=3000,
        critical=2500,
        owner=m,
        team=team["Marketing"],
        process=funnel,
        stage="Blog",
        stage_position=1,
        serves=leads_kr,
    )
    kpis.data_points_record(kpi=visitors, rows=series(70, 3300, 250, step=7, trend=6), actor=None)
    kpis.annotation_create(
        workspace=ws,
        kpi=visitors,
        date=today - dt.timedelta(days=30),
        kind="campaign",
        text="Autumn “choose your finish” campaign",
        actor=None,
    )
    leads = kpis.kpi_create(
        workspace=ws,
        actor=None,
        name="Leads from the blog",
        unit="leads",
        direction="higher_is_better",
        frequency="weekly",
        aggregation="sum",
        target=30,
        warning=25,
        critical=18,
        owner=olga,
        team=team["Marketing"],
        process=funnel,
        stage="Leads",
        stage_position=2,
        serves=leads_kr,
    )
    kpis.data_points_record(kpi=leads, rows=series(70, 24, 4, step=7, trend=0.1), actor=None)
    response = kpis.kpi_create(
        workspace=ws,
        actor=None,
        name="Average response time to a new lead",
        unit="h",
        direction="lower_is_better",
        frequency="weekly",
        aggregation="average",
        target=2,
        warning=6,
        critical=12,
        owner=member["piotr@brightstone.test"],
        team=team["Sales"],
        process=funnel,
        stage="Bookings",
        stage_position=3,
        serves=response_kr,
        template="response_time",
    )
    _replay_responses(ws, response, today, tz, member["piotr@brightstone.test"])
    tickets = kpis.kpi_create(
        workspace=ws,
        actor=None,
        name="Tickets a month",
        unit="tickets",
        direction="within_band",
        frequency="monthly",
        aggregation="sum",
        target=400,
        warning=200,
        critical=100,
        warning_high=600,
        critical_high=800,
        owner=ewa,
        team=team["Customer Experience"],
        process=support,
        template="tickets_month",
    )
    kpis.data_points_record(kpi=tickets, rows=series(180, 14, 4, step=1), actor=None)
    kpis.kpi_create(
        workspace=ws,
        actor=None,
        name="Customer service call completion rate",
        unit="%",
        direction="higher_is_better",
        frequency="weekly",
        aggregation="average",
        target=85,
        warning=75,
        critical=65,
        owner=li,
        team=team["Customer Experience"],
        process=support,
        template="call_completion",
    )
    say("  8 KPIs with their data, a deviation and annotations")


def _finish_work(ws, today: dt.date) -> None:
    """Work done weeks ago, so that its key result shows what moved after it."""
    from waypoint.okrs.models import Initiative

    bot = Initiative.objects.filter(workspace=ws, title=LEAD_ALERT_BOT).first()
    if bot is not None and bot.key_result.objective.cycle.status == "open":
        with _as_of(today - dt.timedelta(days=40)):
            services.initiative_update(initiative=bot, status="done", actor=None)


HANDOVER, ONLINE = (
    "Make moving in effortless",
    "Create a seamless online environment for our buyers",
)
TRUST, BOOKINGS = "Win the families who already trust us", "Sell bookings for 10 million"


def _wait_across_teams(ws) -> None:
    """Links beyond the alignment: one team waits for another's work (the handover signed
    online needs the buyers' online accounts first), and the sales team's objective also
    serves the bookings target (the map draws them as dashed and dotted lines)."""
    from waypoint.okrs.models import Objective

    current = {o.title: o for o in Objective.objects.filter(workspace=ws, cycle__is_current=True)}
    if HANDOVER in current and ONLINE in current:
        services.dependency_add(
            objective=current[HANDOVER],
            blocked_by=current[ONLINE],
            note="Buyers' online accounts, to sign the handover documents",
            actor=None,
        )
    if TRUST in current and BOOKINGS in current:
        services.contribution_add(
            objective=current[TRUST], parent=current[BOOKINGS], weight=0.5, actor=None
        )


@contextlib.contextmanager
def _as_of(day: dt.date):
    """The demo replays its past: the services date what they write (deviations, responses,
    verdicts, audit rows) by the clock, so the clock is set to that day while it runs."""
    from unittest import mock

    from django.utils import timezone

    moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    with mock.patch.object(timezone, "now", lambda: moment):
        yield


def _replay_responses(ws, kpi, today: dt.date, before, after) -> None:
    """Seed 002's loop as it happened to the lead response time: it drifted out of its band,
    a new executor did not bring it back, the owner was asked to choose again, and an
    improvement of the process did."""
    from waypoint.kpis import services as kpis
    from waypoint.kpis.models import Deviation
    from waypoint.okrs import services as okr

    monday = today - dt.timedelta(days=today.weekday())
    week = [monday - dt.timedelta(weeks=n) for n in range(10, 0, -1)]  # 10 weeks ago .. last
    hours = [7.4, 8.1, 7.2, 6.6, 5.1, 4.2, 3.6, 3.1, 2.8, 2.5]

    def data(first, last):
        rows = [
            (week[i] + dt.timedelta(days=d), round(hours[i] + (d - 2) * 0.3, 1))
            for i in range(first, last)
            for d in range(5)
        ]
        kpis.data_points_record(kpi=kpi, rows=rows, actor=None)

    with _as_of(week[1]):
        kpis.kpi_update(kpi=kpi, owner=before, actor=None)
        data(0, 1)
        deviation = Deviation.objects.get(kpi=kpi, closed_on__isnull=True)
        kpis.deviation_respond(
            deviation=deviation,
            response="change_executor",
            executor=after,
            note="Tomasz is on site most days; Piotr sits with the phones.",
            actor=None,
        )
    with _as_of(week[3] + dt.timedelta(days=1)):
        data(1, 3)  # two more weeks in warning: the response did not work
        deviation.refresh_from_db()
        kpis.deviation_respond(
            deviation=deviation,
            response="improve_process",
            note="Leads from Friday afternoon wait until Monday: nobody owns the weekend inbox.",
            improvement=kpis.Improvement(
                "A weekend rota for the leads inbox, with an auto-reply that books a call",
                after,
                week[5],
            ),
            actor=None,
        )
    with _as_of(week[4] + dt.timedelta(days=3)):
        okr.initiative_update(initiative=deviation.initiatives.get(), status="done", actor=None)
    with _as_of(week[9] + dt.timedelta(days=5)):
        data(3, 10)


RETROS = {
    "develop-business": (
        "Revenue kept its pace once the sales team met every Monday.",
        "“Develop our business” told nobody what to do differently; the new product slipped.",
        "A slogan is not an objective: next quarter we name the problem we solve.",
    ),
    "delight-customers": (
        "The monthly survey habit stuck: we heard 20 families a month.",
        "Engagement had no owner and no definition until week 8.",
        "Measure delight where it happens: at handover.",
    ),
    "crews-ready": (
        "Plastering output rose fastest where crews got laser levels early.",
        "Pit time between sites barely moved: the trucks are the bottleneck.",
        "Fix the logistics before asking crews to go faster.",
    ),
}


def _close_previous_quarter(ws: Workspace, name: str, today: dt.date, say) -> None:
    """The quarter before the current one, graded and reviewed: the coach's memory."""
    from waypoint.okrs.models import Objective

    cycle = Cycle.objects.get(workspace=ws, name=name)
    objectives = Objective.objects.filter(cycle=cycle).select_related("owner", "cycle")
    # The retrospectives first: a missed commitment's postmortem is written before closing.
    for objective in objectives:
        worked, did_not, learned = RETROS.get(objective.ref, ("", "", ""))
        services.retrospective_write(
            objective=objective,
            what_worked=worked,
            what_did_not=did_not,
            learned=learned,
            actor=None,
        )
    # Closed, as on the day after its end: grading is open on a closed cycle whatever the
    # demo's date. On a day whose previous quarter holds commitments the demo has no
    # postmortem for, it closes without them, as an administrator may (and the trail says).
    services.cycle_close(cycle=cycle, actor=None, without_postmortems=True)
    cycle.refresh_from_db()
    for objective in objectives.all():
        # Each key result graded by its score; the objective by their mean, but one.
        grade, reason = None, ""
        if objective.ref == "crews-ready":
            grade = round(max(0.0, scoring.suggested_grade(objective.score) - 0.2), 1)
            reason = "Output rose, but part of it came from overtime we cannot repeat."
        services.objective_grade(
            objective=objective,
            grade=grade,
            reason=reason,
            by=objective.owner,
            actor=None,
        )
    services.cycle_review_write(
        cycle=cycle,
        held_on=min(today, cycle.end + dt.timedelta(days=3)),
        summary="Fewer, sharper objectives next quarter; every objective gets a why and an "
        "owner; activities move into initiatives.",
        actor=None,
    )
    say(f"  {cycle.name} closed with grades and retrospectives")


def _write_report(ws: Workspace, owner: User, today: dt.date, say) -> None:
    """A client report of the last month, its summary written as seed 003 asks: the
    external factors beside the numbers they moved, and what changed."""
    from waypoint.reports import services as reports
    from waypoint.workspaces.models import Member

    reports.report_create(
        workspace=ws,
        title=f"{ws.name}: the month to {today.isoformat()}",
        period_start=today - dt.timedelta(days=30),
        period_end=today,
        summary=(
            "External factors: the gypsum supplier delayed two deliveries at the end of "
            "the period, so plastering fell below its warning line (marked on the chart). "
            "A second supplier and three days of buffer stock are now in place.\n\n"
            "What changed: the autumn “choose your finish” campaign ran from the start of "
            "the period and blog visitors rose with it. Support tickets are the focus of the "
            "next period."
        ),
        by=Member.objects.get(workspace=ws, user=owner),
        actor=None,
    )
    say("  a client report of the last month, with its summary")
