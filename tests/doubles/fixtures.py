"""Start all seven doubles together, and pytest fixtures for tests/conftest.py to import.

from doubles.fixtures import world, doubles, doubles_env  # noqa: F401 (in tests/conftest.py)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from .arxiv_double import ArxivDouble
from .base import DoubleServer
from .github_double import GitHubDouble
from .huggingface_double import HuggingFaceDouble
from .openalex_double import OpenAlexDouble
from .openreview_double import OpenReviewDouble
from .seed_world import seed_world
from .semanticscholar_double import SemanticScholarDouble
from .world import World


@dataclass
class Doubles:
    """The seven running doubles over one world, and the environment that points the pipeline at them."""

    world: World
    arxiv: ArxivDouble
    openreview: OpenReviewDouble  # API 2
    openreview_v1: OpenReviewDouble  # API 1
    semanticscholar: SemanticScholarDouble
    github: GitHubDouble
    huggingface: HuggingFaceDouble
    openalex: OpenAlexDouble
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.env = {
            "ARXIV_API_URL": f"{self.arxiv.url}/api/query",
            "OPENREVIEW_API_URL": self.openreview.url,
            "OPENREVIEW_API_V1_URL": self.openreview_v1.url,
            "SEMANTIC_SCHOLAR_API_URL": self.semanticscholar.url,  # API root: the client appends /graph/v1
            "GITHUB_API_URL": self.github.url,
            "HUGGINGFACE_API_URL": self.huggingface.url,
            "OPENALEX_API_URL": self.openalex.url,
        }

    @property
    def servers(self) -> list[DoubleServer]:
        """All seven, in a fixed order."""
        return [
            self.arxiv,
            self.openreview,
            self.openreview_v1,
            self.semanticscholar,
            self.github,
            self.huggingface,
            self.openalex,
        ]

    def reset_logs(self) -> None:
        """Forget every double's recorded requests."""
        for server in self.servers:
            server.reset_log()

    def errors(self) -> list[str]:
        """Tracebacks of bugs inside any double (a test can assert this is empty)."""
        return [text for server in self.servers for text in server.errors]

    def stop(self) -> None:
        """Stop all seven."""
        for server in self.servers:
            server.stop()


@contextmanager
def start_doubles(
    world: World,
    *,
    arxiv: dict[str, Any] | None = None,
    openreview: dict[str, Any] | None = None,
    semanticscholar: dict[str, Any] | None = None,
    github: dict[str, Any] | None = None,
    huggingface: dict[str, Any] | None = None,
    openalex: dict[str, Any] | None = None,
) -> Iterator[Doubles]:
    """Run all seven doubles over `world`; each keyword passes constructor arguments to one double,
    e.g. `start_doubles(w, github={"token": "t"}, openreview={"require_login": True})`.
    `openreview` applies to both OpenReview APIs."""
    started: list[DoubleServer] = []
    try:

        def start(server: DoubleServer) -> Any:
            started.append(server)
            return server

        running = Doubles(
            world=world,
            arxiv=start(ArxivDouble(world, **(arxiv or {}))),
            openreview=start(OpenReviewDouble(world, api=2, **(openreview or {}))),
            openreview_v1=start(OpenReviewDouble(world, api=1, **(openreview or {}))),
            semanticscholar=start(SemanticScholarDouble(world, **(semanticscholar or {}))),
            github=start(GitHubDouble(world, **(github or {}))),
            huggingface=start(HuggingFaceDouble(world, **(huggingface or {}))),
            openalex=start(OpenAlexDouble(world, **(openalex or {}))),
        )
        yield running
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def world() -> World:
    """A fresh seed world per test (mutate it freely)."""
    return seed_world()


@pytest.fixture
def doubles(world: World) -> Iterator[Doubles]:
    """All seven doubles over the `world` fixture, stopped after the test."""
    with start_doubles(world) as running:
        yield running


@pytest.fixture
def doubles_env(doubles: Doubles, monkeypatch: pytest.MonkeyPatch) -> Doubles:
    """`doubles`, with the pipeline's URL variables set and real credentials removed from the environment."""
    for name in (
        "GITHUB_TOKEN",
        "SEMANTIC_SCHOLAR_API_KEY",
        "OPENREVIEW_USERNAME",
        "OPENREVIEW_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in doubles.env.items():
        monkeypatch.setenv(name, value)
    return doubles
