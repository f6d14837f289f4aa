"""What the commands show on a terminal: Prefect's telemetry off by default, and each line once.
Import this module before Prefect (the telemetry defaults are read when Prefect starts)."""

from __future__ import annotations

import logging
import os

# The commands turn Prefect's anonymous telemetry off (an offline run would otherwise print
# "Failed to send telemetry"), unless ENRICH_PREFECT_TELEMETRY=1 or the user set Prefect's own
# variables; deployments run the flows without these commands and keep Prefect's defaults.
TELEMETRY_VARIABLE = "ENRICH_PREFECT_TELEMETRY"
# A log record with this attribute true is a line the command prints itself (its summary):
# Prefect's console handler drops it there; the flow run's log in the UI keeps it.
COMMAND_PRINTS = "enrich_command_prints"


def telemetry_off_by_default(environ: os._Environ[str] | dict[str, str] = os.environ) -> None:
    if environ.get(TELEMETRY_VARIABLE, "").strip().lower() in ("1", "true", "yes"):
        return
    environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    environ.setdefault("DO_NOT_TRACK", "1")


class _PrintedByCommand(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, COMMAND_PRINTS, False)


def command_prints_summary() -> None:
    """From now on in this process, lines the command prints itself are not repeated by Prefect's
    console handler. Called by a command before it runs its flow (idempotent)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(isinstance(f, _PrintedByCommand) for f in handler.filters):
            handler.addFilter(_PrintedByCommand())


def printed_by_command() -> dict[str, bool]:
    """`extra=` for a log call whose line the command also prints."""
    return {COMMAND_PRINTS: True}
