"""The library in English: per key, (objective, why, ((key result, unit), ...))."""

TEXTS = {
    "sales-midmarket": (
        "Win the mid-market",
        "Mid-market deals are our most profitable, and our sales cycle there is too slow.",
        (
            ("Grow mid-market pipeline from 1.2M to 3M", "M"),
            ("Raise the mid-market win rate from 18% to 28%", "%"),
            ("Shorten the mid-market sales cycle from 90 to 60 days", "days"),
        ),
    ),
    "sales-expansion": (
        "Grow with the customers who already love us",
        "Selling more to happy customers costs a fifth of finding new ones.",
        (
            ("Raise the share of revenue from upsells from 10% to 25%", "%"),
            ("Raise net revenue retention from 105% to 120%", "%"),
            ("Raise accounts with two or more products from 40 to 70", "accounts"),
        ),
    ),
    "sales-new-region": (
        "Become a name buyers know in the Nordics",
        "Three of our largest customers expand there and ask for a local partner.",
        (
            ("Sign 20 paying customers in the Nordics, from 0", "customers"),
            ("Grow Nordic pipeline from 0 to 400k", "k"),
            ("Book 30 reference calls with Nordic buyers, from 0", "calls"),
        ),
    ),
    "sales-win-rate": (
        "Stop losing deals we should win",
        "We lose half our late-stage deals to a competitor with a weaker product.",
        (
            ("Raise the late-stage win rate from 15% to 25%", "%"),
            ("Cut deals lost on price from 35% to 20%", "%"),
            ("Raise deals with a mutual close plan from 60% to 90%", "%"),
        ),
    ),
    "sales-forecast": (
        "Make our sales forecast something the board trusts",
        "The last three quarters missed the forecast by a third, and hiring plans followed it.",
        (
            ("Cut forecast error from 30% to 10%", "%"),
            ("Raise deals with a next step dated in the CRM from 50% to 90%", "%"),
            ("Raise reps who review their pipeline weekly from 0% to 100%", "%"),
        ),
    ),
    "sales-partners": (
        "Make partners a real channel",
        "Partner-sourced deals close twice as fast, but only a few partners bring any.",
        (
            ("Grow active partners from 3 to 12", "partners"),
            ("Raise partner-sourced revenue share from 5% to 20%", "%"),
            ("Close 15 deals sourced by partners, from 0", "deals"),
        ),
    ),
    "sales-onboarding-reps": (
        "New sales people sell in their first quarter",
        "A new rep takes six months to close anything, and we are hiring ten.",
        (
            ("Cut time to a new rep's first deal from 6 to 3 months", "months"),
            ("Raise new reps at quota by month four from 40% to 80%", "%"),
            ("Raise new reps certified on the demo from 50% to 85%", "%"),
        ),
    ),
    "sales-renewals": (
        "No renewal is a surprise",
        "Late renewals cost us discounts and a tenth of them churn.",
        (
            ("Raise the gross renewal rate from 82% to 92%", "%"),
            ("Cut renewals closed after their due date from 20% to 8%", "%"),
            ("Raise multi-year renewals from 0% to 30%", "%"),
        ),
    ),
    "sales-counter": (
        "Increase revenue by 20%",
        "",
        (("Make 50 calls a day", "calls"), ("Update the CRM", "")),
    ),
    "mkt-qualified-leads": (
        "Fill the pipeline with buyers who are ready",
        "Sales spends half its week on leads that never had a budget.",
        (
            ("Grow sales-qualified leads from 200 to 450 a month", "leads"),
            ("Raise lead-to-opportunity conversion from 8% to 14%", "%"),
            ("Cut cost per qualified lead from 120 to 80", "EUR"),
        ),
    ),
    "mkt-brand": (
        "Become the name engineers think of first",
        "Buyers shortlist the tools their engineers already know.",
        (
            ("Raise unaided brand recall among target engineers from 12% to 25%", "%"),
            ("Grow newsletter subscribers from 3,000 to 9,000", "subscribers"),
            ("Grow monthly mentions by industry voices from 5 to 15", "mentions"),
        ),
    ),
    "mkt-content": (
        "Make our blog the place buyers learn to choose",
        "Buyers read five articles before they talk to sales, and today they read competitors'.",
        (
            ("Grow organic blog visitors from 8,000 to 15,000 a month", "visitors"),
            ("Raise blog visitor-to-signup conversion from 1.2% to 2%", "%"),
            ("Grow signups that read an article first from 20% to 60%", "%"),
        ),
    ),
    "mkt-events": (
        "Turn events into pipeline, not just badges",
        "We spend a third of the budget on events and cannot name a deal they made.",
        (
            ("Grow meetings booked at events from 50 to 200", "meetings"),
            ("Grow deals sourced at events from 5 to 15", "deals"),
            ("Raise event leads followed up within two days from 60% to 80%", "%"),
        ),
    ),
    "mkt-activation": (
        "New signups see the value on day one",
        "Most trials never reach the moment the product makes sense.",
        (
            ("Raise trial activation from 20% to 35%", "%"),
            ("Cut time to first report from 7 to 2 days", "days"),
            ("Raise trials that invite a colleague from 40% to 60%", "%"),
        ),
    ),
    "mkt-seo": (
        "Be found when buyers search for the problem we solve",
        "Buyers search for the problem, not our name, and find our competitors.",
        (
            ("Raise the number of target keywords on page one from 5 to 25", "keywords"),
            ("Grow monthly non-brand search visitors from 4,000 to 12,000", "visitors"),
            ("Raise search-to-trial conversion from 1.5% to 3%", "%"),
        ),
    ),
    "mkt-referrals": (
        "Turn happy customers into our best marketers",
        "Referred customers close faster and stay longer than any other.",
        (
            ("Raise the share of new customers from referrals from 5% to 20%", "%"),
            ("Grow public reviews per month from 2 to 6", "reviews"),
            ("Grow customers in the referral programme from 100 to 400", "customers"),
        ),
    ),
    "mkt-pricing-page": (
        "Make the pricing page answer buyers' questions",
        "Most visitors leave the pricing page for a competitor's.",
        (
            ("Raise pricing page to trial conversion from 2% to 4%", "%"),
            ("Cut pricing page exits from 60% to 40%", "%"),
            ("Raise demo requests that mention a plan from 10% to 25%", "%"),
        ),
    ),
    "mkt-counter": (
        "Launch the new website",
        "Our site looks dated.",
        (("Publish the new website", ""), ("Run three campaigns", "")),
    ),
    "ops-on-time": (
        "Every customer gets their order when we promised",
        "Late deliveries are the first reason customers give for leaving.",
        (
            ("Raise on-time deliveries from 82% to 95%", "%"),
            ("Cut average delivery delay from 6 to 3 days", "days"),
            ("Cut orders that need a second delivery from 4% to 1%", "%"),
        ),
    ),
    "ops-cost": (
        "Build the same for less",
        "Our cost per unit is a third above the market's and eats our margin.",
        (
            ("Cut cost per unit from 14 to 11", "EUR"),
            ("Raise machine utilisation from 70% to 85%", "%"),
            ("Cut scrap from 9% to 4%", "%"),
        ),
    ),
    "ops-quality": (
        "Nothing leaves the line that comes back",
        "Returns cost us twice: the refund and the customer's trust.",
        (
            ("Cut the return rate from 3.5% to 1%", "%"),
            ("Raise first-pass yield from 90% to 98%", "%"),
            ("Cut customer complaints a month from 12 to 4", "complaints"),
        ),
    ),
    "ops-suppliers": (
        "No single supplier can stop us",
        "Two delayed deliveries of gypsum stopped three sites last quarter.",
        (
            ("Grow qualified suppliers for each critical material from 1 to 3", "suppliers"),
            ("Cut days of production lost to late supplies from 15 to 5", "days"),
            ("Raise supplier on-time delivery from 70% to 95%", "%"),
        ),
    ),
    "ops-safety": (
        "Everyone goes home safe",
        "Each incident stops a site and costs a family far more.",
        (
            ("Cut lost-time incidents from 6 to 1 a year", "incidents"),
            ("Raise sites with a weekly safety walk from 60% to 100%", "%"),
            ("Raise near-misses reported from 40 to 90 a quarter", "reports"),
        ),
    ),
    "ops-capacity": (
        "Build faster without cutting corners",
        "Buyers wait months for a house, and the market will not wait with them.",
        (
            ("Raise houses completed a quarter from 10 to 16", "houses"),
            ("Raise crew utilisation from 65% to 85%", "%"),
            ("Cut days from foundation to handover from 21 to 14 weeks", "weeks"),
        ),
    ),
    "ops-inventory": (
        "Stock what sells, not what sits",
        "A third of our cash is in the warehouse, and we still run out of bestsellers.",
        (
            ("Cut days of inventory from 45 to 30", "days"),
            ("Cut bestseller stock-outs from 8% to 2%", "%"),
            ("Raise inventory turns from 4 to 8 a year", "turns"),
        ),
    ),
    "ops-automation": (
        "Nobody retypes an order",
        "Orders are typed three times between sales, warehouse and billing.",
        (
            ("Cut hours of manual order entry a week from 40 to 10", "hours"),
            ("Raise orders processed without a touch from 20% to 70%", "%"),
            ("Cut order entry errors from 5% to 1%", "%"),
        ),
    ),
    "ops-counter": (
        "Keep on-time delivery where it is",
        "",
        (("Keep on-time deliveries at 82%", "%"),),
    ),
    "sup-first-response": (
        "Customers hear from us within the hour",
        "A customer who waits a day for a first answer is three times as likely to leave.",
        (
            ("Cut first response time from 24 to 2 hours", "hours"),
            ("Raise tickets answered within the hour from 60% to 90%", "%"),
            ("Cut tickets reopened from 15% to 5%", "%"),
        ),
    ),
    "sup-self-service": (
        "Customers solve common problems themselves",
        "Half our tickets ask questions the help centre already answers.",
        (
            ("Raise questions solved in the help centre from 20% to 45%", "%"),
            ("Cut tickets a month from 1,200 to 800", "tickets"),
            ("Raise help article rating from 3.2 to 4.2", "stars"),
        ),
    ),
    "sup-csat": (
        "Every support conversation leaves the customer glad they asked",
        "Support is where customers decide whether we care.",
        (
            ("Raise customer satisfaction from 78% to 90%", "%"),
            ("Cut unhappy ratings from 12% to 5%", "%"),
            ("Raise unhappy ratings followed up the same day from 50% to 80%", "%"),
        ),
    ),
    "sup-first-contact": (
        "Solve it the first time",
        "Each hand-over between agents adds a day and an annoyed customer.",
        (
            ("Raise first-contact resolution from 55% to 75%", "%"),
            ("Cut hand-overs per ticket from 2.4 to 1.5", "hand-overs"),
            ("Cut tickets escalated to engineering from 30% to 10%", "%"),
        ),
    ),
    "sup-onboarding": (
        "New customers are live within a week",
        "Customers who go live slowly never build the habit and churn.",
        (
            ("Cut days from contract to go-live from 14 to 5", "days"),
            ("Raise customers live in the first week from 60% to 85%", "%"),
            ("Cut onboarding tickets per customer from 25 to 10", "tickets"),
        ),
    ),
    "sup-churn-signals": (
        "We see a customer leaving before they do",
        "Churn surprises us: the signs were in support tickets months before.",
        (
            ("Raise accounts with a health score from 0% to 80%", "%"),
            ("Cut monthly logo churn from 8% to 4%", "%"),
            ("Raise at-risk accounts with a rescue plan from 30% to 70%", "%"),
        ),
    ),
    "sup-backlog": (
        "No customer waits in a queue we forgot",
        "The backlog hides customers who gave up on us.",
        (
            ("Cut open tickets from 900 to 200", "tickets"),
            ("Cut the oldest open ticket's age from 10 to 3 days", "days"),
            ("Raise tickets within their promised time from 70% to 95%", "%"),
        ),
    ),
    "sup-languages": (
        "Customers get help in their own language",
        "A third of our customers write in a language we answer slowly.",
        (
            ("Grow languages with native support from 2 to 4", "languages"),
            ("Raise non-English satisfaction from 60% to 85%", "%"),
            ("Cut non-English first response from 48 to 12 hours", "hours"),
        ),
    ),
    "sup-counter": ("Answer tickets", "", (("Answer all the tickets", ""),)),
    "eng-delivery": (
        "Ship faster without breaking things",
        "Customers wait weeks for fixes, and every other release needs a hotfix.",
        (
            ("Cut lead time for changes from 10 to 2 days", "days"),
            ("Cut the change failure rate from 25% to 10%", "%"),
            ("Raise deploys a week from 2 to 10", "deploys"),
        ),
    ),
    "eng-reliability": (
        "Customers can count on us being up",
        "Two outages last quarter cost us a renewal and a month of apologies.",
        (
            ("Raise availability from 99.5% to 99.95%", "%"),
            ("Cut mean time to recover from 240 to 60 minutes", "minutes"),
            ("Cut incidents a quarter from 12 to 4", "incidents"),
        ),
    ),
    "eng-performance": (
        "The app feels instant",
        "Users abandon pages that take more than two seconds.",
        (
            ("Cut page load time at the 95th percentile from 3.2 to 1.5 seconds", "s"),
            ("Cut API latency at the 99th percentile from 900 to 300 ms", "ms"),
            ("Raise sessions without a slow page from 60% to 90%", "%"),
        ),
    ),
    "eng-security": (
        "Our customers' data is safe with us",
        "Enterprise buyers ask for proof, and one breach would end us.",
        (
            ("Cut open critical vulnerabilities from 40 to 5", "vulnerabilities"),
            ("Cut days to patch a critical vulnerability from 30 to 7", "days"),
            ("Raise services with single sign-on from 50% to 100%", "%"),
        ),
    ),
    "eng-quality": (
        "Bugs are caught before customers see them",
        "A third of support tickets are bugs we could have caught.",
        (
            ("Cut bugs found by customers a month from 30 to 10", "bugs"),
            ("Raise test coverage of the billing code from 40% to 75%", "%"),
            ("Cut escaped regressions a release from 15 to 5", "regressions"),
        ),
    ),
    "eng-developer-experience": (
        "Engineers spend their day building, not waiting",
        "Builds and reviews eat two hours of every engineer's day.",
        (
            ("Cut build time from 45 to 10 minutes", "minutes"),
            ("Cut review wait from 3 to 1 day", "days"),
            ("Raise engineers who rate their tools good from 55% to 80%", "%"),
        ),
    ),
    "eng-cost": (
        "Every customer costs us less to serve",
        "Cloud costs grow faster than revenue.",
        (
            ("Cut cloud cost per customer from 60 to 40", "EUR"),
            ("Raise reserved capacity from 30% to 70%", "%"),
            ("Cut idle resources from 25% to 10%", "%"),
        ),
    ),
    "eng-mobile": (
        "The mobile app is as good as the web",
        "Half our users are on mobile, and they rate us lower there.",
        (
            ("Raise the app store rating from 3.6 to 4.5", "stars"),
            ("Cut the crash rate from 2% to 0.5%", "%"),
            ("Raise weekly mobile active users from 15% to 35%", "%"),
        ),
    ),
    "eng-counter": (
        "Refactor the codebase",
        "",
        (
            ("Migrate to the new framework", ""),
            ("Write documentation", ""),
            ("Launch the new architecture", ""),
        ),
    ),
    "hr-hiring": (
        "Hire the people we need before we need them",
        "Open roles stay open two months and projects wait.",
        (
            ("Cut time to hire from 60 to 35 days", "days"),
            ("Raise offer acceptance from 70% to 90%", "%"),
            ("Raise hires from referrals from 20% to 40%", "%"),
        ),
    ),
    "hr-retention": (
        "Good people choose to stay",
        "Every engineer who leaves costs us six months of their replacement's ramp-up.",
        (
            ("Cut regretted attrition from 18% to 10%", "%"),
            ("Raise people who see a future here from 65% to 80%", "%"),
            ("Raise people with a growth plan from 40% to 90%", "%"),
        ),
    ),
    "hr-onboarding": (
        "New people are productive in half the time",
        "New hires take three months to do real work, and some leave before.",
        (
            ("Cut time to productivity from 90 to 45 days", "days"),
            ("Raise new hires who rate onboarding good from 60% to 85%", "%"),
            ("Raise new hires with a buddy from 50% to 100%", "%"),
        ),
    ),
    "hr-engagement": (
        "People love working here and say so",
        "Engaged teams ship more and leave less.",
        (
            ("Raise the engagement score from 62 to 75", "points"),
            ("Raise survey participation from 55% to 85%", "%"),
            ("Cut teams with a falling score from 30% to 15%", "%"),
        ),
    ),
    "hr-growth": (
        "People grow here instead of leaving to grow",
        "Our best people leave for promotions we could have given them.",
        (
            ("Raise roles filled from inside from 20% to 45%", "%"),
            ("Raise people who used their learning budget from 30% to 70%", "%"),
            ("Raise people who changed role inside from 10% to 25%", "%"),
        ),
    ),
    "hr-managers": (
        "Every team has a manager people want to work for",
        "People leave managers, not companies.",
        (
            ("Raise managers trained in feedback from 40% to 90%", "%"),
            ("Raise the manager score from 3.4 to 4.2", "points"),
            ("Cut teams without a monthly one-to-one from 25% to 12%", "%"),
        ),
    ),
    "hr-diversity": (
        "Our teams look like the customers we serve",
        "Diverse teams make better decisions, and our buyers notice who we are.",
        (
            ("Raise women in engineering from 22% to 35%", "%"),
            ("Raise diverse shortlists from 15% to 30%", "%"),
            ("Cut the pay gap from 9% to 3%", "%"),
        ),
    ),
    "hr-wellbeing": (
        "Nobody burns out doing their job",
        "Three people went on burnout leave last year.",
        (
            ("Cut sick days per person from 4.5 to 3 a quarter", "days"),
            ("Raise people who say their workload is sustainable from 50% to 75%", "%"),
            ("Cut people working over 50 hours a week from 35% to 20%", "%"),
        ),
    ),
    "hr-counter": (
        "Maintain our position as a top employer",
        "",
        (("Keep employee satisfaction at 70%", "%"),),
    ),
    "agency-client-leads": (
        "The client's website turns visitors into leads",
        "The client pays for traffic that leaves without a trace.",
        (
            ("Grow leads from the website from 120 to 250 a month", "leads"),
            ("Cut cost per lead from 85 to 55", "EUR"),
            ("Raise visitor-to-lead conversion from 2.1% to 3.5%", "%"),
        ),
    ),
    "agency-client-retention": (
        "The client's customers come back",
        "Repeat buyers are the client's most profitable customers, and most buy once.",
        (
            ("Raise repeat purchase rate from 75% to 90%", "%"),
            ("Raise orders per customer a year from 6 to 9", "orders"),
            ("Cut unsubscribes per campaign from 5% to 2%", "%"),
        ),
    ),
    "agency-client-ecommerce": (
        "The client's shop sells more to each visitor",
        "Traffic is flat; the money is in what each visitor buys.",
        (
            ("Raise shop conversion from 1.8% to 2.6%", "%"),
            ("Raise average order value from 45 to 60", "EUR"),
            ("Cut cart abandonment from 70% to 55%", "%"),
        ),
    ),
    "agency-client-local": (
        "The client is the first name locals find",
        "Most of the client's customers search 'near me' and pick the best rated.",
        (
            ("Grow monthly calls from local search from 300 to 700", "calls"),
            ("Raise the average review rating from 4.1 to 4.6", "stars"),
            ("Raise local listings complete and correct from 40% to 90%", "%"),
        ),
    ),
    "agency-client-launch": (
        "The client's new product launches to a waiting audience",
        "A launch nobody hears about is a launch that did not happen.",
        (
            ("Grow the waiting list from 0 to 2,000", "people"),
            ("Win 300 orders in launch week, from 0", "orders"),
            ("Earn 25 articles and reviews, from 0", "articles"),
        ),
    ),
    "agency-client-b2b": (
        "The client's sales team gets meetings, not lists",
        "The client's reps call cold lists and book one meeting a week.",
        (
            ("Grow marketing-qualified leads from 40 to 100 a month", "leads"),
            ("Raise lead-to-meeting rate from 10% to 20%", "%"),
            ("Cut cost per meeting from 120 to 75", "EUR"),
        ),
    ),
    "agency-reporting": (
        "Clients see what their money did without asking",
        "Clients who understand their results renew; the others ask for discounts.",
        (
            ("Cut days to deliver the monthly report from 5 to 1", "days"),
            ("Raise clients with a live dashboard from 60% to 95%", "%"),
            ("Raise reports with a written summary of external factors from 50% to 100%", "%"),
        ),
    ),
    "agency-margin": (
        "Every client is worth our time",
        "Some clients cost more hours than they pay for.",
        (
            ("Raise project margin from 28% to 40%", "%"),
            ("Cut unbilled hours from 20% to 8%", "%"),
            ("Raise clients on a retainer from 70% to 85%", "%"),
        ),
    ),
    "agency-counter": (
        "Get more clients",
        "",
        (("Send 20 proposals", "proposals"), ("Post on social media", "")),
    ),
}
