"""Fuzzing the parsers of the APIs' JSON answers: an answer of any shape (a list where an
object belongs, numbers for names, nulls) gives a record of clean text or nothing, never an
exception (which would end the source's whole batch with a traceback). GitHub's answers
besides: a repository's record only from its own object, never 0 for a missing count."""

from __future__ import annotations

import json
from types import SimpleNamespace

import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from enrich.errors import SourceError, TransientAnswer
from enrich.records import PaperRecord
from enrich.sources import github
from enrich.sources.base import SourceResult
from enrich.sources.openreview import record_from_note
from enrich.sources.semanticscholar import record_from_paper

CI = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.too_slow]}
_KEYS = [
    "title",
    "abstract",
    "authors",
    "name",
    "externalIds",
    "ArXiv",
    "DOI",
    "tldr",
    "text",
    "year",
    "paperId",
    "venue",
    "citationCount",
    "influentialCitationCount",
    "content",
    "value",
    "authorId",
]
_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)
    ),
    max_leaves=15,
)
ANSWERS = st.dictionaries(st.sampled_from(_KEYS), JSON, max_size=8)


def check_record(record: PaperRecord) -> None:
    for text in (
        record.title,
        record.abstract,
        record.venue,
        record.arxiv_id,
        record.doi,
        record.tldr,
    ):
        assert isinstance(text, str) and text == " ".join(text.split()), repr(text)
    assert all(
        isinstance(name, str) and name and name == " ".join(name.split()) for name in record.authors
    )
    for number in (record.year, record.citation_count, record.influential_citation_count):
        assert number is None or isinstance(number, int)


def check_semantic_scholar_paper(paper: dict) -> None:
    check_record(record_from_paper(paper))


def check_openreview_note(note: dict) -> None:
    check_record(record_from_note(note, "abcde12345"))


@settings(max_examples=600, **CI)
@given(ANSWERS)
@example({"externalIds": {"DOI": "10.1000/A\nB "}})  # found by tests/fuzz_long.py
def test_any_semantic_scholar_paper_object_gives_a_clean_record(paper):
    check_semantic_scholar_paper(paper)


@settings(max_examples=600, **CI)
@given(ANSWERS)
def test_any_openreview_note_gives_a_clean_record(note):
    check_openreview_note(note)


# -- GitHub: a repository object (REST or one GraphQL alias) and a whole GraphQL answer ----------

_COUNTS = st.integers(min_value=-1, max_value=10**6) | st.sampled_from([None, True, "7", 7.0])
_NAMES = st.sampled_from(["o/r", "O/R", "a/b", "x/y", "o/r/s", "/r", "o/", " o/r", ""])
_GOOD = (
    _NAMES
    | st.integers(min_value=-2, max_value=10**6)
    | st.sampled_from(["https://github.com/o/r", "https://github.com/x/y", "2024-01-01T00:00:00Z"])
    | st.builds(dict, spdx_id=st.sampled_from(["MIT", None, 3]))
    | st.builds(dict, spdxId=st.sampled_from(["MIT", None, 3]))
)
_VALUES = _GOOD | JSON


def repo_objects(keys: tuple[str, ...], extra: tuple[str, ...] = ()):
    """Mostly objects with a name and both counts (so records are made and checked), some
    with any keys, some not objects at all."""
    name, url, stars, forks = keys[:4]
    nearly_right = st.fixed_dictionaries(
        {name: _NAMES, stars: _COUNTS, forks: _COUNTS},
        optional={key: _VALUES for key in (url, *keys[4:], *extra)},
    )
    anything = st.dictionaries(st.sampled_from([*keys, *extra]), _VALUES, max_size=len(keys))
    return nearly_right | anything | JSON


def check_repo(parse, keys: tuple[str, ...], answer: object) -> None:
    """A record only from an object naming its repository and both counts, each taken as
    sent; the page URL only when it is that repository's; else ValueError, never another error."""
    try:
        record = parse(answer)
    except ValueError:
        return
    assert isinstance(answer, dict)
    name, _, stars, forks = keys[:4]
    assert record.full_name == answer[name] and record.full_name.count("/") == 1
    assert type(answer[stars]) is int and record.stars == answer[stars] >= 0
    assert type(answer[forks]) is int and record.forks == answer[forks] >= 0
    assert record.url.lower() == f"https://github.com/{record.full_name}".lower()
    for text in (record.pushed_at, record.license):
        assert isinstance(text, str) and text == " ".join(text.split()), repr(text)
    assert isinstance(record.archived, bool)


