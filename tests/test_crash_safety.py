"""kill -9 of real runs on a 433-paper catalog: inside the write phase after k files, and while
fetching (a few here; many with `python tests/crash_safety.py`)."""

from crash_safety import crash_cycle
from isolation import child_env


def test_killed_runs_leave_each_file_old_or_new_and_the_next_run_completes(
    prefect_api_url, tmp_path
):
    env = child_env(tmp_path / "prefect-home", {"PREFECT_API_URL": prefect_api_url})
    outcome = crash_cycle(tmp_path, env, papers=433, write_kills=[0, 31, 257], request_kills=1)
    assert outcome["problems"] == []
    assert all(left > 0 for left in outcome["temporaries_left_by_kills"]), (
        outcome
    )  # the kills hit the write phase
    assert outcome["final_code"] == outcome["reference_code"]
    assert outcome["same_as_uninterrupted"]
