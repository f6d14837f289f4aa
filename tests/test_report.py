"""The run report as data: attention grouped by cause, the short state message, the JSON and its schema."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import ROOT

from enrich.report import (
    DEAD_REPOSITORY,
    FILE_ERROR,
    PAPER_FAILED,
    SOURCE_DOWN,
    SOURCE_FAILED,
    STATE_MESSAGE_CHARS,
    WRONG_LINK,
    Report,
    SourceStats,
)

DOWN = "openreview: unreachable after 6 tries over 60 s (connection failed)"
SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


def offline_report() -> Report:
    """What a run without network access reports: OpenReview down for 24 papers, plus per-paper problems."""
    report = Report(started=1_764_640_000.0, finished=1_764_640_061.5, papers_read=26, unchanged=2)
    report.failed = [(f"meta/P{n:02d}.prototxt", "openreview", DOWN) for n in range(24, 0, -1)]
    report.sources_down = {"openreview": DOWN}
    report.sources = {"openreview": SourceStats(requests=6, retries=5, asked=24)}
    report.file_errors = ['meta/bad.prototxt:3:7: Expected "}". (fix this line)']
    report.mismatches = [("meta/A.prototxt", "arxiv", "Curated title", "Another paper")]
    report.dead_links = [("meta/0.prototxt", "owner/gone")]
    report.suggestions = [("meta/A.prototxt", "venue: ICLR 2024 (arxiv, semantic_scholar)")]
    return report


def test_a_source_that_is_down_is_one_line_counting_its_papers():
    items = offline_report().attention_items()
    down = [item for item in items if item.kind == SOURCE_DOWN]
    assert [item.text for item in down] == [
        f"{DOWN} — 24 papers not asked; nothing erased; try again later"
    ]
    assert len(down[0].paths) == 24 and list(down[0].paths) == sorted(down[0].paths)


def test_per_paper_problems_follow_the_source_lines_sorted_by_file():
    items = offline_report().attention_items()
    assert [item.kind for item in items] == [SOURCE_DOWN, DEAD_REPOSITORY, WRONG_LINK, FILE_ERROR]
    assert [item.paths[0] for item in items[1:]] == [
        "meta/0.prototxt",
        "meta/A.prototxt",
        "meta/bad.prototxt",
    ]


@pytest.mark.parametrize(
    ("failed", "kinds", "first_line"),
    [
        (
            [("meta/a.prototxt", "arxiv", "arxiv: HTTP 400")],
            [PAPER_FAILED],
            "meta/a.prototxt: arxiv: HTTP 400",
        ),
        (
            [("meta/a.prototxt", "github", "GitHub answered HTTP 451")],
            [PAPER_FAILED],
            "meta/a.prototxt: github: GitHub answered HTTP 451",
        ),
        (
            [
                ("meta/b.prototxt", "arxiv", "arxiv: HTTP 400"),
                ("meta/a.prototxt", "arxiv", "arxiv: HTTP 400"),
            ],
            [SOURCE_FAILED],
            "arxiv: HTTP 400 — 2 papers; nothing erased",
        ),
        (
            [
                ("meta/b.prototxt", "arxiv", "arxiv: HTTP 400"),
                ("meta/a.prototxt", "arxiv", "arxiv: HTTP 500"),
            ],
            [PAPER_FAILED, PAPER_FAILED],
            "meta/a.prototxt: arxiv: HTTP 500",
        ),
    ],
)
def test_failures_are_grouped_by_their_cause(failed, kinds, first_line):
    report = Report(failed=failed)
    items = report.attention_items()
    assert [item.kind for item in items] == kinds
    assert items[0].text == first_line


def test_a_down_source_with_one_paper_is_still_a_source_line():
    report = Report(
        failed=[("meta/a.prototxt", "openreview", DOWN)], sources_down={"openreview": DOWN}
    )
    assert report.attention() == [f"{DOWN} — 1 paper not asked; nothing erased; try again later"]


def test_summary_prints_each_cause_once():
    lines = offline_report().summary_lines()
    assert sum(DOWN in line for line in lines) == 1
    assert "needs attention (4):" in lines


def test_state_message_is_short_with_counts_and_first_causes():
    message = offline_report().state_message()
    assert len(message) <= STATE_MESSAGE_CHARS
    assert message == (
        "4 item(s) need attention: openreview: unreachable after 6 tries over 60 s (24 papers not asked)"
        " | meta/0.prototxt: repository link is dead (owner/gone) | meta/A.prototxt: link points to a different paper?"
        " | meta/bad.prototxt: cannot read or write"
    )
    many = Report(dead_links=[(f"meta/{n:03d}.prototxt", f"owner/repo{n}") for n in range(100)])
    message = many.state_message()
    assert len(message) <= STATE_MESSAGE_CHARS and message.endswith("more (see the report)")


def test_clean_state_message_gives_the_counts():
    assert (
        Report(enriched=["meta/a.prototxt"], unchanged=3).state_message()
        == "catalog enriched: 1 changed, 3 unchanged"
    )


def test_not_in_cache_is_one_line_per_source():
    report = Report(not_in_cache=[(f"meta/{n}.prototxt", "arxiv") for n in range(5)])
    assert [line for line in report.summary_lines() if "not in cache" in line] == [
        "  not in cache (offline): arxiv: 5 papers (run without --offline to fetch them)"
    ]


def test_markdown_artifact_groups_like_the_terminal():
    markdown = offline_report().markdown()
    assert markdown.count("unreachable after 6 tries") == 1
    assert "24 papers not asked" in markdown


def test_json_report_validates_against_its_schema():
    data = offline_report().to_json()
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(
        data
    )
    assert data["counts"]["attention"] == 4
    assert data["attention"][0]["kind"] == SOURCE_DOWN and len(data["attention"][0]["paths"]) == 24
    assert data["sources"]["openreview"]["down"] == DOWN
    assert data["started"] == "2025-12-02T01:46:40Z"


def test_schema_rejects_a_report_missing_a_field():
    data = offline_report().to_json()
    del data["counts"]["failed"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(data)