def check_github_rest(answer: object) -> None:
    check_repo(github.record_from_rest, github._REST_KEYS, answer)


def check_github_graphql_repo(answer: object) -> None:
    check_repo(github.record_from_graphql, github._GRAPHQL_KEYS, answer)


REST_OBJECTS = repo_objects(github._REST_KEYS, ("owner", "name", "id"))
GRAPHQL_OBJECTS = repo_objects(github._GRAPHQL_KEYS)


@settings(max_examples=600, **CI)
@given(REST_OBJECTS)
def test_any_github_rest_answer_gives_its_own_record_or_a_broken_answer(answer):
    check_github_rest(answer)


@settings(max_examples=600, **CI)
@given(GRAPHQL_OBJECTS)
def test_any_github_graphql_repository_gives_its_own_record_or_a_broken_answer(answer):
    check_github_graphql_repo(answer)


BATCH = ["o/r", "a/b", "x/y"]
_ALIASES = ["r0", "r1", "r2", "r3", "rateLimit", "repository"]
_ERRORS = st.lists(
    st.dictionaries(
        st.sampled_from(["type", "path", "message", "locations"]),
        st.sampled_from(["NOT_FOUND", "RATE_LIMITED", "FORBIDDEN"])
        | st.lists(st.sampled_from(_ALIASES) | JSON, max_size=2)
        | JSON,
        max_size=4,
    )
    | JSON,
    max_size=4,
)
GRAPHQL_ANSWERS = (
    st.fixed_dictionaries(
        {},
        optional={
            "data": st.fixed_dictionaries(
                {f"r{i}": st.none() | repo_objects(github._GRAPHQL_KEYS) for i in range(3)},
                optional={"r3": JSON, "rateLimit": JSON},
            )
            | st.dictionaries(
                st.sampled_from(_ALIASES), repo_objects(github._GRAPHQL_KEYS), max_size=5
            )
            | _SCALARS
            | JSON,
            "errors": _ERRORS,
        },
    )
    | JSON
)


class _OneAnswerHttp:
    """The HTTP layer's contract for one attempt: classify, validate a 2xx, return it."""

    def __init__(self, status: int, body: object):
        self.response = requests.Response()
        self.response.status_code = status
        self.response._content = json.dumps(body).encode("utf-8")

    def request(self, method, url, *, classify, validate=None, **kwargs):
        classify(self.response)
        if validate is not None and 200 <= self.response.status_code < 300:
            validate(self.response)
        return self.response


def check_graphql_answer(status: int, body: object) -> None:
    """Any GraphQL answer: a retry, a spent budget, a failed batch, or per repository its own
    alias's record (never another alias's), not found only where an error says so, else failed."""
    result = SourceResult("github")
    ctx = SimpleNamespace(http=_OneAnswerHttp(status, body), url=lambda name: "http://127.0.0.1")
    try:
        answers = github._GraphQL(ctx, result).ask(list(BATCH))
    except (TransientAnswer, SourceError):  # RateLimitExhausted is a SourceError
        return
    data = body.get("data") if isinstance(body, dict) else None
    errors = body.get("errors") if isinstance(body, dict) else None
    for index, key in enumerate(BATCH):
        alias = f"r{index}"
        if key in answers and answers[key] is not None:
            assert answers[key] == github.record_from_graphql(data[alias])
        elif key in answers:
            assert any(
                isinstance(e, dict) and e.get("type") == "NOT_FOUND" and e.get("path") == [alias]
                for e in errors
            )
        else:
            assert key in result.failed
    assert set(answers) <= set(BATCH)


GRAPHQL_STATUSES = st.sampled_from([200, 200, 200, 403, 429, 502])


@settings(max_examples=800, **CI)
@given(GRAPHQL_STATUSES, GRAPHQL_ANSWERS)
def test_any_github_graphql_answer_gives_each_repository_its_own_record_or_none(status, body):
    check_graphql_answer(status, body)
