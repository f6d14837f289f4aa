"""ArxivDouble: `GET /api/query` answering Atom feeds shaped like api-samples/arxiv/*.xml."""

from __future__ import annotations

import base64
import hashlib
import re
import textwrap
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape, quoteattr

from .base import Answer, DoubleServer
from .faults import Fault, Recorded
from .world import Paper, World, publication_date, stable_int

CONTENT_TYPE = "application/atom+xml; charset=UTF-8"
# arXiv's own id grammar, ASCII digits only: arXiv answers 400 for the whole id_list when one
# id is "２３０１.００７７４" (full-width) or "໙4൩੯.᠑੨൦𑙕", which Python's \d would take.
_NEW_ID = re.compile(r"^([0-9]{4}\.[0-9]{4,5})(?:v([0-9]+))?$")
_OLD_ID = re.compile(r"^([a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/[0-9]{7})(?:v([0-9]+))?$")
_TERM = re.compile(r'(ANDNOT|AND|OR)|(\w+):(?:"([^"]*)"|(\S+))', re.IGNORECASE)
_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" \
xmlns="http://www.w3.org/2005/Atom">
"""


def split_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """("2301.00774", 2) for "2301.00774v2"; None when the id is malformed."""
    found = _NEW_ID.match(text) or _OLD_ID.match(text)
    if not found:
        return None
    return found.group(1), int(found.group(2)) if found.group(2) else None


class ArxivDouble(DoubleServer):
    """arXiv's query API over a World; `wrap_summaries=False` gives one-line summaries (2026 style)."""

    content_type = CONTENT_TYPE

    def __init__(self, world: World, wrap_summaries: bool = True) -> None:
        self.world = world
        self.wrap_summaries = wrap_summaries
        super().__init__()

    def handle(self, request: Recorded) -> Answer:
        if request.path.rstrip("/") != "/api/query":
            return Answer(
                404, b"<html><body>Not Found</body></html>", {"content-type": "text/html"}
            )
        return self._query(request, empty=False)

    def custom_fault(self, fault: Fault, request: Recorded) -> Answer | None:
        if fault.kind == "empty_page":
            return self._query(request, empty=True)
        return None

    def _query(self, request: Recorded, empty: bool) -> Answer:
        id_list = request.param("id_list", "") or ""
        search_query = request.param("search_query", "") or ""
        try:
            start = int(request.param("start", "0") or 0)
            max_results = int(request.param("max_results", "10") or 10)
        except ValueError:
            return self._error(
                "start_and_max_results_must_be_integers", "start and max_results must be integers"
            )
        ids = [part.strip() for part in id_list.split(",") if part.strip()]
        wanted: list[tuple[str, int | None]] = []
        for raw in ids:
            parsed = split_arxiv_id(raw)
            if parsed is None:
                return self._error(
                    f"incorrect_id_format_for_{raw}", f"incorrect id format for {raw}"
                )
            wanted.append(parsed)
        matches = (
            self._find(wanted) if ids else [(p, p.arxiv_version) for p in self._arxiv_papers()]
        )
        if search_query:
            matches = [(p, v) for p, v in matches if _matches_query(p, search_query)]
        elif not ids:
            matches = []
        total = len(matches)
        page = [] if empty else matches[start : start + max_results]
        entries = "".join(self._entry(paper, version) for paper, version in page)
        head = self._feed_head(
            search_query, id_list, start, max_results, max(total, 1) if empty else total
        )
        return Answer(
            200, (head + entries + "</feed>\n").encode("utf-8"), {"content-type": CONTENT_TYPE}
        )

    def _arxiv_papers(self) -> list[Paper]:
        return [p for p in self.world.papers if p.arxiv_id]

    def _find(self, wanted: list[tuple[str, int | None]]) -> list[tuple[Paper, int]]:
        by_id = {p.arxiv_id: p for p in self._arxiv_papers()}
        found = []
        for arxiv_id, version in wanted:
            paper = by_id.get(arxiv_id)
            if paper is None:
                continue
            if version is None:
                found.append((paper, paper.arxiv_version))
            elif 1 <= version <= paper.arxiv_version:
                found.append((paper, version))
        return found

    def _feed_head(
        self, search_query: str, id_list: str, start: int, max_results: int, total: int
    ) -> str:
        title = f"arXiv Query: search_query={search_query}&id_list={id_list}&start={start}&max_results={max_results}"
        link = (
            f"https://arxiv.org/api/query?search_query={search_query}&start={start}"
            f"&max_results={max_results}&id_list={id_list}"
        )
        digest = base64.b64encode(hashlib.sha1(title.encode("utf-8")).digest()).decode().rstrip("=")
        return (
            _HEAD
            + f"  <id>https://arxiv.org/api/{digest}</id>\n"
            + f"  <title>{escape(title)}</title>\n"
            + f"  <updated>{_now()}</updated>\n"
            + f'  <link href={quoteattr(link)} type="application/atom+xml"/>\n'
            + f"  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>\n"
            + f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
            + f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        )

    def _entry(self, paper: Paper, version: int) -> str:
        vid = f"{paper.arxiv_id}v{version}"
        published = datetime.fromisoformat(publication_date(paper)).replace(
            hour=stable_int(vid) % 24,
            minute=stable_int(vid) % 60,
            second=stable_int(paper.title) % 60,
        )
        updated = published + timedelta(days=37 * (version - 1))
        seed = stable_int(paper.arxiv_id or paper.title)
        lines = [
            f"    <id>http://arxiv.org/abs/{vid}</id>",
            f"    <title>{escape(paper.title)}</title>",
            f"    <updated>{updated:%Y-%m-%dT%H:%M:%SZ}</updated>",
            f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
            f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>',
            f"    <summary>{escape(self._summary(paper.abstract))}</summary>",
            '    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>',
        ]
        if seed % 2:
            lines.append('    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>')
        lines.append(f"    <published>{published:%Y-%m-%dT%H:%M:%SZ}</published>")
        if paper.arxiv_comment is not None:
            lines.append(f"    <arxiv:comment>{escape(paper.arxiv_comment)}</arxiv:comment>")
        elif seed % 3:  # optional, as on the real API
            lines.append(
                f"    <arxiv:comment>{seed % 20 + 8} pages, {seed % 9 + 2} figures</arxiv:comment>"
            )
        lines.append('    <arxiv:primary_category term="cs.LG"/>')
        for index, author in enumerate(paper.authors):
            lines.append("    <author>")
            lines.append(f"      <name>{escape(author)}</name>")
            affiliations = paper.affiliations[index] if index < len(paper.affiliations) else []
            lines.extend(
                f"      <arxiv:affiliation>{escape(a)}</arxiv:affiliation>" for a in affiliations
            )
            lines.append("    </author>")
        if paper.doi:
            lines.append(f"    <arxiv:doi>{escape(paper.doi)}</arxiv:doi>")
            lines.append(
                f'    <link rel="related" href={quoteattr("https://doi.org/" + paper.doi)} title="doi"/>'
            )
        return "  <entry>\n" + "\n".join(lines) + "\n  </entry>\n"

    def _summary(self, abstract: str) -> str:
        if not self.wrap_summaries:
            return abstract
        # The classic arXiv layout: two leading spaces, hard-wrapped lines, final newline.
        return (
            "  " + textwrap.fill(abstract, width=78, initial_indent="", subsequent_indent="") + "\n"
        )

    def _error(self, anchor: str, message: str) -> Answer:
        now = _now()
        url = f"https://arxiv.org/api/errors#{anchor}"
        body = (
            _HEAD
            + "  <id>https://arxiv.org/</id>\n"
            + "  <title>arXiv Search Results</title>\n"
            + f"  <updated>{now}</updated>\n"
            + "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
            + "  <opensearch:totalResults>1</opensearch:totalResults>\n"
            + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
            + "  <entry>\n"
            + f"    <id>{escape(url)}</id>\n"
            + "    <title>Error</title>\n"
            + f"    <updated>{now}</updated>\n"
            + f'    <link href={quoteattr(url)} rel="alternate" type="text/html"/>\n'
            + f"    <summary>{escape(message)}</summary>\n"
            + "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
            + "  </entry>\n</feed>\n"
        )
        return Answer(400, body.encode("utf-8"), {"content-type": CONTENT_TYPE})


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _matches_query(paper: Paper, query: str) -> bool:
    """A small subset of arXiv's search syntax: field:term / field:"phrase" joined by AND, OR, ANDNOT."""
    result: bool | None = None
    operator = "AND"
    for found in _TERM.finditer(query.replace("+", " ")):
        if found.group(1):
            operator = found.group(1).upper()
            continue
        hit = _field_matches(
            paper, found.group(2).lower(), (found.group(3) or found.group(4) or "").lower()
        )
        if result is None:
            result = hit
        elif operator == "AND":
            result = result and hit
        elif operator == "OR":
            result = result or hit
        else:
            result = result and not hit
        operator = "AND"
    return bool(result)


def _field_matches(paper: Paper, field_name: str, term: str) -> bool:
    texts = {
        "ti": [paper.title],
        "abs": [paper.abstract],
        "au": paper.authors,
        "id": [paper.arxiv_id or ""],
    }.get(field_name, [paper.title, paper.abstract, *paper.authors])
    words = term.split()
    return any(all(word in text.lower() for word in words) for text in texts)
