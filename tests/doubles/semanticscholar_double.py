"""SemanticScholarDouble: the Graph API's paper endpoints under /graph/v1."""

from __future__ import annotations

import difflib
import re
import threading
import time
from urllib.parse import unquote

from .base import Answer, DoubleServer, json_answer
from .faults import Fault, Recorded
from .world import Paper, World, corpus_id, last_name, publication_date, stable_int

PREFIX = "/graph/v1"
MAX_BATCH = 500
_WORD = re.compile(r"[a-z0-9]+")
PAPER_FIELDS = frozenset(
    {
        "paperId",
        "corpusId",
        "externalIds",
        "url",
        "title",
        "abstract",
        "venue",
        "publicationVenue",
        "year",
        "referenceCount",
        "citationCount",
        "influentialCitationCount",
        "isOpenAccess",
        "openAccessPdf",
        "fieldsOfStudy",
        "s2FieldsOfStudy",
        "publicationTypes",
        "publicationDate",
        "journal",
        "citationStyles",
        "authors",
        "citations",
        "references",
        "tldr",
        "embedding",
        "textAvailability",
    }
)
AUTHOR_FIELDS = frozenset(
    {
        "authorId",
        "externalIds",
        "url",
        "name",
        "affiliations",
        "homepage",
        "paperCount",
        "citationCount",
        "hIndex",
    }
)
NESTED_PAPER_FIELDS = PAPER_FIELDS - {"citations", "references", "tldr", "embedding"}
EMBEDDING_FIELDS = frozenset({"specter_v1", "specter_v2"})
_HEX40 = re.compile(r"^[0-9a-fA-F]{40}$")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(.+?)(?:v\d+)?(?:\.pdf)?/?$")
# Full names Semantic Scholar uses for venues the catalog abbreviates.
_VENUES = {
    "ICLR": (
        "International Conference on Learning Representations",
        "939c6e1d-0d17-4d6e-8a82-66d960df0e40",
    ),
    "NEURIPS": ("Neural Information Processing Systems", "d9720b90-d60b-48bc-9df8-87a30b9a60dd"),
    "ICML": (
        "International Conference on Machine Learning",
        "fc0a208c-acb7-47dc-a0d4-af8190e21d29",
    ),
}


