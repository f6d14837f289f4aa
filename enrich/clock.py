"""The wall clock a run goes by: the real one, shifted by ENRICH_CLOCK_OFFSET seconds when set.

What day it is decides which cached answers have expired and the date written beside a count.
The benchmark's nightly scenario runs "a day later" by shifting this clock and its simulated
APIs' clock by the same amount; pauses (time.monotonic) are never shifted. Leave it unset
against the real APIs."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from enrich.errors import UsageError

VARIABLE = "ENRICH_CLOCK_OFFSET"


def offset(environ: Mapping[str, str] | None = None) -> float:
    """Seconds added to the real clock (0 when unset); UsageError if not a number."""
    value = (os.environ if environ is None else environ).get(VARIABLE, "").strip()
    if not value:
        return 0.0
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"{VARIABLE}={value!r} is not a number of seconds") from None


def now() -> float:
    """Epoch seconds on the run's clock."""
    return time.time() + offset()
