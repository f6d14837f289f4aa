"""What the flow takes from the Prefect server: credentials from Secret blocks, and each
API's pace shared across workers through global concurrency limits. Both are named from
the source registry (each source declares its credentials and their Secret blocks)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import rate_limit
from prefect.exceptions import ObjectNotFound

from enrich.sources import all_sources
from enrich.sources.registry import rate_limit_name

SECRET_PAGE = 200  # Secret blocks listed per request


def secret_blocks() -> dict[str, str]:
    """Credential variable -> the Secret block holding it, for every registered source."""
    return {
        c.variable: c.secret_block for source in all_sources().values() for c in source.credentials
    }


def environment_with_secrets(offline: bool = False) -> dict[str, str]:
    """os.environ, with each credential it lacks taken from its Secret block if one exists.
    One request lists the Secret blocks (not one per credential); none when offline (no API is asked)."""
    environ = dict(os.environ)
    missing = {
        variable: block
        for variable, block in secret_blocks().items()
        if not environ.get(variable, "").strip()
    }
    if offline or not missing:
        return environ
    documents = {}
    with get_client(sync_client=True) as client:
        try:
            while True:  # in pages: the server caps how many it lists at once
                page = client.read_block_documents_by_type(
                    "secret", offset=len(documents), limit=SECRET_PAGE, include_secrets=True
                )
                documents.update((document.name, document) for document in page)
                if len(page) < SECRET_PAGE:
                    break
        except ObjectNotFound:  # no Secret block type on this server: no blocks either
            return environ
    for variable, block in missing.items():
        if block in documents:
            environ[variable] = str(Secret(**documents[block].data).get())
    return environ


def shared_pace(source: str) -> Callable[[], None]:
    """A gate taking one slot of the source's global rate limit per request."""

    def gate() -> None:
        rate_limit(rate_limit_name(source), strict=True)

    return gate


def missing_rate_limits(sources: Iterable[str]) -> list[str]:
    with get_client(sync_client=True) as client:
        missing = []
        for source in sources:
            try:
                client.read_global_concurrency_limit_by_name(rate_limit_name(source))
            except ObjectNotFound:
                missing.append(rate_limit_name(source))
        return missing


def import_temporary_server() -> None:
    """When this process will start Prefect's temporary server (no PREFECT_API_URL, ephemeral
    mode allowed), import the server's module now: Prefect imports it on the main thread just
    before starting the server (~3-4 s of CPU here: FastAPI routes, pydantic schemas), and the
    command's read-ahead thread, started next, would otherwise share the interpreter with that
    import and delay it by its own work. Imported first, the read-ahead runs while the server
    process starts, on the other core (measured at 20,000 papers: 6.1-6.5 s -> 3.7-4.4 s until
    the server starts)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if not PREFECT_API_URL.value() and PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        import prefect.server.api.server  # noqa: F401