class SemanticScholarDouble(DoubleServer):
    """S2 Graph API over a World; `force_match[query] = paper or None` scripts /paper/search/match.

    `min_interval` (seconds, None = off) enforces the API's rate the way the real one does: a
    request arriving sooner than that after the last one it served gets S2's 429 (no
    Retry-After), unprompted; those requests are in `throttled`. Off by default: the real
    limit is 1 request/s, and tests compress the command's pacing 100x, not the double's."""

    def __init__(
        self, world: World, api_key: str | None = None, min_interval: float | None = None
    ) -> None:
        self.world = world
        self.api_key = api_key
        self.force_match: dict[str, Paper | None] = {}
        self.min_interval = min_interval
        self.throttled: list[Recorded] = []
        self._served_at: float | None = None
        self._rate_lock = threading.Lock()
        super().__init__()

    def _over_rate(self, request: Recorded) -> bool:
        """A bucket of one token refilled every `min_interval`: only served requests take it."""
        if self.min_interval is None:
            return False
        with self._rate_lock:
            now = time.monotonic()
            if self._served_at is not None and now - self._served_at < self.min_interval:
                self.throttled.append(request)
                return True
            self._served_at = now
            return False

    def handle(self, request: Recorded) -> Answer:
        if self._over_rate(request):
            fault = Fault.s2_429()
            return Answer(fault.code, fault.body, {"content-type": "application/json"})
        key = request.headers.get("x-api-key")
        if self.api_key is not None and key is not None and key != self.api_key:
            return json_answer(403, {"message": "Forbidden"}, compact=True)
        if not request.path.startswith(PREFIX + "/"):
            return json_answer(404, {"message": "Not Found"}, compact=True)
        path = request.path[len(PREFIX) :]
        fields, unknown = _fields(request.param("fields"))
        if unknown:
            return _error(400, f"Unrecognized or unsupported fields: [{', '.join(unknown)}]")
        if request.method == "POST" and path == "/paper/batch":
            return self._batch(request, fields)
        if request.method == "GET" and path == "/paper/search/match":
            return self._match(request, fields)
        if request.method == "GET" and path.startswith("/paper/"):
            paper_id = unquote(path[len("/paper/") :])
            paper = self.resolve(paper_id)
            if paper is None:
                return _error(404, f"Paper with id {paper_id} not found")
            return _ok(self.render(paper, fields))
        return _error(404, "Endpoint not found")

    # -- endpoints ---------------------------------------------------------------------------
    def _batch(self, request: Recorded, fields: list[str]) -> Answer:
        try:
            ids = request.json()["ids"]  # type: ignore[index]
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise TypeError
        except (ValueError, TypeError, KeyError):
            return _error(
                400, 'Body must be a JSON object with a list of string ids: {"ids": [...]}'
            )
        if len(ids) > MAX_BATCH:
            return _error(400, f"Cannot process more than {MAX_BATCH} ids per request")
        answers = []
        for paper_id in ids:
            paper = self.resolve(paper_id)
            answers.append(None if paper is None else self.render(paper, fields))
        return _ok(answers)

    def _match(self, request: Recorded, fields: list[str]) -> Answer:
        query = request.param("query")
        if not query:
            return _error(400, "Missing required parameter: 'query'")
        if query in self.force_match:
            paper, score = self.force_match[query], 100.0
        else:
            paper, score = self.best_match(query)
        if paper is None:
            return _error(404, "Title match not found")
        found = self.render(paper, fields)
        found["matchScore"] = score
        return _ok({"data": [found]})

    # -- lookups -----------------------------------------------------------------------------
    def _known(self) -> list[Paper]:
        return [p for p in self.world.papers if p.s2_id]

    def best_match(self, query: str) -> tuple[Paper | None, float]:
        """The known paper whose title is most like `query`, and a score. Like the real API this
        is a best guess, however poor (often another paper); only a query sharing no word with
        any known title finds nothing (404)."""
        words = set(_WORD.findall(query.lower()))
        best, best_ratio = None, -1.0
        for paper in self._known():
            if not words & set(_WORD.findall(paper.title.lower())):
                continue
            ratio = difflib.SequenceMatcher(
                None, query.lower().strip(), paper.title.lower()
            ).ratio()
            if ratio > best_ratio:
                best, best_ratio = paper, ratio
        if best is None:
            return None, 0.0
        return best, round(best_ratio * 110.0, 5)  # the real scores look like 109.55 for a sure hit

    def resolve(self, paper_id: str) -> Paper | None:
        """The paper an S2 id form names: ARXIV:, DOI: (or bare 10.x), ACL:, CorpusId:, URL:, 40-hex."""
        prefix, sep, rest = paper_id.partition(":")
        kind = prefix.upper() if sep else ""
        for paper in self._known():
            if kind == "ARXIV" and paper.arxiv_id and rest == paper.arxiv_id:
                return paper
            if (kind == "DOI" or (not kind and paper_id.startswith("10."))) and paper.doi:
                if (rest if kind else paper_id).lower() == paper.doi.lower():
                    return paper
            if kind == "ACL" and paper.acl_id and rest == paper.acl_id:
                return paper
            if kind == "CORPUSID" and rest.strip() == str(corpus_id(paper)):
                return paper
            if (
                not kind
                and _HEX40.match(paper_id)
                and paper_id.lower() == (paper.s2_id or "").lower()
            ):
                return paper
            if kind == "URL":
                found = _ARXIV_URL.search(rest)
                if found and found.group(1) == paper.arxiv_id:
                    return paper
        return None

    # -- rendering ---------------------------------------------------------------------------
    def render(self, paper: Paper, fields: list[str]) -> dict:
        """paperId plus the requested fields, in the real API's shapes."""
        answer: dict = {"paperId": paper.s2_id}
        author_fields = [f.split(".", 1)[1] for f in fields if f.startswith("authors.")]
        for name in fields:
            top = name.split(".", 1)[0]
            if top == "authors":
                listed = range(len(paper.authors)) if paper.s2_authors_listed else range(0)
                answer["authors"] = [_author(paper, i, author_fields) for i in listed]
            elif top in ("citations", "references"):
                answer[top] = []
            elif top == "embedding":
                answer["embedding"] = {
                    "model": "specter_v1",
                    "vector": [
                        (stable_int(f"{paper.s2_id}{i}") % 2000 - 1000) / 250.0 for i in range(4)
                    ],
                }
            elif top != "paperId":
                answer[top] = _paper_field(paper, top)
        return answer


