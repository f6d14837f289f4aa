"""The naive enricher, for comparison: what the catalog's upstream scripts do.

One request per paper per API, one paper after another, each API's pace respected (arXiv
3 s, Semantic Scholar 1 s, OpenReview 1 s between requests, all times ENRICH_TIME_SCALE),
no cache, no batching; a 429 is waited out and retried. It fills a few enrichment fields
and rewrites each file with protobuf's printer, so it does comparable work per paper.

    python -m benchmarks.naive --catalog DIR      # environment: the simulator's (see run.py)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import requests
from google.protobuf import text_format

from enrich.ids import (
    arxiv_id_from_url,
    doi_from_url,
    github_repo_from_url,
    openreview_id_from_url,
)
from enrich.schema import paper_pb2

PACE = {
    "arxiv": 3.0,
    "semantic_scholar": 1.0,
    "openreview": 1.0,
    "openreview_v1": 1.0,
    "github": 0.0,
}
ATOM = "{http://www.w3.org/2005/Atom}"
S2_FIELDS = "paperId,title,abstract,citationCount,influentialCitationCount,externalIds"


class NaiveClient:
    """Sequential requests, each API paced on its own; counts requests and 429s."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.session = requests.Session()
        self.last: dict[str, float] = {}
        self.requests: Counter = Counter()
        self.rejected: Counter = Counter()

    def call(self, api: str, method: str, url: str, **kwargs) -> requests.Response:
        for _attempt in range(8):
            wait = self.last.get(api, 0.0) + PACE[api] * self.scale - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.last[api] = time.monotonic()
            self.requests[api] += 1
            response = self.session.request(method, url, timeout=30, **kwargs)
            if response.status_code != 429 and not (
                response.status_code == 403 and "retry-after" in response.headers
            ):
                return response
            self.rejected[api] += 1
            time.sleep(2 * max(PACE[api], 1.0) * self.scale)
        return response


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.naive")
    parser.add_argument("--catalog", required=True)
    args = parser.parse_args(argv)
    env = os.environ
    client = NaiveClient(float(env.get("ENRICH_TIME_SCALE", "1")))
    arxiv_url, s2_url = env["ARXIV_API_URL"], env["SEMANTIC_SCHOLAR_API_URL"] + "/graph/v1"
    openreview = {
        "openreview": env["OPENREVIEW_API_URL"],
        "openreview_v1": env["OPENREVIEW_API_V1_URL"],
    }
    github_headers = {
        "Authorization": f"Bearer {env['GITHUB_TOKEN']}",
        "Accept": "application/vnd.github+json",
    }
    tokens: dict[str, str] = {}

    def openreview_note(note_id: str) -> dict | None:
        for api, base in openreview.items():
            if api not in tokens:  # openreview-py logs in once per client
                login = client.call(
                    api,
                    "POST",
                    f"{base}/login",
                    json={"id": env["OPENREVIEW_USERNAME"], "password": env["OPENREVIEW_PASSWORD"]},
                )
                tokens[api] = login.json().get("token", "")
            answer = client.call(
                api,
                "GET",
                f"{base}/notes",
                params={"id": note_id},
                headers={"Authorization": f"Bearer {tokens[api]}"},
            )
            if answer.status_code == 200 and answer.json().get("notes"):
                return answer.json()["notes"][0]
        return None

    written = papers = 0
    for path in sorted(Path(args.catalog).rglob("*.prototxt")):
        info = paper_pb2.PaperInfo()
        try:
            text_format.Parse(path.read_text("utf-8"), info)
        except text_format.ParseError:
            continue  # not a paper (meta/search/)
        papers += 1
        before = info.SerializeToString()
        url, enrichment = info.paper.url, info.enrichment
        arxiv_id = arxiv_id_from_url(url)
        if arxiv_id:
            feed = client.call(
                "arxiv", "GET", arxiv_url, params={"id_list": arxiv_id, "max_results": 1}
            )
            entry = ElementTree.fromstring(feed.content).find(f"{ATOM}entry")
            if entry is not None:
                enrichment.arxiv_id = arxiv_id
                enrichment.abstract = " ".join((entry.findtext(f"{ATOM}summary") or "").split())
        note_id = openreview_id_from_url(url)
        if note_id:
            note = openreview_note(note_id)
            if note is not None:
                enrichment.openreview_id = note_id
                abstract = (note.get("content") or {}).get("abstract")
                enrichment.abstract = str(
                    abstract.get("value") if isinstance(abstract, dict) else abstract or ""
                )
        doi = doi_from_url(url)
        if arxiv_id or doi:
            answer = client.call(
                "semantic_scholar",
                "GET",
                f"{s2_url}/paper/{'ARXIV:' + arxiv_id if arxiv_id else 'DOI:' + doi}",
                params={"fields": S2_FIELDS},
            )
            paper = answer.json() if answer.status_code == 200 else None
        else:
            answer = client.call(
                "semantic_scholar",
                "GET",
                f"{s2_url}/paper/search/match",
                params={"query": info.paper.title, "fields": S2_FIELDS},
            )
            paper = (answer.json().get("data") or [None])[0] if answer.status_code == 200 else None
        if paper:
            enrichment.semantic_scholar_id = paper["paperId"]
            enrichment.citation_count = paper.get("citationCount") or 0
            enrichment.influential_citation_count = paper.get("influentialCitationCount") or 0
        repo = github_repo_from_url(info.code.url) if info.code.url else None
        if repo:
            answer = client.call(
                "github", "GET", f"{env['GITHUB_API_URL']}/repos/{repo}", headers=github_headers
            )
            if answer.status_code == 200:
                data = answer.json()
                enrichment.repo.url, enrichment.repo.stars = (
                    data["html_url"],
                    data["stargazers_count"],
                )
                enrichment.repo.forks = data["forks_count"]
        if info.SerializeToString() != before:
            path.write_text(text_format.MessageToString(info, as_utf8=True), "utf-8")
            written += 1
    print(
        json.dumps(
            {
                "papers": papers,
                "written": written,
                "requests": client.requests,
                "rejected": client.rejected,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
