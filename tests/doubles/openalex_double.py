"""OpenAlexDouble: `GET /works?filter=doi:A|B&per_page=N`, works shaped like api-samples/openalex/.

As strict as the real API where it matters: at most 100 values in one OR filter, `per_page` at
most 200 and 25 when not sent (so a client that forgets it loses works), DOIs compared
case-insensitively with or without the https://doi.org/ prefix, unknown DOIs simply absent from
`results`, `select` honoured (an unknown field is a 400). With `api_key` set, requests must carry `api_key=` (the real API, since 2026)."""

from __future__ import annotations

from .base import Answer, DoubleServer, json_answer
from .faults import Recorded
from .world import Paper, World, publication_date, stable_int

MAX_OR_VALUES = 100
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 25
SELECTABLE = frozenset(
    {
        "id",
        "doi",
        "title",
        "display_name",
        "publication_year",
        "publication_date",
        "ids",
        "language",
        "primary_location",
        "type",
        "authorships",
        "is_retracted",
        "updated_date",
        "cited_by_count",
    }
)
ARXIV_SOURCE = {
    "id": "https://openalex.org/S4306400194",
    "display_name": "arXiv (Cornell University)",
    "issn_l": None,
    "issn": None,
    "is_oa": True,
    "is_in_doaj": False,
    "host_organization": "https://openalex.org/I205783295",
    "type": "repository",
}


def arxiv_doi(arxiv_id: str) -> str:
    return f"10.48550/arxiv.{arxiv_id}".lower()


def work_doi(paper: Paper) -> str | None:
    """The DOI OpenAlex files the work under: the paper's own, else its arXiv DOI."""
    if paper.doi:
        return paper.doi.lower()
    return arxiv_doi(paper.arxiv_id) if paper.arxiv_id else None


