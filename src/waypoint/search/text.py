"""Words as the index stores them and as a query asks for them, the same on both databases.

A word is a run of letters and digits, case-folded, with accents taken off (so "lodz" finds
"Łódź" only where Unicode decomposes the letter: "ó" yes, "ł" no, as typed). Chinese,
Japanese and Korean are written without spaces, so each of their characters is a word of
its own, and a query in them asks for those characters side by side: "客户" finds
"提高客户满意度"."""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY = 100
MAX_WORDS = 5
MAX_TEXT = 2_000

# Han (with extensions A and the compatibility block), kana, Hangul syllables.
_CJK = re.compile("([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])")
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of a title or name, folded."""
    decomposed = unicodedata.normalize("NFKD", (text or "")[:MAX_TEXT])
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _WORD.findall(_CJK.sub(r" \1 ", plain))


def indexed(*texts: str) -> str:
    """What the index stores for a record with these texts."""
    return " ".join(w for t in texts for w in words(t))


def query_terms(query: str) -> list[list[str]]:
    """A query's terms, each a phrase: the words of one word typed (one, or several
    characters side by side), the last of them matched as a prefix when it has two letters
    or more (a single letter would match nearly everything). Every term must match."""
    terms = []
    for typed in (query or "")[:MAX_QUERY].split():
        phrase = words(typed)
        if phrase:
            terms.append(phrase)
    return terms[:MAX_WORDS]


def fts5(terms: list[list[str]]) -> str:
    """An FTS5 query: every phrase, its last word a prefix. Words are letters and digits
    only, so quoting cannot be broken out of."""
    return " AND ".join('"' + " ".join(p) + '"' + (" *" if _prefix(p) else "") for p in terms)


def tsquery(terms: list[list[str]]) -> str:
    """A PostgreSQL ``to_tsquery`` text: the same phrases, ``<->`` between their words."""
    return " & ".join(
        "(" + " <-> ".join([*p[:-1], p[-1] + (":*" if _prefix(p) else "")]) + ")" for p in terms
    )


def _prefix(phrase: list[str]) -> bool:
    return len(phrase[-1]) > 1
