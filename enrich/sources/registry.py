"""Sources are found through entry points (group `paper_catalog_enrich.sources`), the
built-in ones exactly like a third party's: `name = "package.module:source"` in its
pyproject.toml's `[project.entry-points."paper_catalog_enrich.sources"]`."""

from __future__ import annotations

import functools
import typing
from importlib.metadata import entry_points

from enrich.errors import EnrichError
from enrich.sources.base import Source

GROUP = "paper_catalog_enrich.sources"


@functools.cache
def all_sources() -> dict[str, Source]:
    """Every registered source by name, in `position` order (how they are listed and merged).
    Cached: call `all_sources.cache_clear()` after registering one at run time (tests)."""
    found: dict[str, Source] = {}
    for point in entry_points(group=GROUP):
        try:
            source = point.load()
        except Exception as error:  # a broken plugin must say which one
            raise EnrichError(
                f"source {point.name!r} ({point.value}) cannot be loaded: {error}"
            ) from error
        problem = _problem(point.name, source)
        if problem:
            raise EnrichError(f"source {point.name!r} ({point.value}): {problem}")
        if point.name in found and found[point.name] is not source:
            raise EnrichError(f"two sources registered as {point.name!r}: uninstall one")
        found[point.name] = source
    if not found:
        raise EnrichError(
            f"no source registered (entry points {GROUP!r}): reinstall the package (pip install -e .) so they are seen"
        )
    return dict(sorted(found.items(), key=lambda item: (item[1].position, item[0])))


def _problem(name: str, source: object) -> str:
    if not isinstance(source, Source):
        members = getattr(Source, "__protocol_attrs__", None) or typing._get_protocol_attrs(Source)  # type: ignore[attr-defined]
        missing = [member for member in members if not hasattr(source, member)]
        return f"not a Source (missing {', '.join(sorted(missing))})"
    if source.name != name:
        return f"its name is {source.name!r}: register it under that name"
    if source.name not in source.expiry:
        return f"declares no cache expiry for its answers (expiry[{source.name!r}])"
    return ""


def source_names() -> tuple[str, ...]:
    return tuple(all_sources())


def rate_limit_name(source: str) -> str:
    """The Prefect global concurrency limit (used as a rate limit) pacing `source` across workers."""
    return f"enrich-{source}"
