"""Metadata enrichment for curated paper catalogs (the library; no Prefect here)."""
