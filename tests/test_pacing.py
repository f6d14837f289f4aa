"""Each API's pace, measured where the API would see it: the gaps between requests in a double's
own log, with time compressed (ENRICH_TIME_SCALE) and requests sent from several threads at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from doubles.base import Answer, DoubleServer

from enrich.settings import Settings
from enrich.sources import all_sources

SCALE = 0.2
# What the README promises (seconds between two requests to one API).
PACE = {"arxiv": 3.0, "semantic_scholar": 1.0, "openreview": 3.0, "github": 0.25}
# A request released by the pacer can reach the double late (its thread descheduled on a busy
# machine), which shortens the gap after it but not the span of the whole sequence: the mean gap
# is held to the pace (5% timer slack), a single gap only to half of it.


class AnyAnswer(DoubleServer):
    """Answers every request with an empty JSON object and records when it arrived."""

    def handle(self, request):
        return Answer(200, b"{}", {"content-type": "application/json"})


@pytest.mark.parametrize("source", list(PACE))
def test_requests_to_one_api_are_never_closer_than_its_pace(source):
    module = all_sources()[source]
    client = module.make_client(Settings(time_scale=SCALE, timeout=10))
    with AnyAnswer() as double, ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda index: client.request("GET", f"{double.url}/ask/{index}"), range(6)))
    client.close()
    arrivals = sorted(r.at for r in double.requests)
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    pace = PACE[source] * SCALE
    assert len(arrivals) == 6
    assert (arrivals[-1] - arrivals[0]) / len(gaps) >= pace * 0.95, gaps
    assert min(gaps) >= pace * 0.5, gaps
