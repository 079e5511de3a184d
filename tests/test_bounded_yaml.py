"""The one-pass YAML reader (``bounded.yaml_documents``) reads what PyYAML's safe loader
reads, with the line of every value, and refuses what the format has no use for."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from waypoint.lib import bounded

LIMITS = {"max_depth": 32, "max_nodes": 100_000}


def read(text: str):
    return [data for data, _lines in bounded.yaml_documents(text, **LIMITS)]


def outcome(load, text: str) -> str:
    """What a loader makes of ``text``: the repr of its documents (NaN is never equal to
    itself, its repr is), or that it refused it."""
    try:
        return repr(load(text))
    except yaml.YAMLError:
        return "refused"


# Scalars that exercise every implicit type of YAML 1.1 as PyYAML resolves it.
PLAIN = st.sampled_from(
    [
        "1",
        "-2",
        "0x1F",
        "0o17",
        "017",
        "1_000",
        "3.5",
        "1e3",
        ".inf",
        "-.Inf",
        ".nan",
        "true",
        "False",
        "yes",
        "No",
        "on",
        "OFF",
        "~",
        "null",
        "",
        "2026-01-01",
        "2026-01-01 10:00:00",
        "2026-01-01T10:00:00Z",
        "1:20",
        "plain text",
        "<<x",
        "=",
        "anna@acme.test",
        "12:30:45",
        "0b101",
        "+12",
    ]
)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
LEAF = st.one_of(PLAIN, TEXT, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
KEY = st.one_of(PLAIN, TEXT, st.integers())
DOCUMENT = st.recursive(
    LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEY, inner, max_size=4)),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(docs=st.lists(DOCUMENT, min_size=1, max_size=3), flow=st.booleans())
def test_reads_what_the_safe_loader_reads(docs, flow):
    text = yaml.safe_dump_all(docs, default_flow_style=flow, allow_unicode=True)
    assert outcome(read, text) == outcome(lambda t: list(yaml.safe_load_all(t)), text)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(PLAIN, min_size=1, max_size=20))
def test_plain_scalars_resolve_as_the_safe_loader_resolves_them(values):
    text = (
        "".join(f"k{i}: {v}\n" for i, v in enumerate(values))
        + "l: ["
        + ", ".join(v or "''" for v in values)
        + "]\n"
    )
    assert outcome(read, text) == outcome(lambda t: list(yaml.safe_load_all(t)), text)


def test_lines_of_every_value():
    text = "a: 1\nb:\n  - x\n  - {c: 2,\n     d: 3}\n---\n- 5\n"
    (first, lines1), (second, lines2) = bounded.yaml_documents(text, **LIMITS)
    assert first == {"a": 1, "b": ["x", {"c": 2, "d": 3}]}
    assert lines1 == {
        (): 1,
        ("a",): 1,
        ("b",): 3,
        ("b", 0): 3,
        ("b", 1): 4,
        ("b", 1, "c"): 4,
        ("b", 1, "d"): 5,
    }
    assert second == [5] and lines2 == {(): 7, (0,): 7}


def test_merge_keys_keep_explicit_keys_first():
    text = "a: {<<: [{x: 1, y: 1}, {y: 2, z: 2}], x: 0}\n"
    assert read(text) == [yaml.safe_load(text)] == [{"a": {"x": 0, "y": 1, "z": 2}}]


def test_explicit_tags_on_scalars():
    text = "a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: ! 3\ne: 2026-02-03\n"
    assert read(text) == list(yaml.safe_load_all(text))
    assert read(text)[0]["e"] == dt.date(2026, 2, 3)


@pytest.mark.parametrize(
    "text, what, line",
    [
        ("a: &x [1]\nb: *x\n", "aliases", 2),
        ("a: 1\nb: " + "[" * 40 + "]" * 40 + "\n", "depth", 2),
        ("[" + ", ".join(["1"] * 200_001) + "]", "nodes", 1),
    ],
    ids=["alias", "depth", "nodes"],
)
def test_limits(text, what, line):
    with pytest.raises(bounded.LimitExceeded) as caught:
        bounded.yaml_documents(text, **LIMITS)
    assert caught.value.what == what and caught.value.line == line


@pytest.mark.parametrize(
    "text",
    ["a: !!set {x, y}\n", "? [1, 2]\n: x\n", "a: !!python/name:os.system x\n", "a: <<\n"],
    ids=["set", "collection-key", "python-tag", "merge-as-value"],
)
def test_refused_constructs(text):
    with pytest.raises(yaml.YAMLError):
        bounded.yaml_documents(text, **LIMITS)


def test_syntax_errors_carry_their_line():
    with pytest.raises(yaml.YAMLError) as caught:
        bounded.yaml_documents("a: 1\nb: [2\nc: 3\n", **LIMITS)
    assert caught.value.problem_mark.line >= 1
