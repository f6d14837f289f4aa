"""Planning a fetch from the cache: only the answers a run uses are decoded (a nightly run finds
every count expired; decoding 20,000 stale records it never uses was seconds of its time)."""

from __future__ import annotations

from enrich.cache import DAY, FOUND, NOT_FOUND, Answer, Cache
from enrich.records import PaperRecord
from enrich.settings import Settings
from enrich.sources.base import Context, plan

NOW = 1_800_000_000.0


def _cache(tmp_path, ages: dict[str, float]) -> Cache:
    cache = Cache(tmp_path)
    cache.put_many(
        Answer("ns", key, FOUND, PaperRecord("ns", f"title {key}").to_json(), None, NOW - age)
        for key, age in ages.items()
    )
    return cache


def _counting(decoded: list[str]):
    def decode(payload: dict) -> PaperRecord:
        decoded.append(payload["title"])
        return PaperRecord.from_json(payload)

    return decode


def test_stale_answers_a_source_does_not_keep_are_never_decoded(tmp_path):
    cache = _cache(tmp_path, {"fresh": 60.0, "stale": 2 * DAY})
    ctx = Context(Settings(), cache, None, now=NOW, expiry={"ns": (DAY, DAY)})
    decoded: list[str] = []
    todo = plan(ctx, "ns", ["fresh", "stale", "never"], _counting(decoded), keep_stale=False)
    assert decoded == ["title fresh"]
    assert list(todo.cached) == ["fresh"] and todo.cached["fresh"].payload.title == "title fresh"
    assert todo.to_ask == ["stale", "never"] and todo.stale == {}


def test_stale_answers_kept_for_revalidation_are_decoded(tmp_path):
    cache = _cache(tmp_path, {"fresh": 60.0, "stale": 2 * DAY})
    ctx = Context(Settings(), cache, None, now=NOW, expiry={"ns": (DAY, DAY)})
    decoded: list[str] = []
    todo = plan(ctx, "ns", ["fresh", "stale"], _counting(decoded))
    assert sorted(decoded) == ["title fresh", "title stale"]
    assert todo.to_ask == ["stale"] and todo.stale["stale"].payload.title == "title stale"


def test_a_fresh_answer_that_no_longer_decodes_is_asked_again(tmp_path):
    cache = Cache(tmp_path)
    cache.put_many([Answer("ns", "broken", FOUND, {"no title": 1}, None, NOW)])
    ctx = Context(Settings(), cache, None, now=NOW, expiry={"ns": (DAY, DAY)})
    todo = plan(ctx, "ns", ["broken"], PaperRecord.from_json, keep_stale=False)
    assert todo.cached == {} and todo.to_ask == ["broken"]


def test_not_found_answers_follow_their_own_expiry(tmp_path):
    cache = Cache(tmp_path)
    cache.put_many([Answer("ns", "gone", NOT_FOUND, None, None, NOW - 2 * DAY)])
    ctx = Context(Settings(), cache, None, now=NOW, expiry={"ns": (DAY, 7 * DAY)})
    todo = plan(ctx, "ns", ["gone"], PaperRecord.from_json, keep_stale=False)
    assert todo.cached["gone"].status == NOT_FOUND and todo.to_ask == []


def test_offline_and_refresh(tmp_path):
    cache = _cache(tmp_path, {"stale": 2 * DAY})
    offline = Context(Settings(), cache, None, now=NOW, offline=True, expiry={"ns": (DAY, DAY)})
    assert list(plan(offline, "ns", ["stale"], PaperRecord.from_json).cached) == ["stale"]
    refresh = Context(Settings(), cache, None, now=NOW, refresh=True, expiry={"ns": (DAY, DAY)})
    todo = plan(refresh, "ns", ["stale"], PaperRecord.from_json, keep_stale=False)
    assert todo.cached == {} and todo.to_ask == ["stale"] and todo.stale == {}


def test_github_keeps_stale_answers_only_for_rest_revalidation(tmp_path, monkeypatch):
    """With a token GitHub is asked by GraphQL, which has no ETags: its stale answers are not
    decoded. Without one, REST revalidates them (If-None-Match), so they are."""
    from enrich.sources import github

    kept: list[bool] = []
    real = github.plan

    def spy(ctx, namespace, keys, decode, keep_stale=True):
        kept.append(keep_stale)
        return real(ctx, namespace, [], decode, keep_stale)  # nothing to ask: no request

    monkeypatch.setattr(github, "plan", spy)
    cache = Cache(tmp_path)
    for token in ("secret", None):
        settings = Settings(credentials={"GITHUB_TOKEN": token} if token else {})
        ctx = Context(settings, cache, None, now=NOW, expiry=github.source.expiry)
        github.source.fetch([github.Query("a/b")], ctx)
    assert kept == [False, True]
