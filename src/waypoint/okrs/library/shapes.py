"""The library's objectives as numbers: each entry's function, its key results' type, start
and target, and for a counter-example the good entry it should have been. The words are in
``texts_<language>``, one file a language, under the same keys."""

# (key, function, better: the entry a counter-example should have been, key results as
# (type, start, target)). Types: i increase, d decrease, m milestone.
SHAPES = (
    # Sales
    ("sales-midmarket", "sales", None, (("i", 1.2, 3), ("i", 18, 28), ("d", 90, 60))),
    ("sales-expansion", "sales", None, (("i", 10, 25), ("i", 105, 120), ("i", 40, 70))),
    ("sales-new-region", "sales", None, (("i", 0, 20), ("i", 0, 400), ("i", 0, 30))),
    ("sales-win-rate", "sales", None, (("i", 15, 25), ("d", 35, 20), ("i", 60, 90))),
    ("sales-forecast", "sales", None, (("d", 30, 10), ("i", 50, 90), ("i", 0, 100))),
    ("sales-partners", "sales", None, (("i", 3, 12), ("i", 5, 20), ("i", 0, 15))),
    ("sales-onboarding-reps", "sales", None, (("d", 6, 3), ("i", 40, 80), ("i", 50, 85))),
    ("sales-renewals", "sales", None, (("i", 82, 92), ("d", 20, 8), ("i", 0, 30))),
    ("sales-counter", "sales", "sales-midmarket", (("i", 0, 50), ("m", 0, 1))),
    # Marketing
    ("mkt-qualified-leads", "marketing", None, (("i", 200, 450), ("i", 8, 14), ("d", 120, 80))),
    ("mkt-brand", "marketing", None, (("i", 12, 25), ("i", 3000, 9000), ("i", 5, 15))),
    ("mkt-content", "marketing", None, (("i", 8000, 15000), ("i", 1.2, 2), ("i", 20, 60))),
    ("mkt-events", "marketing", None, (("i", 50, 200), ("i", 5, 15), ("i", 60, 80))),
    ("mkt-activation", "marketing", None, (("i", 20, 35), ("d", 7, 2), ("i", 40, 60))),
    ("mkt-seo", "marketing", None, (("i", 5, 25), ("i", 4000, 12000), ("i", 1.5, 3))),
    ("mkt-referrals", "marketing", None, (("i", 5, 20), ("i", 2, 6), ("i", 100, 400))),
    ("mkt-pricing-page", "marketing", None, (("i", 2, 4), ("d", 60, 40), ("i", 10, 25))),
    ("mkt-counter", "marketing", "mkt-qualified-leads", (("m", 0, 1), ("m", 0, 1))),
    # Operations
    ("ops-on-time", "operations", None, (("i", 82, 95), ("d", 6, 3), ("d", 4, 1))),
    ("ops-cost", "operations", None, (("d", 14, 11), ("i", 70, 85), ("d", 9, 4))),
    ("ops-quality", "operations", None, (("d", 3.5, 1), ("i", 90, 98), ("d", 12, 4))),
    ("ops-suppliers", "operations", None, (("i", 1, 3), ("d", 15, 5), ("i", 70, 95))),
    ("ops-safety", "operations", None, (("d", 6, 1), ("i", 60, 100), ("i", 40, 90))),
    ("ops-capacity", "operations", None, (("i", 10, 16), ("i", 65, 85), ("d", 21, 14))),
    ("ops-inventory", "operations", None, (("d", 45, 30), ("d", 8, 2), ("i", 4, 8))),
    ("ops-automation", "operations", None, (("d", 40, 10), ("i", 20, 70), ("d", 5, 1))),
    ("ops-counter", "operations", "ops-on-time", (("k", 82, 82),)),
    # Support
    ("sup-first-response", "support", None, (("d", 24, 2), ("i", 60, 90), ("d", 15, 5))),
    ("sup-self-service", "support", None, (("i", 20, 45), ("d", 1200, 800), ("i", 3.2, 4.2))),
    ("sup-csat", "support", None, (("i", 78, 90), ("d", 12, 5), ("i", 50, 80))),
    ("sup-first-contact", "support", None, (("i", 55, 75), ("d", 2.4, 1.5), ("d", 30, 10))),
    ("sup-onboarding", "support", None, (("d", 14, 5), ("i", 60, 85), ("d", 25, 10))),
    ("sup-churn-signals", "support", None, (("i", 0, 80), ("d", 8, 4), ("i", 30, 70))),
    ("sup-backlog", "support", None, (("d", 900, 200), ("d", 10, 3), ("i", 70, 95))),
    ("sup-languages", "support", None, (("i", 2, 4), ("i", 60, 85), ("d", 48, 12))),
    ("sup-counter", "support", "sup-first-response", (("m", 0, 1),)),
    # Engineering
    ("eng-delivery", "engineering", None, (("d", 10, 2), ("d", 25, 10), ("i", 2, 10))),
    ("eng-reliability", "engineering", None, (("i", 99.5, 99.95), ("d", 240, 60), ("d", 12, 4))),
    ("eng-performance", "engineering", None, (("d", 3.2, 1.5), ("d", 900, 300), ("i", 60, 90))),
    ("eng-security", "engineering", None, (("d", 40, 5), ("d", 30, 7), ("i", 50, 100))),
    ("eng-quality", "engineering", None, (("d", 30, 10), ("i", 40, 75), ("d", 15, 5))),
    ("eng-developer-experience", "engineering", None, (("d", 45, 10), ("d", 3, 1), ("i", 55, 80))),
    ("eng-cost", "engineering", None, (("d", 60, 40), ("i", 30, 70), ("d", 25, 10))),
    ("eng-mobile", "engineering", None, (("i", 3.6, 4.5), ("d", 2, 0.5), ("i", 15, 35))),
    ("eng-counter", "engineering", "eng-delivery", (("m", 0, 1), ("m", 0, 1), ("m", 0, 1))),
    # People (HR)
    ("hr-hiring", "hr", None, (("d", 60, 35), ("i", 70, 90), ("i", 20, 40))),
    ("hr-retention", "hr", None, (("d", 18, 10), ("i", 65, 80), ("i", 40, 90))),
    ("hr-onboarding", "hr", None, (("d", 90, 45), ("i", 60, 85), ("i", 50, 100))),
    ("hr-engagement", "hr", None, (("i", 62, 75), ("i", 55, 85), ("d", 30, 15))),
    ("hr-growth", "hr", None, (("i", 20, 45), ("i", 30, 70), ("i", 10, 25))),
    ("hr-managers", "hr", None, (("i", 40, 90), ("i", 3.4, 4.2), ("d", 25, 12))),
    ("hr-diversity", "hr", None, (("i", 22, 35), ("i", 15, 30), ("d", 9, 3))),
    ("hr-wellbeing", "hr", None, (("d", 4.5, 3), ("i", 50, 75), ("d", 35, 20))),
    ("hr-counter", "hr", "hr-retention", (("k", 70, 70),)),
    # An agency's client
    ("agency-client-leads", "agency", None, (("i", 120, 250), ("d", 85, 55), ("i", 2.1, 3.5))),
    ("agency-client-retention", "agency", None, (("i", 75, 90), ("i", 6, 9), ("d", 5, 2))),
    ("agency-client-ecommerce", "agency", None, (("i", 1.8, 2.6), ("i", 45, 60), ("d", 70, 55))),
    ("agency-client-local", "agency", None, (("i", 300, 700), ("i", 4.1, 4.6), ("i", 40, 90))),
    ("agency-client-launch", "agency", None, (("i", 0, 2000), ("i", 0, 300), ("i", 0, 25))),
    ("agency-client-b2b", "agency", None, (("i", 40, 100), ("i", 10, 20), ("d", 120, 75))),
    ("agency-reporting", "agency", None, (("d", 5, 1), ("i", 60, 95), ("i", 50, 100))),
    ("agency-margin", "agency", None, (("i", 28, 40), ("d", 20, 8), ("i", 70, 85))),
    ("agency-counter", "agency", "agency-client-leads", (("i", 0, 20), ("m", 0, 1))),
)