class OpenAlexDouble(DoubleServer):
    """OpenAlex's works endpoint over a World (papers with `openalex_indexed`)."""

    def __init__(self, world: World, api_key: str | None = None) -> None:
        self.world = world
        self.api_key = api_key
        super().__init__()

    def handle(self, request: Recorded) -> Answer:
        if self.api_key is not None and request.param("api_key") != self.api_key:
            return _error(
                401,
                "Invalid or missing API key",
                "Send your key as api_key=… (see openalex.org/pricing).",
            )
        if request.method != "GET" or request.path.rstrip("/") != "/works":
            return _error(404, "Not found", f"{request.path} is not an endpoint.")
        per_page_text = request.param("per_page", str(DEFAULT_PER_PAGE)) or ""
        if not per_page_text.isdigit() or not 1 <= int(per_page_text) <= MAX_PER_PAGE:
            return _error(
                400,
                "Invalid query parameters error.",
                f"per-page parameter must be between 1 and {MAX_PER_PAGE}",
            )
        wanted = self._dois(request.param("filter") or "")
        if isinstance(wanted, Answer):
            return wanted
        found = self.find(wanted)
        per_page = int(per_page_text)
        results = [self.render(paper) for paper in found[:per_page]]
        select = [name for name in (request.param("select") or "").split(",") if name]
        if select:
            unknown = [name for name in select if name not in SELECTABLE]
            if unknown:
                return _error(
                    400,
                    "Invalid query parameters error.",
                    f"{unknown[0]} is not a valid select field. Valid fields for select are: "
                    + ", ".join(sorted(SELECTABLE)),
                )
            results = [{name: work[name] for name in select if name in work} for work in results]
        meta = {
            "count": len(found),
            "db_response_time_ms": 17,
            "page": 1,
            "per_page": per_page,
            "groups_count": None,
        }
        return json_answer(200, {"meta": meta, "results": results, "group_by": []})

    @staticmethod
    def _dois(text: str) -> set[str] | Answer:
        key, _, values = text.partition(":")
        if key != "doi" or not values:
            return _error(
                400, "Invalid query parameters error.", "This double only knows filter=doi:A|B|…"
            )
        dois = [value.strip().lower() for value in values.split("|") if value.strip()]
        if len(dois) > MAX_OR_VALUES:
            return _error(
                400,
                "Invalid query parameters error.",
                f"Maximum number of values exceeded for doi. Decrease values to {MAX_OR_VALUES} or below.",
            )
        return {doi.removeprefix("https://doi.org/") for doi in dois}

    def find(self, wanted: set[str]) -> list[Paper]:
        """The indexed works whose DOI is wanted, in the World's order."""
        return [
            paper
            for paper in self.world.papers
            if paper.openalex_indexed and work_doi(paper) in wanted
        ]

    @staticmethod
    def render(paper: Paper) -> dict:
        """A work with the keys this project reads, in OpenAlex's shapes."""
        seed = stable_int(paper.title)
        work_id = f"https://openalex.org/W{seed % 4_000_000_000 + 1_000_000_000}"
        doi = f"https://doi.org/{work_doi(paper)}"
        if paper.openalex_venue:
            source: dict | None = {
                "id": f"https://openalex.org/S{stable_int(paper.openalex_venue) % 4_000_000_000}",
                "display_name": paper.openalex_venue,
                "issn_l": None,
                "issn": None,
                "is_oa": False,
                "is_in_doaj": False,
                "host_organization": None,
                "type": paper.openalex_venue_type,
            }
        else:
            source = ARXIV_SOURCE if paper.arxiv_id and not paper.doi else None
        institutions = (
            paper.openalex_institutions
            if paper.openalex_institutions is not None
            else paper.affiliations
        )
        work: dict[str, object] = {
            "id": work_id,
            "doi": doi,
            "title": paper.title,
            "display_name": paper.title,
            "publication_year": paper.year,
            "publication_date": publication_date(paper),
            "ids": {"openalex": work_id, "doi": doi},
            "language": "en",
            "primary_location": {
                "is_oa": source is ARXIV_SOURCE,
                "landing_page_url": doi,
                "pdf_url": None,
                "source": source,
                "license": None,
                "license_id": None,
                "version": "submittedVersion" if source is ARXIV_SOURCE else None,
                "is_accepted": source is not ARXIV_SOURCE,
                "is_published": source is not ARXIV_SOURCE,
            },
            "type": "preprint" if source is ARXIV_SOURCE else "article",
            "authorships": [_authorship(paper, i, institutions) for i in range(len(paper.authors))],
            "is_retracted": False,
            "updated_date": "2026-11-30T04:12:55.412381",
        }
        if paper.cited_by_count is not None:
            work["cited_by_count"] = paper.cited_by_count
        return work


def _authorship(paper: Paper, index: int, institutions: list[list[str]]) -> dict:
    """One authorship in the recorded shape (api-samples/openalex/work-authorships-excerpt-AlexNet.json)."""
    name = paper.authors[index]
    names = institutions[index] if index < len(institutions) else []
    position = "first" if index == 0 else "last" if index == len(paper.authors) - 1 else "middle"
    insts = [
        {
            "id": f"https://openalex.org/I{stable_int(n) % 4_000_000_000}",
            "display_name": n,
            "ror": f"https://ror.org/0{stable_int(n) % 10**8:08d}",
            "country_code": "CA",
            "type": "education",
            "lineage": [f"https://openalex.org/I{stable_int(n) % 4_000_000_000}"],
        }
        for n in names
    ]
    return {
        "author_position": position,
        "author": {
            "id": f"https://openalex.org/A{stable_int(name) % 10**10}",
            "display_name": name,
            "orcid": None,
        },
        "institutions": insts,
        "countries": ["CA"] if insts else [],
        "is_corresponding": False,
        "raw_author_name": name,
        "raw_affiliation_strings": list(names),
        "affiliations": [
            {"raw_affiliation_string": n, "institution_ids": [i["id"]]}
            for n, i in zip(names, insts)
        ],
    }


def _error(status: int, error: str, message: str) -> Answer:
    return json_answer(status, {"error": error, "message": message})
