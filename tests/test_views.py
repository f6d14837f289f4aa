"""The views' pure functions: cell escaping, counts, marks, the README region, the order."""

from __future__ import annotations

import pytest
from google.protobuf import text_format

from enrich.records import Entry
from enrich.schema import paper_pb2
from enrich.views import markdown
from enrich.views.model import paper_from_entry, reading_order


def paper(text: str, path: str = "x.prototxt"):
    return paper_from_entry(Entry(path, text_format.Parse(text, paper_pb2.PaperInfo())), path)


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("plain title", "plain title"),
        ("a | b", "a \\| b"),
        ("line one\nline two\r\nthree", "line one line two three"),
        ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
        ("`code` and *bold* and _it_", "\\`code\\` and \\*bold\\* and \\_it\\_"),
        ("[not a link](x)", "\\[not a link\\](x)"),
        ("R&D", "R&amp;D"),
        ("back\\slash", "back\\\\slash"),
        ("  padded  ", "padded"),
    ],
)
def test_cell_text_is_safe_inside_a_table(text, cell):
    assert markdown.cell_text(text) == cell


@pytest.mark.parametrize(
    ("repo", "cell"),
    [
        ("", ""),
        ("repo { stars: 0 }", "0"),
        ("repo { stars: 765 archived: false }", "765"),
        ("repo { stars: 765 archived: true }", "765 (archived)"),
        ("repo { stars: 12 not_found: true }", "12 (dead)"),
        ("repo { not_found: true }", "(dead)"),
        ("repo { url: 'https://github.com/a/b' }", ""),
    ],
)
def test_stars_cell_marks_archived_and_dead_and_leaves_unknown_empty(repo, cell):
    entry = paper(
        f'paper {{ title: "t" }} code {{ url: "https://github.com/a/b" }} enrichment {{ {repo} }}'
    )
    assert markdown.stars_cell(entry) == cell


def test_unknown_citations_are_an_empty_cell_and_zero_is_zero():
    assert markdown.count_cell(None) == ""
    assert markdown.count_cell(0) == "0"


def test_placeholder_abbr_and_people_are_not_shown():
    entry = paper(
        'paper { title: "t" abbr: "abbr" authors: "Name1" authors: "Name2" institutions: "inst1" }'
    )
    assert (entry.abbr, entry.authors, entry.institutions) == ("", (), ())
    row = markdown.row(entry, markdown.Links("meta", "."))
    assert row.startswith("| [m](meta/x.prototxt) | t |")


def test_relative_note_and_cover_are_rebased_for_a_list_in_another_folder():
    entry = paper(
        'paper { title: "t" } note { url: "notes/a/n.md" } cover { url: "./notes/a/c.jpg" }'
    )
    row = markdown.row(entry, markdown.Links("../meta", ".."))
    assert "[note](../notes/a/n.md)" in row and "src='../notes/a/c.jpg'" in row


def test_links_with_spaces_and_parentheses_stay_inside_the_cell():
    entry = paper('paper { title: "t" url: "https://x.org/a b(c)|d" }')
    assert "](https://x.org/a%20b%28c%29%7Cd)" in markdown.row(entry, markdown.Links("meta", "."))


def test_one_curated_string_of_authors_counts_as_several_for_the_author_list():
    entry = paper('paper { title: "t" authors: "A One, B Two" authors: "C Three" }')
    assert entry.authors == ("A One, B Two", "C Three")
    assert entry.group_authors == ("A One", "B Two", "C Three")


def test_order_is_newest_year_first_then_title_then_path():
    papers = [
        paper('paper { title: "beta" } pub { year: 2023 }', "b.prototxt"),
        paper('paper { title: "Alpha" } pub { year: 2023 }', "a.prototxt"),
        paper('paper { title: "zeta" } pub { year: 2024 }', "z.prototxt"),
        paper('paper { title: "no year" }', "n.prototxt"),
        paper('paper { title: "alpha" } pub { year: 2023 }', "c.prototxt"),
    ]
    assert [p.path for p in sorted(papers, key=reading_order)] == [
        "z.prototxt",
        "a.prototxt",
        "c.prototxt",
        "b.prototxt",
        "n.prototxt",
    ]


@pytest.mark.parametrize(
    "readme",
    [
        "no markers\n",
        "<!-- papers:start -->\nonly the start\n",
        "<!-- papers:end -->\n<!-- papers:start -->\n",
        "<!-- papers:start -->\n<!-- papers:start -->\n<!-- papers:end -->\n",
    ],
)
def test_missing_or_broken_markers_are_refused(readme):
    with pytest.raises(markdown.MarkersMissing):
        markdown.replace_region(readme, "x\n")


def test_only_the_region_is_replaced():
    readme = "head\n<!-- papers:start -->\nold\n<!-- papers:end -->\ntail\n"
    assert (
        markdown.replace_region(readme, "new\n")
        == "head\n<!-- papers:start -->\nnew\n<!-- papers:end -->\ntail\n"
    )


def test_placeholders_and_empty_values_are_never_a_group():
    entry = paper(
        'paper { title: "t" authors: "Name1" institutions: "inst2" } keyword { words: none }'
    )
    links = markdown.Links("meta", ".")
    for kind in markdown.LISTS:
        text = markdown.grouped_list(kind, [entry], links, "meta")
        assert text.count("\n## ") == 0, kind


def test_a_marker_mentioned_inside_text_is_not_a_marker():
    readme = "Put `<!-- papers:start -->` in your README.\n<!-- papers:start -->\nold\n<!-- papers:end -->\n"
    assert markdown.replace_region(readme, "new\n").endswith(
        "<!-- papers:start -->\nnew\n<!-- papers:end -->\n"
    )
