"""What the commands show on a terminal: Prefect's telemetry off by default, and each line once.
Import this module before Prefect (the telemetry defaults are read when Prefect starts)."""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any

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


PROGRESS_LINE = (
    "enrich_progress_line"  # a progress log line: off the console while a live display shows it
)


class _PrintedByCommand(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if ACTIVE is not None and record.levelno < logging.WARNING:
            # The live display shows progress and retries; task-run chatter would tear it.
            if getattr(record, PROGRESS_LINE, False) or record.name.startswith(
                ("enrich.", "prefect.task_runs")
            ):
                return False
        return not getattr(record, COMMAND_PRINTS, False)


def command_prints_summary() -> None:
    """From now on in this process, lines the command prints itself are not repeated by Prefect's
    console handler. Called by a command before it runs its flow (idempotent)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
            isinstance(f, _PrintedByCommand) for f in handler.filters
        ):
            handler.addFilter(_PrintedByCommand())


def printed_by_command() -> dict[str, bool]:
    """`extra=` for a log call whose line the command also prints."""
    return {COMMAND_PRINTS: True}


def shown_by_progress() -> dict[str, bool]:
    """`extra=` for a progress log line (the live display shows it on a terminal)."""
    return {PROGRESS_LINE: True}


def progress_logger(logger: Any) -> Any:
    """A flow's run logger whose lines are marked as progress (kept off the console while the
    live display runs; the flow run's log in the UI keeps them)."""
    from prefect.logging.loggers import PrefectLogAdapter

    return PrefectLogAdapter(logger.logger, {**(logger.extra or {}), PROGRESS_LINE: True})


def live_progress() -> Any:
    """The live display when the command runs on a terminal, else a context that does nothing."""
    from contextlib import nullcontext

    return Progress() if wants_progress() else nullcontext()


class Progress:
    """Per source on a terminal: ids asked / total, requests, retries and the time left at the
    pace seen so far (rich's estimate). Thread-safe: the sources' fetches call `update` from
    their own threads. Log lines marked with `shown_by_progress()` stay off the console meanwhile."""

    def __init__(self, stream=None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self.display = RichProgress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "ids · {task.fields[requests]} requests · {task.fields[retries]} retries · left"
            ),
            TimeRemainingColumn(),
            console=Console(file=stream or sys.stderr),
            transient=False,
        )
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()

    def update(
        self, source: str, done: int, total: int, requests: int = 0, retries: int = 0
    ) -> None:
        with self._lock:
            if source not in self._tasks:
                self._tasks[source] = self.display.add_task(
                    source, total=total, requests=0, retries=0
                )
            self.display.update(
                self._tasks[source], completed=done, total=total, requests=requests, retries=retries
            )

    def __enter__(self) -> "Progress":
        global ACTIVE
        self.display.start()
        ACTIVE = self
        return self

    def __exit__(self, *exc: object) -> None:
        global ACTIVE
        ACTIVE = None
        self.display.stop()


ACTIVE: Progress | None = None  # the display the command started, if any (None: plain log lines)


def wants_progress(stream=None) -> bool:
    """A live display only on a terminal; plain log lines when piped, in CI or in a deployment."""
    stream = stream or sys.stderr
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"
