"""The README's source tables, from the registry: `python -m enrich.sources.tables` prints
them; tests/test_readme_tables.py checks the README holds them as printed."""

from __future__ import annotations

from collections.abc import Mapping

from enrich.cache import DAY
from enrich.sources.base import Source
from enrich.sources.registry import all_sources, rate_limit_name


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "forever"
    days = seconds / DAY
    return f"{days:g} day{'s' if days != 1 else ''}"


def configuration_rows(sources: Mapping[str, Source]) -> list[str]:
    """One row per base-URL and credential variable: | variable | default | source | what |."""
    rows = ["| variable | default | source | |", "|---|---|---|---|"]
    for name, source in sources.items():
        rows += [
            f"| `{e.variable}` | `{e.default}` | {name} | {e.about} |" for e in source.endpoints
        ]
        rows += [
            f"| `{c.variable}` | — (Secret block `{c.secret_block}`) | {name} | {c.about} |"
            for c in source.credentials
        ]
    return rows


def expiry_rows(sources: Mapping[str, Source]) -> list[str]:
    rows = [
        "| source | answers (cache namespace) | found: fresh for | not found: fresh for |",
        "|---|---|---|---|",
    ]
    for name, source in sources.items():
        rows += [
            f"| {name} | `{space}` | {_age(found)} | {_age(missing)} |"
            for space, (found, missing) in source.expiry.items()
        ]
    return rows


def offer_rows(sources: Mapping[str, Source]) -> list[str]:
    """Which source fills which field, and its rank (best first) there."""
    fields: dict[str, list[str]] = {}
    for name, source in sources.items():
        for field, offer in source.offers.items():
            how = (
                [str(offer.rank)]
                + ([] if offer.waits else ["no wait"])
                + (["only if empty"] if offer.only_if_empty else [])
            )
            fields.setdefault(field, []).append(f"{name} ({', '.join(how)})")
    rows = ["| field | offered by (rank) |", "|---|---|"]
    rows += [f"| `{field}` | {', '.join(offered)} |" for field, offered in fields.items()]
    return rows


def rate_limit_lines(sources: Mapping[str, Source]) -> list[str]:
    width = max(len(rate_limit_name(name)) for name in sources)
    return [
        f"prefect gcl create {rate_limit_name(name):<{width}} --limit 1 --slot-decay-per-second {1 / s.pace:.3g}"
        f"  # 1 request / {s.pace:g} s"
        for name, s in sources.items()
    ]


def tables(sources: Mapping[str, Source] | None = None) -> dict[str, list[str]]:
    sources = all_sources() if sources is None else sources
    return {
        "configuration": configuration_rows(sources),
        "expiry": expiry_rows(sources),
        "offers": offer_rows(sources),
        "rate limits": rate_limit_lines(sources),
    }


def marked(title: str, lines: list[str]) -> str:
    """A table as it stands in the README, between its markers."""
    return f"<!-- registry: {title} -->\n" + "\n".join(lines) + f"\n<!-- /registry: {title} -->"


if __name__ == "__main__":
    for title, lines in tables().items():
        print(marked(title, lines), end="\n\n")
