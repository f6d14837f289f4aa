"""The environment the tests run Prefect in: their own PREFECT_HOME, telemetry off, and nothing
of the developer's (no credentials, no Prefect profile or API URL that could point at Prefect
Cloud and its Secret blocks, no API URLs pointing at real hosts)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# What a child process may inherit from the developer's shell; everything else is dropped.
KEPT = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "SYSTEMROOT",
    "VIRTUAL_ENV",
)
# Dropped from the test process itself: anything that would reach a real account or host.
DROPPED_PREFIXES = ("PREFECT_", "ENRICH_")
DROPPED = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "SEMANTIC_SCHOLAR_API_KEY",
    "OPENREVIEW_USERNAME",
    "OPENREVIEW_PASSWORD",
    "OPENALEX_API_KEY",
    "HF_TOKEN",
    "HUGGINGFACE_TOKEN",
    "ARXIV_API_URL",
    "SEMANTIC_SCHOLAR_API_URL",
    "OPENREVIEW_API_URL",
    "OPENREVIEW_API_V1_URL",
    "GITHUB_API_URL",
    "HUGGINGFACE_API_URL",
    "OPENALEX_API_URL",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
QUIET = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


def _dropped(name: str) -> bool:
    return name in DROPPED or name.startswith(DROPPED_PREFIXES)


def isolate_this_process() -> Path:
    """Scrub os.environ of the test process (before Prefect is imported) and give it its own
    PREFECT_HOME; returns that folder."""
    for name in [name for name in os.environ if _dropped(name)]:
        del os.environ[name]
    home = Path(tempfile.mkdtemp(prefix="enrich-tests-prefect-home-"))
    os.environ.update(QUIET)
    os.environ["PREFECT_HOME"] = str(home)
    return home


def child_env(prefect_home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment of a Prefect process a test starts: a few harmless variables of
    the shell, telemetry off, its own PREFECT_HOME, then `extra` (the doubles' URLs, ...)."""
    prefect_home.mkdir(parents=True, exist_ok=True)
    env = {name: os.environ[name] for name in KEPT if name in os.environ}
    env.update(QUIET)
    env["PREFECT_HOME"] = str(prefect_home)
    env.update(extra or {})
    return env
