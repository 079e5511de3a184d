"""Search across a workspace: objectives, key results, KPIs, people and teams, found by a word
(or the start of one) of their titles and names, in every language and alphabet.

Every searchable record has one row in ``SearchEntry`` with its words already folded (case,
accents, Chinese and Japanese written as one character a word), kept up to date as records
are written. The database's own full-text index answers: FTS5 on SQLite, a GIN index over
``to_tsvector`` on PostgreSQL. ``selectors.search`` reads it; ``index`` writes it.
"""
