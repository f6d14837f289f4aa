"""The README list and the grouped lists: Markdown tables of papers. Pure; the layout is in
templates/, the cells are escaped here (one place decides what a cell may contain)."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2

from enrich.views.model import KEYWORDS, Paper, reading_order

START_MARKER = "<!-- papers:start -->"
END_MARKER = "<!-- papers:end -->"
COLUMNS = ("meta", "title", "publication", "year", "citations", "code", "stars", "note", "cover")
ALIGN = ("---", "---", "---", "---:", "---:", "---", "---:", "---", "---")
ARCHIVED_MARK = "(archived)"
DEAD_MARK = "(dead)"
# Everything Markdown or HTML would read as syntax inside a table cell's text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


class MarkersMissing(ValueError):
    """The README has no (or broken) papers:start / papers:end markers."""


@dataclass(frozen=True)
class Links:
    """How to turn the catalog's paths into links from one output file.

    `to_catalog`: the catalog folder relative to the output's folder (POSIX);
    `to_root`: the folder curated relative URLs (note, cover) are relative to — the catalog's
    parent, where upstream keeps its README — relative to the output's folder."""

    to_catalog: str
    to_root: str

    def entry(self, path: str) -> str:
        return _url_path(posixpath.normpath(posixpath.join(self.to_catalog, path)))

    def curated(self, url: str) -> str:
        """A curated URL: absolute ones as they are, relative ones rebased to this output's folder."""
        if _is_absolute(url):
            return _safe_url(url)
        return _url_path(posixpath.normpath(posixpath.join(self.to_root, url.strip())))


def _is_absolute(url: str) -> bool:
    return bool(urlsplit(url).scheme) or url.startswith(("/", "#"))


def _url_path(path: str) -> str:
    return quote(path, safe="/-._~")


def _safe_url(url: str) -> str:
    """A URL usable inside (…) in a table: no space, parenthesis, pipe or angle bracket left raw."""
    return "".join(
        {
            " ": "%20",
            "(": "%28",
            ")": "%29",
            "|": "%7C",
            "<": "%3C",
            ">": "%3E",
            '"': "%22",
            "'": "%27",
            "\n": "",
            "\r": "",
        }.get(c, c)
        for c in url.strip()
    )


def cell_text(text: str) -> str:
    """Plain text made safe for a Markdown table cell: one line, no table or inline syntax."""
    one_line = _NEWLINES.sub(" ", text.strip())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))


def count_cell(value: int | None) -> str:
    """A count; empty when unknown (never 0)."""
    return "" if value is None else str(value)


def stars_cell(paper: Paper) -> str:
    repo = paper.repo
    if repo is None:
        return ""
    marks = [DEAD_MARK] if repo.dead else []
    if repo.archived and not repo.dead:
        marks.append(ARCHIVED_MARK)
    return " ".join(filter(None, [count_cell(repo.stars), *marks]))


def row(paper: Paper, links: Links) -> str:
    """One table row in the seed's format, plus citations and stars."""
    meta = f"[{cell_text(paper.abbr) or 'm'}]({links.entry(paper.path)})"
    title = (
        f"[{cell_text(paper.title)}]({_safe_url(paper.url)})"
        if paper.url
        else cell_text(paper.title)
    )
    code = (
        f"[{cell_text(paper.code_type)}]({links.curated(paper.code_url)})" if paper.code_url else ""
    )
    note = f"[note]({links.curated(paper.note_url)})" if paper.note_url else ""
    cover = (
        f"<img width='400' alt='image' src='{html.escape(links.curated(paper.cover_url), quote=True)}'>"
        if paper.cover_url
        else ""
    )
    cells = [
        meta,
        title,
        cell_text(paper.venue),
        count_cell(paper.year),
        count_cell(paper.citations),
        code,
        stars_cell(paper),
        note,
        cover,
    ]
    return "| " + " | ".join(cells) + " |"


def slug(name: str, taken: set[str]) -> str:
    """A unique anchor for a group heading (explicit, so links don't depend on a host's slugger)."""
    base = re.sub(r"[^\w]+", "-", name.casefold()).strip("-_") or "group"
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return anchor


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("enrich.views", "templates"),
        autoescape=False,  # Markdown: cells are escaped by cell_text, on purpose
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@dataclass(frozen=True)
class Group:
    name: str
    anchor: str
    rows: tuple[str, ...]


def _table_head() -> str:
    return "| " + " | ".join(COLUMNS) + " |\n|" + "|".join(ALIGN) + "|"


