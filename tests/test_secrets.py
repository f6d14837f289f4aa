"""With every credential set, no token or password reaches the catalog, the cache, the command's
output, Python's or Prefect's logs, the report artifact, a run's state message or any exception
text, even when a source fails and error text is produced."""

from __future__ import annotations

import logging
import secrets
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import snapshot
from doubles import Fault

TOKEN = "ghp_" + secrets.token_hex(18)
API_KEY = "s2key" + secrets.token_hex(16)
USER = f"curator-{secrets.token_hex(4)}@example.org"
PASSWORD = "pw-" + secrets.token_hex(16)
BATCH = "/graph/v1/paper/batch"


@pytest.fixture
def guarded(api_with, monkeypatch):
    """The doubles accepting (and requiring) our credentials, with all four set in the environment."""
    running = api_with(
        github={"token": TOKEN},
        semanticscholar={"api_key": API_KEY},
        openreview={"require_login": True, "users": {USER: PASSWORD}},
    )
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("SEMANTIC_SCHOLAR_API_KEY", API_KEY)
    monkeypatch.setenv("OPENREVIEW_USERNAME", USER)
    monkeypatch.setenv("OPENREVIEW_PASSWORD", PASSWORD)
    return running


class _Everything(logging.Handler):
    """Keeps every record's message and formatted exception."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + record.stack_info
        self.texts.append(text)


@contextmanager
def python_logs():
    """Every log record of this process (root, and the loggers that do not propagate), enrich and urllib3 at DEBUG."""
    handler = _Everything()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    levels = {name: logging.getLogger(name).level for name in ("enrich", "urllib3", "tenacity")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def prefect_records(since: float) -> dict[str, str]:
    """Logs, artifacts and state messages of every flow run started after `since`, from the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
        TaskRunFilter,
        TaskRunFilterFlowRunId,
    )
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        runs = [
            r
            for r in client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=20)
            if r.start_time and r.start_time.timestamp() >= since - 1
        ]
        ids = [r.id for r in runs]
        assert ids, "no flow run recorded"
        logs, offset = [], 0
        while True:
            page = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)),
                limit=200,
                offset=offset,
            )
            logs += [log.message for log in page]
            offset += len(page)
            if len(page) < 200:
                break
        artifacts = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids))
        )
        tasks = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=ids))
        )
    states = [r.state.message or "" for r in runs if r.state] + [
        t.state.message or "" for t in tasks if t.state
    ]
    return {
        "prefect logs": "\n".join(logs),
        "prefect artifacts": "\n".join(str(a.data) + str(a.description) for a in artifacts),
        "prefect states": "\n".join(states),
    }


def prefect_database() -> bytes:
    """The bytes of the test Prefect server's database files (everything the API ever stored)."""
    import prefect.settings

    url = prefect.settings.PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
    path = Path(urlsplit(str(url).replace("sqlite+aiosqlite:///", "file:///")).path)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def credentials_in_use(api) -> list[str]:
    """Our credentials plus the OpenReview session tokens the login handed out."""
    issued = sorted(api.openreview.tokens | api.openreview_v1.tokens)
    assert issued, "OpenReview login never happened"
    return [TOKEN, API_KEY, PASSWORD, *issued]


def assert_credentials_were_used(api) -> None:
    assert any(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in api.github.requests)
    assert any(r.headers.get("x-api-key") == API_KEY for r in api.semanticscholar.requests)
    assert api.openreview.count("POST", "/login") >= 1


def assert_nowhere(places: dict[str, str | bytes], credentials: list[str]) -> None:
    leaks = [
        f"{credential[:6]}… in {where}"
        for where, content in places.items()
        for credential in credentials
        if (credential.encode() if isinstance(content, bytes) else credential) in content
    ]
    assert not leaks, "credentials leaked: " + "; ".join(leaks)


def run_and_collect(run, catalog: Path, cache: Path) -> tuple[object, dict[str, str | bytes]]:
    started = time.time()
    with python_logs() as logs:
        outcome = run(catalog_dir=catalog, cache_dir=cache)
    places: dict[str, str | bytes] = {
        "the catalog": b"".join(snapshot(catalog).values()),
        "the cache folder": b"".join(snapshot(cache).values()),
        "the command's output": outcome.out + outcome.err,
        "python logs and exception text": "\n".join(logs.texts),
        **prefect_records(started),
        "the prefect database": prefect_database(),
    }
    assert "ids to look up" in places["prefect logs"], "Prefect's logs of the run were not captured"
    assert (
        "enrichment-report" in places["prefect artifacts"]
        or "Enrichment report" in places["prefect artifacts"]
    )
    return outcome, places


def test_no_credential_appears_anywhere_when_a_source_fails(guarded, catalog, run, tmp_path):
    guarded.semanticscholar.inject(
        Fault.status(503, {"message": "Service Unavailable"}),
        times=10_000,
        match=lambda r: r.path == BATCH,
    )
    guarded.github.inject(
        Fault.status(502, "<html><body>Bad Gateway</body></html>", {"content-type": "text/html"}),
        times=10_000,
        match=lambda r: r.path == "/graphql",
    )
    outcome, places = run_and_collect(run, catalog, tmp_path / "cache")
    assert outcome.code == 1
    attention = outcome.out.split("needs attention", 1)[1]  # one line per cause
    assert "\n  semantic_scholar: " in attention and "\n  github: " in attention
    assert b"abstract:" in places["the catalog"]  # arXiv and OpenReview (logged in) still answered
    assert_credentials_were_used(guarded)
    assert_nowhere(places, credentials_in_use(guarded))


def test_no_credential_appears_anywhere_after_a_clean_run(guarded, catalog, run, tmp_path):
    outcome, places = run_and_collect(run, catalog, tmp_path / "cache")
    assert outcome.code == 0, outcome.out
    assert b"stars:" in places["the catalog"] and b"citation_count:" in places["the catalog"]
    assert_credentials_were_used(guarded)
    assert_nowhere(places, credentials_in_use(guarded))


def test_error_answers_that_quote_our_credentials_are_not_repeated(guarded, catalog, run, tmp_path):
    """Some servers echo what they were sent; the text of their error must not carry it further."""
    guarded.semanticscholar.inject(
        Fault.status(403, {"error": f"API key {API_KEY} is not allowed here"}),
        times=10_000,
        match=lambda r: r.path == BATCH,
    )
    graphql_error = {
        "data": {"rateLimit": {"cost": 1, "remaining": 4999, "resetAt": "2030-01-01T00:00:00Z"}},
        "errors": [
            {"type": "FORBIDDEN", "path": [f"r{i}"], "message": f"token {TOKEN} may not read this"}
            for i in range(4)
        ],
    }
    guarded.github.inject(
        Fault.status(200, graphql_error), times=10_000, match=lambda r: r.path == "/graphql"
    )
    outcome, places = run_and_collect(run, catalog, tmp_path / "cache")
    assert outcome.code == 1
    attention = outcome.out.split("needs attention", 1)[1]  # one line per cause
    assert "\n  semantic_scholar: " in attention and "\n  github: " in attention
    assert_nowhere(places, credentials_in_use(guarded))
