"""Sources: the `Source` interface and the one batch runner (base.py), the registry of
sources found through entry points (registry.py), then one module per API.

Adding a source: one module with an object satisfying `Source` (see README, "Adding a
source") and one entry-point line in pyproject.toml."""

from enrich.sources.base import (
    Context,
    Credential,
    Endpoint,
    Offer,
    Plan,
    Query,
    Source,
    SourceBase,
    SourceResult,
    answer_for,
    apply_cached,
    chunks,
    clean,
    fail_all,
    plan,
    run_batches,
)
from enrich.sources.registry import GROUP, all_sources

__all__ = [
    "GROUP",
    "Context",
    "Credential",
    "Endpoint",
    "Offer",
    "Plan",
    "Query",
    "Source",
    "SourceBase",
    "SourceResult",
    "all_sources",
    "answer_for",
    "apply_cached",
    "chunks",
    "clean",
    "fail_all",
    "plan",
    "run_batches",
]