def _paper_field(paper: Paper, name: str) -> object:
    venue_name, venue_id, acronym = _venue(paper)
    arxiv_pdf = f"https://arxiv.org/pdf/{paper.arxiv_id}" if paper.arxiv_id else None
    if name == "externalIds":
        ids: dict[str, object] = {}
        if paper.arxiv_id:
            ids["ArXiv"] = paper.arxiv_id
        if acronym:
            author = last_name(paper.authors[0]) if paper.authors else "Anonymous"
            ids["DBLP"] = f"conf/{acronym.lower()}/{author}{stable_int(paper.title) % 90 + 10}"
        if paper.doi:
            ids["DOI"] = paper.doi
        if paper.acl_id:
            ids["ACL"] = paper.acl_id
        ids["CorpusId"] = corpus_id(paper)
        return ids
    if name == "publicationVenue":
        if not venue_id:
            return None
        return {
            "id": venue_id,
            "name": venue_name,
            "type": "conference",
            "alternate_names": [acronym],
            "url": f"https://{acronym.lower()}.cc/",
        }
    journal = (
        {"name": "ArXiv", "volume": f"abs/{paper.arxiv_id}"}
        if paper.arxiv_id and not venue_id
        else None
    )
    simple = {
        "corpusId": corpus_id(paper),
        "url": f"https://www.semanticscholar.org/paper/{paper.s2_id}",
        "title": paper.title,
        "abstract": paper.abstract or None,
        "venue": venue_name,
        "year": paper.year if paper.s2_dated else None,
        "referenceCount": stable_int(paper.title) % 60 + 10,
        "citationCount": paper.citation_count,
        "influentialCitationCount": paper.influential_citation_count,
        "isOpenAccess": arxiv_pdf is not None,
        "openAccessPdf": {"url": arxiv_pdf, "status": "GREEN"} if arxiv_pdf else None,
        "fieldsOfStudy": ["Computer Science"],
        "s2FieldsOfStudy": [
            {"category": "Computer Science", "source": "external"},
            {"category": "Computer Science", "source": "s2-fos-model"},
        ],
        "publicationTypes": ["JournalArticle", "Conference"] if venue_id else ["JournalArticle"],
        "publicationDate": publication_date(paper) if paper.s2_dated else None,
        "journal": journal,
        "citationStyles": {"bibtex": _bibtex(paper, venue_name)},
        "tldr": {"model": "tldr@v2.0.0", "text": paper.tldr} if paper.tldr else None,
        "textAvailability": "fulltext" if arxiv_pdf else "abstract",
    }
    return simple[name]


def _venue(paper: Paper) -> tuple[str, str | None, str]:
    """(S2 venue string, publicationVenue id or None, acronym or "") for the paper's venue."""
    words = paper.venue.split()
    if words and words[0].upper() in _VENUES:
        name, venue_id = _VENUES[words[0].upper()]
        return name, venue_id, words[0]
    return paper.venue, None, ""


def _author(paper: Paper, index: int, extra: list[str]) -> dict:
    name = paper.authors[index]
    author_id = str(stable_int(name) % 2_300_000_000 + 1_000_000)
    author: dict[str, object] = {"authorId": author_id, "name": name}
    affiliations = paper.affiliations[index] if index < len(paper.affiliations) else []
    values = {
        "externalIds": {},
        "url": f"https://www.semanticscholar.org/author/{author_id}",
        "affiliations": list(affiliations),
        "homepage": None,
        "paperCount": stable_int(name) % 90 + 3,
        "citationCount": stable_int(name) % 5000,
        "hIndex": stable_int(name) % 30 + 1,
    }
    for field_name in extra:
        if field_name in values:
            author[field_name] = values[field_name]
    return author


def _bibtex(paper: Paper, venue: str) -> str:
    first = last_name(paper.authors[0]) if paper.authors else "Anonymous"
    key = f"{first}{paper.year}{''.join(w[0] for w in paper.title.split()[:2] if w).title()}"
    authors = " and ".join(paper.authors)
    where = f"\n booktitle = {{{venue}}}," if venue else ""
    return (
        f"@Article{{{key},\n author = {{{authors}}},{where}\n title = {{{paper.title}}},\n"
        f" year = {{{paper.year}}}\n}}\n"
    )


def _fields(text: str | None) -> tuple[list[str], list[str]]:
    """Requested fields (default: title) and the ones this API does not know."""
    if not text:
        return ["title"], []
    fields = [part.strip() for part in text.split(",") if part.strip()]
    unknown = []
    for name in fields:
        top, _, sub = name.partition(".")
        allowed = {
            "authors": AUTHOR_FIELDS,
            "citations": NESTED_PAPER_FIELDS,
            "references": NESTED_PAPER_FIELDS,
            "embedding": EMBEDDING_FIELDS,
        }.get(top)
        if top not in PAPER_FIELDS or (sub and (allowed is None or sub not in allowed)):
            unknown.append(name)
    return fields, unknown


def _ok(payload: object) -> Answer:
    return json_answer(200, payload, newline=True)


def _error(status: int, message: str) -> Answer:
    return json_answer(status, {"error": message}, compact=True, newline=True)
