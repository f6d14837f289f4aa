"""HuggingFaceDouble: `GET /api/papers/{arxiv_id}`, answering like api-samples/huggingface/.

The recorded paper object has no code link and then the keys githubRepo / githubStars are
absent (not null); when a paper has code they read "githubRepo": "https://github.com/o/r",
"githubStars": 123. A paper Hugging Face has not indexed is a 404."""

from __future__ import annotations

import re
from urllib.parse import unquote

from .base import Answer, DoubleServer, json_answer
from .faults import Recorded
from .world import Paper, World, publication_date, stable_hex

PREFIX = "/api/papers/"
# New-style ids only: Hugging Face has no pages for old-style (archive/NNNNNNN) ids.
_ID = re.compile(r"^[0-9]{4}\.[0-9]{4,5}$")


class HuggingFaceDouble(DoubleServer):
    """Hugging Face's paper API over a World (papers with `hf_indexed`)."""

    def __init__(self, world: World) -> None:
        self.world = world
        super().__init__()

    def handle(self, request: Recorded) -> Answer:
        if request.method != "GET" or not request.path.startswith(PREFIX):
            return json_answer(
                404, {"error": "Sorry, we can't find the page you are looking for."}, compact=True
            )
        arxiv_id = unquote(request.path[len(PREFIX) :])
        if not _ID.match(arxiv_id):
            # A versioned or malformed id is not a paper page either.
            return json_answer(404, {"error": "Paper not found"}, compact=True)
        for paper in self.world.papers:
            if paper.arxiv_id == arxiv_id and paper.hf_indexed:
                return json_answer(200, self.render(paper), compact=True)
        return json_answer(404, {"error": "Paper not found"}, compact=True)

    @staticmethod
    def render(paper: Paper) -> dict:
        """The paper object in the recorded key order; optional keys only when set."""
        answer: dict[str, object] = {
            "id": paper.arxiv_id,
            "authors": [
                {"_id": stable_hex(f"{paper.arxiv_id}:{i}", 24), "name": name, "hidden": False}
                for i, name in enumerate(paper.authors)
            ],
            "publishedAt": f"{publication_date(paper)}T21:26:31.000Z",
            "title": paper.title,
            "summary": paper.abstract,
            "upvotes": len(paper.title) % 40,
            "discussionId": stable_hex(f"discussion:{paper.arxiv_id}", 24),
        }
        if paper.hf_github_repo is not None:
            answer["githubRepo"] = paper.hf_github_repo
            if paper.hf_github_stars is not None:
                answer["githubStars"] = paper.hf_github_stars
        return answer
