"""Batches under way at once (run_batches' in_flight): answers recorded in order, never more
than in_flight asked at a time, and the same failure rules as the serial loop."""

from __future__ import annotations

import threading
import time

import pytest

from enrich.cache import Cache
from enrich.errors import RetriesExhausted, SourceError, SourceUnavailable
from enrich.settings import Settings
from enrich.sources.base import Context, SourceResult, run_batches

KEYS = [f"k{index:02d}" for index in range(20)]


class Asker:
    """An `ask` that takes a while, counts how many run at once, and fails where told."""

    def __init__(self, fail: dict[str, SourceError] | None = None, delay: float = 0.02):
        self.fail, self.delay = fail or {}, delay
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.asked: list[list[str]] = []

    def __call__(self, batch: list[str]) -> dict[str, object]:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.asked.append(batch)
        try:
            time.sleep(self.delay)
            if batch[0] in self.fail:
                raise self.fail[batch[0]]
            return {key: (None if key.endswith("3") else {"key": key}) for key in batch}
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def ctx(tmp_path):
    cache = Cache(tmp_path / "cache")
    yield Context(Settings(), cache, None, now=1000.0)
    cache.close()


def batches_run(ctx, ask, in_flight, keys=KEYS):
    result = SourceResult("test")
    progress: list[int] = []
    ctx.progress = lambda done, total: progress.append(done)
    error = run_batches(ctx, result, keys, 2, ask, in_flight=in_flight)
    return result, error, progress


@pytest.mark.parametrize("in_flight", [1, 2, 3])
def test_same_result_as_the_serial_loop_in_order(ctx, in_flight):
    ask = Asker()
    result, error, progress = batches_run(ctx, ask, in_flight)
    assert error is None
    assert list(result.checked) == KEYS  # recorded in the keys' order
    assert sorted(result.not_found) == [k for k in KEYS if k.endswith("3")]
    assert list(result.records) == [k for k in KEYS if not k.endswith("3")]
    assert progress == list(range(2, 21, 2))
    assert ask.most == in_flight  # that many at once, never more


@pytest.mark.parametrize("in_flight", [1, 2])
def test_a_failing_batch_fails_only_its_keys(ctx, in_flight):
    ask = Asker({"k04": SourceError("test", "bad batch")})
    result, error, _ = batches_run(ctx, ask, in_flight)
    assert error is None
    assert sorted(result.failed) == ["k04", "k05"]
    assert len(result.checked) == 18


@pytest.mark.parametrize("in_flight", [1, 2])
def test_down_fails_the_rest_and_starts_nothing_more(ctx, in_flight):
    ask = Asker({"k06": RetriesExhausted("test", "down")})
    result, error, _ = batches_run(ctx, ask, in_flight)
    assert isinstance(error, RetriesExhausted)
    assert list(result.checked) == KEYS[:6]
    assert sorted(result.failed) == KEYS[6:]
    assert (
        len(ask.asked) <= 4 + in_flight
    )  # three answered, the failing one, those already under way


@pytest.mark.parametrize("in_flight", [1, 2])
def test_unavailable_is_raised_after_the_batches_before_it(ctx, in_flight):
    ask = Asker({"k08": SourceUnavailable("test", "refused")})
    result = SourceResult("test")
    with pytest.raises(SourceUnavailable):
        run_batches(ctx, result, KEYS, 2, ask, in_flight=in_flight)
    assert list(result.checked) == KEYS[:8]
