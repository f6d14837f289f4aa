"""A run that spreads itself: N runs of the shard deployment through the work pool (Prefect's
run_deployment), every one started before any is awaited, then what each ended with."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound

from enrich.errors import UsageError

SHARD_DEPLOYMENT = "enrich-catalog/shard"  # deployments/prefect.yaml: no concurrency limit
POLL_SECONDS = 2.0  # how often the parent reads its shard runs' states


@dataclass(frozen=True)
class ShardRun:
    """How one shard run ended."""

    shard: str  # "K/N"
    name: str  # the flow run's name, as the UI shows it
    state: str  # Completed, Failed, Crashed, Cancelled, …
    message: str
    completed: bool


def start_and_wait(
    deployment: str,
    parameters: Mapping[str, Any],
    count: int,
    name: str,
    poll: float = POLL_SECONDS,
) -> list[ShardRun]:
    """Start `count` runs of `deployment` (parameters plus shard="K/count"), linked to the
    current flow run as its subflows, all at once; wait until every one has ended (however long:
    a shard waits in the pool for a free worker slot). UsageError when the deployment is not there."""
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(deployment)
        except ObjectNotFound:
            raise UsageError(
                f"no deployment {deployment!r} to run the shards: deploy it first "
                "(prefect --no-prompt deploy --prefect-file deployments/prefect.yaml --name shard) "
                "or name another with shard_deployment"
            ) from None
    started: dict[UUID, str] = {}
    for index in range(count):
        shard = f"{index}/{count}"
        run = run_deployment(
            deployment,
            parameters={**parameters, "shard": shard},
            flow_run_name=f"{name}-shard-{index}-of-{count}",
            timeout=0,  # start them all first; waited for below
            as_subflow=True,
        )
        started[run.id] = shard
    ended: dict[UUID, ShardRun] = {}
    with get_client(sync_client=True) as client:
        while len(ended) < len(started):
            for run_id, shard in started.items():
                if run_id in ended:
                    continue
                run = client.read_flow_run(run_id)
                if run.state is not None and run.state.is_final():
                    ended[run_id] = ShardRun(
                        shard,
                        run.name,
                        run.state.name,
                        run.state.message or "",
                        run.state.is_completed(),
                    )
            if len(ended) < len(started):
                time.sleep(poll)
    return [ended[run_id] for run_id in started]


def summary(runs: list[ShardRun]) -> str:
    """One line: the failing shards by name first (with why), then how many completed."""
    failed = [run for run in runs if not run.completed]
    parts = [
        f"shard {run.shard} ({run.name}) {run.state}: {run.message or 'no message'}"
        for run in failed
    ]
    completed = len(runs) - len(failed)
    parts.append(
        f"{completed} of {len(runs)} shard runs completed"
        + ("; their work is kept" if failed and completed else "")
    )
    return " | ".join(parts)
