"""The page in a real browser: Debian's chromium driven by Playwright, loaded from disk
(file://, no server, no network). One browser for the whole session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import DATA

from enrich.views.papers_json import page_abstracts, page_data
from flows.render import main

CHROMIUM = Path("/usr/bin/chromium")
# The closed network refuses background connections: keep Chromium from trying any.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium; .ci/run does it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page; any console error or uncaught exception fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda request: (
            problems.append(f"request {request.url}")
            if not request.url.startswith("file:")
            else None
        ),
    )
    yield page
    context.close()
    assert problems == []


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("page") / "project"
    shutil.copytree(DATA / "render" / "catalog", project)
    assert (
        main(
            [
                "--catalog",
                str(project / "meta"),
                "--readme",
                str(project / "README.md"),
                "--lists",
                str(project / "lists"),
                "--site",
                str(project / "site"),
            ]
        )
        == 0
    )
    return project / "site"


def papers(site: Path) -> list[dict]:
    return json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]


def load(page, url: str) -> None:
    """Open the page and wait for its first rows and then its abstracts (abstracts.js)."""
    page.goto(url)
    page.wait_for_function(
        "window.catalogPage && window.catalogPage.ready && window.catalogPage.complete"
    )


def visible(page) -> list[str]:
    return page.evaluate("window.catalogPage.visible()")


def by_stars(matching: list[dict]) -> list[str]:
    """The page's order for "stars, high to low": unknown last, ties in catalog order."""

    def stars(paper):
        return (
            paper["repo"]["stars"] if paper["repo"] and paper["repo"]["stars"] is not None else None
        )

    known = [p for p in matching if stars(p) is not None]
    unknown = [p for p in matching if stars(p) is None]
    return [p["path"] for p in sorted(known, key=lambda p: -stars(p))] + [
        p["path"] for p in unknown
    ]


def test_filter_sort_abstract_and_shared_hash(page, site):
    url = (site / "index.html").as_uri()
    load(page, url)
    everything = papers(site)
    assert len(visible(page)) == len(everything)  # 29 rows fit: all are drawn

    page.get_by_role("searchbox", name="Search").fill("sparse")
    page.get_by_role("button", name="Stars", exact=True).click()
    matching = [
        p
        for p in everything
        if "sparse" in " ".join([p["title"], *p["authors"], p["abstract"] or ""]).lower()
    ]
    assert matching, "the filter should match some papers"
    assert visible(page) == by_stars(matching)
    assert page.inner_text("#summary").startswith(f"{len(matching)} of {len(everything)} papers")
    first = next(p for p in everything if p["path"] == by_stars(matching)[0])
    stars_cell = page.locator("#rows tr.paper").first.locator("td").nth(6)
    assert stars_cell.inner_text().startswith(str(first["repo"]["stars"]))

    page.get_by_role("button", name=f"Abstract of {first['title']}").click()
    details = page.locator("#details")
    assert details.is_visible()
    assert first["abstract"] in details.inner_text()

    shared = page.url
    assert "q=sparse" in shared and "sort=stars" in shared and "open=" in shared
    other = page.context.new_page()
    load(other, shared)
    assert visible(other) == by_stars(matching)
    assert other.get_by_role("searchbox", name="Search").input_value() == "sparse"
    assert (
        other.locator("#details").is_visible()
        and first["abstract"] in other.locator("#details").inner_text()
    )
    other.close()


def test_year_range_and_keyword_filters(page, site):
    load(page, (site / "index.html").as_uri() + "#from=2024&keyword=quantization")
    assert visible(page) == ["2024/Týr-the-Pruner.prototxt"]
    page.get_by_label("Keyword").select_option("")
    assert sorted(visible(page)) == ["2024/Týr-the-Pruner.prototxt", "2024/deadrepo.prototxt"]
    page.get_by_role("searchbox", name="Search").fill("no paper has this phrase")
    assert visible(page) == []
    assert "No paper matches" in page.inner_text("#rows")


def test_trend_lines_and_growth_come_from_the_history(page, site):
    load(page, (site / "index.html").as_uri() + "#q=sparsegpt")
    row = page.locator("#rows tr.paper").first
    assert row.locator("svg").count() == 2
    # citations 612 now (2026-11-26), 580 on 2026-10-27 (last point on or before: 2026-10-15): +32
    assert row.locator("td").nth(7).inner_text() == "+32"
    assert "560 on 2026-10-01, 612 on 2026-11-26" in row.locator("svg title").first.text_content()


def test_only_the_rows_in_view_are_in_the_page(page, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    for name in ("index.html", "page.js", "page.css"):
        shutil.copy(
            Path(__file__).resolve().parent.parent / "enrich" / "views" / "static" / name,
            site / name,
        )
    template = papers_json_paper()
    many = [
        dict(template, path=f"p{i:05d}.prototxt", id=f"p{i:05d}", title=f"Paper {i}", citations=i)
        for i in range(3000)
    ]
    (site / "papers.js").write_text(page_data(many), encoding="utf-8")
    (site / "abstracts.js").write_text(page_abstracts(many), encoding="utf-8")
    load(page, site.joinpath("index.html").as_uri())
    drawn = visible(page)
    assert drawn[0] == "p02999.prototxt" and len(drawn) < 60
    page.locator("#scroller").evaluate("node => node.scrollTop = node.scrollHeight")
    page.wait_for_function("window.catalogPage.visible().indexOf('p00000.prototxt') >= 0")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


def papers_json_paper() -> dict:
    return {
        "id": "x",
        "path": "x.prototxt",
        "title": "x",
        "abbr": None,
        "url": "https://example.org/" + quote("x"),
        "authors": ["A B"],
        "institutions": [],
        "year": 2024,
        "venue": "ICLR",
        "venue_detail": None,
        "keywords": [],
        "code_url": None,
        "note_url": None,
        "cover": None,
        "abstract": "An abstract.",
        "tldr": None,
        "arxiv_id": None,
        "openreview_id": None,
        "semantic_scholar_id": None,
        "doi": None,
        "citations": 1,
        "citations_changed": None,
        "influential_citations": None,
        "influential_citations_changed": None,
        "repo": None,
        "history": {"citations": [], "stars": []},
    }
