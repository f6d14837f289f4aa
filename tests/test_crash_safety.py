"""kill -9 during real runs on a 433-paper catalog (a few times here; many in tests/crash_safety.py)."""

import os

from crash_safety import crash_cycle


def test_killed_runs_never_leave_a_broken_catalog_and_a_rerun_completes(tmp_path):
    outcome = crash_cycle(tmp_path, dict(os.environ), papers=433, kills=4)
    assert outcome["problems"] == []
    assert outcome["final_code"] == outcome["reference_code"]
    assert outcome["same_as_uninterrupted"]
