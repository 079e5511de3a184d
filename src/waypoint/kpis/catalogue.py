"""The template catalogue: the KPIs the seeds name, ready to adapt (seed 001's list, seed 002's).

Names, descriptions and units are translatable; the numbers are sensible starting points
that the form lets the user change before saving.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from waypoint.lib import kpi as k


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    description: str
    unit: str
    direction: str
    frequency: str
    aggregation: str
    target: float | None = None
    warning: float | None = None
    critical: float | None = None
    warning_high: float | None = None
    critical_high: float | None = None
    stage: str = ""
    source: str = "001"

    def initial(self) -> dict:
        return {
            "name": str(self.name),
            "description": str(self.description),
            "unit": str(self.unit),
            "direction": self.direction,
            "frequency": self.frequency,
            "aggregation": self.aggregation,
            "target": self.target,
            "warning": self.warning,
            "critical": self.critical,
            "warning_high": self.warning_high,
            "critical_high": self.critical_high,
            "stage": str(self.stage),
            "template": self.key,
        }


TEMPLATES = [
    Template(
        "response_time",
        _("Average response time"),
        _("How long a customer waits for the first answer."),
        _("hours"),
        k.LOWER,
        k.WEEKLY,
        k.AVERAGE,
        target=2,
        warning=4,
        critical=8,
    ),
    Template(
        "downtime",
        _("Downtime"),
        _("Hours the service or the equipment stood still."),
        _("hours"),
        k.LOWER,
        k.MONTHLY,
        k.SUM,
        target=2,
        warning=4,
        critical=10,
    ),
    Template(
        "clv",
        _("Customer lifetime value"),
        _("What a customer brings over the whole relationship."),
        _("EUR"),
        k.HIGHER,
        k.QUARTERLY,
        k.AVERAGE,
        target=5000,
        warning=4000,
        critical=3000,
    ),
    Template(
        "call_completion",
        _("Customer service call completion rate"),
        _("Share of support calls resolved in the call."),
        "%",
        k.HIGHER,
        k.WEEKLY,
        k.AVERAGE,
        target=85,
        warning=75,
        critical=65,
    ),
    Template(
        "productivity",
        _("Productivity"),
        _("Output per person per day."),
        _("units per person"),
        k.HIGHER,
        k.WEEKLY,
        k.AVERAGE,
        target=100,
        warning=90,
        critical=75,
    ),
    Template(
        "revenue",
        _("Sales revenue"),
        _("Revenue booked in the period."),
        _("EUR"),
        k.HIGHER,
        k.MONTHLY,
        k.SUM,
        target=100000,
        warning=90000,
        critical=75000,
    ),
    Template(
        "search_traffic",
        _("Search engine traffic"),
        _("Visits from organic search."),
        _("visits"),
        k.HIGHER,
        k.MONTHLY,
        k.SUM,
        target=15000,
        warning=12000,
        critical=9000,
        stage=_("Awareness"),
    ),
    Template(
        "social_shares",
        _("Social media shares"),
        _("How often people share our content."),
        _("shares"),
        k.HIGHER,
        k.WEEKLY,
        k.SUM,
        target=200,
        warning=150,
        critical=100,
        stage=_("Awareness"),
    ),
    Template(
        "processing_time",
        _("Processing time"),
        _("Time from request to completed order."),
        _("minutes"),
        k.LOWER,
        k.WEEKLY,
        k.AVERAGE,
        target=30,
        warning=45,
        critical=60,
    ),
    Template(
        "tickets_month",
        _("Tickets a month"),
        _("Support tickets opened: too few means nobody uses it, too many means it breaks."),
        _("tickets"),
        k.BAND,
        k.MONTHLY,
        k.SUM,
        target=400,
        warning=200,
        critical=100,
        warning_high=600,
        critical_high=800,
    ),
    Template(
        "trial_to_customer",
        _("Trial-to-customer conversion rate"),
        _("Share of trials that become paying customers."),
        "%",
        k.HIGHER,
        k.MONTHLY,
        k.LAST,
        target=20,
        warning=15,
        critical=10,
        stage=_("Conversion"),
    ),
    Template(
        "visitor_to_signup",
        _("Visitor-to-signup conversion rate"),
        _("Share of site visitors who sign up."),
        "%",
        k.HIGHER,
        k.WEEKLY,
        k.LAST,
        target=2,
        warning=1.5,
        critical=1,
        stage=_("Interest"),
    ),
    Template(
        "web_traffic",
        _("Web traffic"),
        _("Visits to the website."),
        _("visits"),
        k.HIGHER,
        k.WEEKLY,
        k.SUM,
        target=5000,
        warning=4000,
        critical=3000,
        stage=_("Awareness"),
    ),
    Template(
        "expert_articles",
        _("Expert articles published"),
        _(
            "Seed 002: the blog stays alive with a weekly article; 2 experts write one "
            "every 2 weeks each."
        ),
        _("articles"),
        k.HIGHER,
        k.WEEKLY,
        k.SUM,
        target=1,
        warning=0.5,
        critical=0,
        stage=_("Awareness"),
        source="002",
    ),
    Template(
        "plastered_m2",
        _("Wall area plastered"),
        _(
            "Seed 002: 10 houses a month need about 2,000 m² of plaster; 3 plasterers, "
            "about 32 m² a day each."
        ),
        _("m²"),
        k.HIGHER,
        k.DAILY,
        k.SUM,
        target=96,
        warning=80,
        critical=60,
        source="002",
    ),
]
BY_KEY = {t.key: t for t in TEMPLATES}
