"""A source is one file plus one entry-point line: a throwaway source, installed the way a
third party's package would be (a module and a dist-info with an entry point on sys.path),
is asked, cached, merged by precedence and named everywhere without touching this repository."""

from __future__ import annotations

import sys
import textwrap

import pytest

from enrich.settings import Settings
from enrich.sources import all_sources

SOURCE = '''
"""A throwaway source: a one-line summary for every arXiv paper, answered without HTTP."""

from dataclasses import asdict, dataclass

from enrich.cache import DAY
from enrich.sources import (
    Credential, Endpoint, Offer, Query, Source, SourceBase, SourceResult, apply_cached, plan, run_batches,
)


@dataclass(frozen=True)
class Summary:
    title: str
    tldr: str

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        return cls(**data)


class Throwaway(SourceBase):
    name = "throwaway"
    position = 90  # after every built-in source
    endpoints = (Endpoint("THROWAWAY_API_URL", "https://throwaway.invalid/api"),)
    credentials = (Credential("THROWAWAY_TOKEN", "throwaway-token"),)
    pace = 0.5
    expiry = {"throwaway": (DAY, DAY)}
    offers = {"tldr": Offer(rank=0)}  # better than Semantic Scholar's (rank 1)
    record_type = Summary

    def query(self, entry):
        return Query(entry.arxiv_id, entry.title, entry.year) if entry.arxiv_id else None

    def fetch(self, queries, ctx):
        result = SourceResult(self.name)
        titles = {q.key: q.title for q in queries}
        todo = plan(ctx, self.name, list(titles), self.decode)
        apply_cached(result, todo.cached)
        ask = lambda batch: {key: Summary(titles[key], "In short: " + titles[key]) for key in batch}
        run_batches(ctx, result, todo.to_ask, 10, ask, namespace=self.name)
        return result


source: Source = Throwaway()
'''


@pytest.fixture
def throwaway(tmp_path, monkeypatch):
    """The throwaway source installed on sys.path with its entry point, registry re-read."""
    site = tmp_path / "site"
    (site / "throwaway_source-0.1.dist-info").mkdir(parents=True)
    (site / "throwaway_source.py").write_text(textwrap.dedent(SOURCE), encoding="utf-8")
    (site / "throwaway_source-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: throwaway-source\nVersion: 0.1\n", encoding="utf-8"
    )
    (site / "throwaway_source-0.1.dist-info" / "entry_points.txt").write_text(
        "[paper_catalog_enrich.sources]\nthrowaway = throwaway_source:source\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(site))
    sys.modules.pop("throwaway_source", None)
    all_sources.cache_clear()
    yield site
    sys.modules.pop("throwaway_source", None)
    all_sources.cache_clear()


def test_a_registered_source_is_asked_cached_and_wins_the_fields_it_ranks_best(
    throwaway, api, catalog, run
):
    outcome = run("--sources", "throwaway,semantic_scholar", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out + outcome.err
    assert "  throwaway: 2 ids, 0 requests, 0 retries, 0 from cache" in outcome.out
    sparsegpt = (catalog / "sparsegpt.prototxt").read_text(encoding="utf-8")
    # Semantic Scholar has a tldr for SparseGPT too: the better-ranked offer decides.
    assert (
        'tldr: "In short: SparseGPT: Massive Language Models Can be Accurately Pruned in one-shot."'
        in sparsegpt
    )
    assert "citation_count: 612" in sparsegpt  # what only Semantic Scholar offers is still its own
    again = run("--sources", "throwaway", catalog_dir=catalog)
    assert "  throwaway: 2 ids, 0 requests, 0 retries, 2 from cache" in again.out


def test_a_registered_source_is_named_by_settings_secret_blocks_rate_limits_and_options(throwaway):
    from enrich.sources.tables import tables
    from flows import server
    from flows.options import default_sources, parse_sources

    assert list(all_sources())[-1] == "throwaway"
    assert default_sources().endswith(",throwaway")
    assert parse_sources("throwaway") == ("throwaway",)
    settings = Settings.from_env({"THROWAWAY_TOKEN": "t0k3n"})
    assert settings.url("THROWAWAY_API_URL") == "https://throwaway.invalid/api"
    assert settings.credential("THROWAWAY_TOKEN") == "t0k3n" and "t0k3n" in settings.secrets()
    assert "t0k3n" not in repr(settings)
    assert server.secret_blocks()["THROWAWAY_TOKEN"] == "throwaway-token"
    assert any(
        line.startswith("prefect gcl create enrich-throwaway")
        and "--slot-decay-per-second 2 " in line
        for line in tables()["rate limits"]
    )


def test_a_source_without_cache_expiry_is_refused_by_name(throwaway):
    module = throwaway / "throwaway_source.py"
    module.write_text(
        module.read_text(encoding="utf-8").replace(
            'expiry = {"throwaway": (DAY, DAY)}', "expiry = {}"
        ),
        encoding="utf-8",
    )
    from enrich.errors import EnrichError

    with pytest.raises(EnrichError, match="throwaway.*declares no cache expiry"):
        all_sources()