def year_groups(papers: Iterable[Paper], links: Links) -> list[Group]:
    """Papers by year, newest first; papers without a year last, under "year unknown"."""
    by_year: dict[int | None, list[Paper]] = {}
    for paper in sorted(papers, key=reading_order):
        by_year.setdefault(paper.year, []).append(paper)
    taken: set[str] = set()
    return [
        Group(
            str(year) if year is not None else "year unknown",
            slug(str(year or "year unknown"), taken),
            tuple(row(paper, links) for paper in members),
        )
        for year, members in by_year.items()
    ]


def readme_region(papers: list[Paper], links: Links, page_link: str | None) -> str:
    """What goes between the markers (the markers excluded), newline-terminated."""
    days = [
        day
        for paper in papers
        for day in (paper.citations_changed, paper.repo and paper.repo.stars_changed)
        if day
    ]
    return (
        _templates()
        .get_template("readme_region.md.j2")
        .render(
            total=len(papers),
            groups=year_groups(papers, links),
            head=_table_head(),
            page_link=page_link,
            archived=ARCHIVED_MARK,
            dead=DEAD_MARK,
            newest_change=max(days) if days else None,
        )
    )


def replace_region(readme: str, region: str) -> str:
    """The README with only the lines between the marker lines replaced; MarkersMissing otherwise.
    A marker is a line of its own (a mention inside other text is not one)."""
    lines = readme.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == START_MARKER]
    ends = [i for i, line in enumerate(lines) if line.strip() == END_MARKER]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise MarkersMissing(
            "needs exactly one line '<!-- papers:start -->' followed by one line '<!-- papers:end -->'"
        )
    start_line = lines[starts[0]]
    if not start_line.endswith(("\n", "\r")):
        start_line += "\n"
    return "".join(lines[: starts[0]]) + start_line + region + "".join(lines[ends[0] :])


# The grouped lists: file name -> (title, what a paper is grouped under, order of the groups).
def _by_keyword(paper: Paper) -> Iterable[str]:
    return paper.keywords


def _by_venue(paper: Paper) -> Iterable[str]:
    return [paper.venue] if paper.venue else []


def _by_year(paper: Paper) -> Iterable[str]:
    return [str(paper.year)] if paper.year is not None else []


def _by_author(paper: Paper) -> Iterable[str]:
    return paper.group_authors


def _by_institution(paper: Paper) -> Iterable[str]:
    return paper.institutions


def _keyword_order(name: str) -> tuple[int, str]:
    return (KEYWORDS.index(name) if name in KEYWORDS else len(KEYWORDS), name)


def _year_order(name: str) -> tuple[int]:
    return (-int(name),)


def _name_order(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


LISTS: dict[
    str, tuple[str, str, Callable[[Paper], Iterable[str]], Callable[[str], tuple[Any, ...]]]
] = {
    "keyword": ("Papers by keyword", "keywords", _by_keyword, _keyword_order),
    "venue": ("Papers by venue", "venues", _by_venue, _name_order),
    "year": ("Papers by year", "years", _by_year, _year_order),
    "author": ("Papers by author", "authors", _by_author, _name_order),
    "institution": ("Papers by institution", "institutions", _by_institution, _name_order),
}


def grouped_list(
    kind: str,
    papers: list[Paper],
    links: Links,
    catalog_label: str,
    rows: dict[str, str] | None = None,
) -> str:
    """One grouped list (a key of LISTS): a table of contents, then a table per group.
    `rows` (path -> row for these links) lets several lists share rows already made."""
    title, plural, names_of, order = LISTS[kind]
    rows = {} if rows is None else rows

    def row_of(paper: Paper) -> str:
        if paper.path not in rows:
            rows[paper.path] = row(paper, links)
        return rows[paper.path]

    members: dict[str, list[Paper]] = {}
    for paper in sorted(papers, key=reading_order):
        for name in names_of(paper):
            members.setdefault(name, []).append(paper)
    taken: set[str] = set()
    groups = [
        Group(name, slug(name, taken), tuple(row_of(paper) for paper in members[name]))
        for name in sorted(members, key=order)
    ]
    return (
        _templates()
        .get_template("grouped_list.md.j2")
        .render(
            title=title,
            plural=plural,
            groups=groups,
            head=_table_head(),
            catalog=catalog_label,
            papers=sum(1 for paper in papers if any(True for _ in names_of(paper))),
            toc_name=lambda group: cell_text(group.name),
        )
    )
