"""Asking the next batch while the last one is recorded (run_batches' ask_ahead): requests stay
one at a time and in order, answers are recorded in order, and the failure rules are the serial
loop's."""

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


def batches_run(ctx, ask, ahead, keys=KEYS):
    """Run the loop; also returns, each time a batch was recorded, how many had been asked
    by then (after giving an ask-ahead thread time to start the next)."""
    result = SourceResult("test")
    progress: list[tuple[int, int]] = []

    def recorded(done: int, total: int) -> None:
        time.sleep(0.05)
        progress.append((done, len(ask.asked)))

    ctx.progress = recorded
    error = run_batches(ctx, result, keys, 2, ask, ask_ahead=ahead)
    return result, error, progress


@pytest.mark.parametrize("ahead", [False, True])
def test_same_result_as_the_serial_loop_in_order(ctx, ahead):
    ask = Asker()
    result, error, progress = batches_run(ctx, ask, ahead)
    assert error is None
    assert list(result.checked) == KEYS  # recorded in the keys' order
    assert sorted(result.not_found) == [k for k in KEYS if k.endswith("3")]
    assert list(result.records) == [k for k in KEYS if not k.endswith("3")]
    assert [done for done, _ in progress] == list(range(2, 21, 2))
    assert [batch[0] for batch in ask.asked] == KEYS[::2]  # asked in order
    assert ask.most == 1  # one request at a time, always


def test_the_next_batch_is_asked_while_one_is_recorded(ctx):
    _, _, serial = batches_run(ctx, Asker(), False)
    assert [asked for _, asked in serial] == list(range(1, 11))
    _, _, ahead = batches_run(ctx, Asker(), True)
    assert [asked for _, asked in ahead] == [*range(2, 11), 10]


@pytest.mark.parametrize("ahead", [False, True])
def test_a_failing_batch_fails_only_its_keys(ctx, ahead):
    ask = Asker({"k04": SourceError("test", "bad batch")})
    result, error, _ = batches_run(ctx, ask, ahead)
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


@pytest.mark.parametrize("ahead", [False, True])
def test_unavailable_is_raised_after_the_batches_before_it(ctx, ahead):
    ask = Asker({"k08": SourceUnavailable("test", "refused")})
    result = SourceResult("test")
    with pytest.raises(SourceUnavailable):
        run_batches(ctx, result, KEYS, 2, ask, ask_ahead=ahead)
    assert list(result.checked) == KEYS[:8]


def test_two_in_flight_for_an_api_that_allows_it(ctx):
    ask = Asker()
    result = SourceResult("test")
    assert run_batches(ctx, result, KEYS, 2, ask, ask_ahead=True, in_flight=2) is None
    assert list(result.checked) == KEYS  # still recorded in order
    assert ask.most == 2  # two under way at once, never three


def test_in_flight_without_ask_ahead_stays_one_at_a_time(ctx):
    ask = Asker()
    run_batches(ctx, SourceResult("test"), KEYS, 2, ask, in_flight=2)
    assert ask.most == 1


class Record:
    def __init__(self, key: str):
        self.key = key

    def to_json(self) -> dict[str, str]:
        return {"key": self.key}


def test_convert_makes_the_records_on_the_recording_thread_while_the_next_batch_is_asked(ctx):
    made_on: list[str] = []

    def convert(raw: dict[str, str]) -> Record:
        made_on.append(threading.current_thread().name)
        return Record(raw["key"])

    result = SourceResult("test")
    error = run_batches(
        ctx, result, KEYS, 2, Asker(), namespace="test", ask_ahead=True, convert=convert
    )
    assert error is None
    assert list(result.records) == [k for k in KEYS if not k.endswith("3")]
    assert all(isinstance(record, Record) for record in result.records.values())
    assert sorted(result.not_found) == [k for k in KEYS if k.endswith("3")]  # None: not converted
    assert made_on == [threading.current_thread().name] * len(result.records)
    cached = ctx.cache.get_many("test", KEYS)
    assert cached["k00"].payload == {"key": "k00"} and cached["k03"].payload is None
