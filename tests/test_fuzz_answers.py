"""Fuzzing the parsers of the APIs' JSON answers: an answer of any shape (a list where an
object belongs, numbers for names, nulls) gives a record of clean text or nothing, never an
exception (which would end the source's whole batch with a traceback)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrich.records import PaperRecord
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


@settings(max_examples=600, **CI)
@given(ANSWERS)
def test_any_semantic_scholar_paper_object_gives_a_clean_record(paper):
    check_record(record_from_paper(paper))


@settings(max_examples=600, **CI)
@given(ANSWERS)
def test_any_openreview_note_gives_a_clean_record(note):
    check_record(record_from_note(note, "abcde12345"))
