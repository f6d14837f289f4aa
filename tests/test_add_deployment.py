"""The add-papers deployment for real: a Prefect server, the process work pool, a worker, and
`prefect deployment run 'add-papers/by-hand' --param links='[...]'`."""

from __future__ import annotations

import json

import pytest
from conftest import snapshot
from local_prefect import LocalPrefect
from test_add_command import HALLUCINATE


@pytest.mark.timeout(600)
def test_add_papers_deployment_adds_the_links_it_is_given(api, catalog, tmp_path):
    api.world.papers.append(HALLUCINATE)
    server = LocalPrefect(tmp_path, {**api.env, "ENRICH_TIME_SCALE": "0.01"})
    try:
        server.start_server()
        server("work-pool", "create", "enrich-pool", "--type", "process")
        server(
            "--no-prompt",
            "deploy",
            "--prefect-file",
            "deployments/prefect.yaml",
            "--name",
            "by-hand",
        )
        server.start("worker", "worker", "start", "--pool", "enrich-pool")
        before = snapshot(catalog)
        run = server(
            "deployment",
            "run",
            "add-papers/by-hand",
            "--param",
            f"links={json.dumps(['https://huggingface.co/papers/2509.04664'])}",
            "--param",
            f"catalog={catalog}",
            "--param",
            f"cache_dir={tmp_path / 'cache'}",
            "--watch",
            "--watch-timeout",
            "240",
            timeout=300,
        )
        assert "Completed" in run.stdout, run.stdout + server.log("worker")
        (added,) = [data for name, data in snapshot(catalog).items() if name not in before]
        assert b'title: "Why Language Models Hallucinate"' in added and b"enrichment {" in added
    finally:
        server.stop_all()
