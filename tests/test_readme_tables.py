"""The README's source tables are the registry's (regenerate with `python -m enrich.sources.tables`)."""

from __future__ import annotations

from conftest import ROOT
from enrich.sources.tables import marked, tables

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_tables_are_the_registrys():
    for title, lines in tables().items():
        if title == "rate limits":  # inside a shell block, without markers
            assert all(line in README for line in lines), (
                f"README {title}: run python -m enrich.sources.tables"
            )
        else:
            assert marked(title, lines) in README, (
                f"README {title}: run python -m enrich.sources.tables"
            )
