"""The render benchmark: render time and output sizes at 433 / 5,000 / 20,000 papers, the page's
first render and filter latency in headless Chromium at 20,000, and the count history's size
after a simulated year of nightly runs.

    python -m benchmarks.render_bench [--sizes 433,5000,20000] [--days 365] [--no-browser]

Catalogs come from benchmarks/catalog_gen.py with their enrichment filled from the World that
generated them (what a complete enrich run would write). The history is written by the real
`enrich.history.append_counts`, once per simulated night, with this churn (per paper, per
night, the chance that a count changes):

  citations: 5% of papers "hot" 0.9, 20% "warm" 0.15, 75% "cold" 0.03 (Semantic Scholar
             refreshes counts about weekly; most papers gain a citation every few weeks)
  stars:     60% of papers have a repository; of those 5% hot 0.9, 20% warm 0.2, 75% cold 0.03
  influential citations: 0.02 for every paper with citations
  plus 1% new papers a month (their first point), as a growing catalog has.

The year is written in one pass with the history's own line format (nightly append_counts
calls re-read the growing history each night: hours on a loaded machine); a check run first
shows that real nightly appends leave the same bytes (433 papers, 45 nights). One more night
is then appended by the real append_counts, and timed.

Results: benchmarks/RESULTS-render.json and the "Render" section of benchmarks/RESULTS.md
(between its render-bench markers; the rest of that file is benchmarks/run.py's).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from google.protobuf import text_format

from benchmarks.catalog_gen import generate_world
from enrich import catalog as catalog_io
from enrich.history import HEADER, Counts, append_counts, compact, counts_of
from enrich.history import _line as history_line
from enrich.ids import github_repo_from_url
from enrich.render import RenderOptions, render
from enrich.schema import paper_pb2

HERE = Path(__file__).resolve().parent
RESULTS_JSON = HERE / "RESULTS-render.json"
RESULTS_MD = HERE / "RESULTS.md"
START, END = "<!-- render-bench:start -->", "<!-- render-bench:end -->"
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
FIRST_DAY = date(2025, 12, 1)


def enriched_catalog(n: int, root: Path) -> dict[str, paper_pb2.PaperInfo]:
    """Write catalog N with every entry enriched from its World; returns key -> entry."""
    generated = generate_world(n)
    world = generated.world
    repos = {}
    for repo in world.repos:
        for name in [repo.full_name, *repo.old_names]:
            repos[name.lower()] = repo
    entries = {}
    paths = [path for path in generated.files if not path.startswith("search/")]
    for path, paper in zip(paths, world.papers):
        info = text_format.Parse(generated.files[path].decode("utf-8"), paper_pb2.PaperInfo())
        if info.paper.abbr == "abbr":
            info.paper.abbr = info.paper.title.split(":")[0] if ":" in info.paper.title else ""
        if all(a.startswith("Name") for a in info.paper.authors):
            del info.paper.authors[:]
            info.paper.authors.extend(paper.authors)
        e = info.enrichment
        e.abstract = paper.abstract
        if paper.arxiv_id:
            e.arxiv_id = paper.arxiv_id
        if paper.openreview_id:
            e.openreview_id = paper.openreview_id
        e.semantic_scholar_id = paper.s2_id or ""
        if paper.doi:
            e.doi = paper.doi
        e.citation_count, e.influential_citation_count = (
            paper.citation_count,
            paper.influential_citation_count,
        )
        e.citation_count_changed = e.influential_citation_count_changed = FIRST_DAY.isoformat()
        if paper.tldr:
            e.tldr = paper.tldr
        name = github_repo_from_url(info.code.url) if info.code.url else None
        repo = repos.get(name.lower()) if name else None
        if repo is not None:
            e.repo.url = f"https://github.com/{repo.full_name}"
            e.repo.stars, e.repo.forks, e.repo.pushed_at = repo.stars, repo.forks, repo.pushed_at
            e.repo.archived = repo.archived
            if repo.license:
                e.repo.license = repo.license
            e.repo.stars_changed = e.repo.forks_changed = FIRST_DAY.isoformat()
        entries[path[: -len(".prototxt")]] = info
        target = root / "meta" / path
        target.parent.mkdir(parents=True, exist_ok=True)
    for path in generated.files:
        (root / "meta" / path).parent.mkdir(parents=True, exist_ok=True)
    for key, info in entries.items():
        (root / "meta" / f"{key}.prototxt").write_text(
            text_format.MessageToString(info, as_utf8=True), encoding="utf-8"
        )
    (root / "meta" / "search").mkdir(exist_ok=True)
    (root / "meta" / "search" / "search_words.prototxt").write_bytes(
        generated.files["search/search_words.prototxt"]
    )
    return entries


def churn(entries: dict[str, paper_pb2.PaperInfo], days: int, seed: int = 7):
    """Per simulated night: (day, {key: Counts} of every paper in the catalog that night),
    with the churn in the module docstring. Leaves the entries holding the last night's counts."""
    rng = random.Random(seed)
    keys = sorted(entries)
    start_count = int(len(keys) * (1 - 0.01 * days / 30)) if days >= 30 else len(keys)
    active, waiting = set(keys[:start_count]), keys[start_count:]
    per_night_new = max(1, len(waiting) // max(1, days)) if waiting else 0
    tier = {}
    for key in keys:
        roll, roll2 = rng.random(), rng.random()
        tier[key] = (
            0.9 if roll < 0.05 else 0.15 if roll < 0.25 else 0.03,
            0.9 if roll2 < 0.05 else 0.2 if roll2 < 0.25 else 0.03,
        )
    counts = {}
    for key in keys:
        e = entries[key].enrichment
        counts[key] = [
            e.citation_count,
            e.influential_citation_count,
            e.repo.stars if e.HasField("repo") else None,
        ]
    for night in range(days):
        day = (FIRST_DAY + timedelta(days=night)).isoformat()
        active.update(waiting[:per_night_new])
        waiting = waiting[per_night_new:]
        for key in sorted(active):
            cit, star = tier[key]
            c = counts[key]
            if rng.random() < cit:
                c[0] += 1 + int(rng.expovariate(1 / (3 if cit > 0.5 else 1)))
            if rng.random() < 0.02:
                c[1] += 1
            if c[2] is not None and rng.random() < star:
                c[2] += 1 + int(rng.expovariate(1 / (5 if star > 0.5 else 1)))
        yield day, {key: Counts(*counts[key]) for key in active}
    last_day = (FIRST_DAY + timedelta(days=days - 1)).isoformat()
    for key, (citations, influential, stars) in counts.items():
        e = entries[key].enrichment
        e.citation_count, e.influential_citation_count, e.citation_count_changed = (
            citations,
            influential,
            last_day,
        )
        if stars is not None:
            e.repo.stars = stars


def write_year_directly(nights, folder: Path) -> None:
    """The files nightly append_counts calls would leave (one line per changed paper per night,
    sorted; finished months gzipped), written in one pass: calling append_counts 365 times
    re-reads the growing history each night, which takes hours on a loaded 2-core machine.
    `check_equivalence` shows the bytes are the same."""
    folder.mkdir(parents=True, exist_ok=True)
    latest: dict[str, Counts] = {}
    months: dict[str, list[str]] = {}
    last_month = ""
    for day, seen in nights:
        lines = []
        for key, counts in seen.items():
            if counts.known() and latest.get(key) != counts:
                latest[key] = counts
                lines.append(history_line(day, key, counts))
        if lines:
            months.setdefault(day[:7], []).append("".join(sorted(lines)))
            last_month = day[:7]
    for month, chunks in months.items():
        (folder / f"counts-{month}.tsv").write_text(HEADER + "".join(chunks), encoding="utf-8")
    compact(folder, last_month)


def check_equivalence(n: int = 433, days: int = 45) -> bool:
    """Real nightly append_counts and write_year_directly leave byte-identical files."""
    with tempfile.TemporaryDirectory() as work:
        results = []
        for label in ("real", "direct"):
            entries = enriched_catalog(n, Path(work) / label)
            folder = Path(work) / label / "history"
            if label == "real":
                for day, seen in churn(entries, days):
                    append_counts(folder, day, seen)
            else:
                write_year_directly(churn(entries, days), folder)
            results.append({p.name: p.read_bytes() for p in folder.glob("counts-*")})
        return results[0] == results[1]


def simulate_history(entries: dict[str, paper_pb2.PaperInfo], folder: Path, days: int) -> dict:
    """A year of nights written directly, then one more night by the real append_counts (timed)."""
    write_year_directly(churn(entries, days), folder)
    files = sorted(folder.glob("counts-*"))
    size = {
        "days": days,
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "disk_bytes": sum(p.stat().st_blocks * 512 for p in files),
    }
    size["lines"], size["plain_bytes_if_uncompressed"] = count_lines(folder)
    next_day = (FIRST_DAY + timedelta(days=days)).isoformat()
    rng = random.Random(days)
    seen = {key: counts_of(info) for key, info in entries.items()}
    for key in rng.sample(sorted(seen), len(seen) // 7):  # one more night, about a seventh changed
        c = seen[key]
        seen[key] = Counts((c.citations or 0) + 1, c.influential_citations, c.stars)
    started = time.perf_counter()
    append_counts(folder, next_day, seen)
    size["next_night_append_s"] = round(time.perf_counter() - started, 2)
    return size


def count_lines(folder: Path) -> tuple[int, int]:
    import gzip

    lines = size = 0
    for path in folder.glob("counts-*"):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        lines += data.count(b"\n") - 1
        size += len(data)
    return lines, size


def bench_size(n: int, days: int, work: Path) -> dict:
    root = work / str(n)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    entries = enriched_catalog(n, root)
    history = root / "history"
    started = time.perf_counter()
    simulated = simulate_history(entries, history, days)
    simulated["simulate_s"] = round(time.perf_counter() - started, 1)
    for key, info in entries.items():
        (root / "meta" / f"{key}.prototxt").write_text(
            text_format.MessageToString(info, as_utf8=True), encoding="utf-8"
        )
    (root / "README.md").write_text(
        "# Catalog\n\n<!-- papers:start -->\n<!-- papers:end -->\n", encoding="utf-8"
    )
    options = RenderOptions(
        root / "meta", root / "README.md", root / "lists", root / "site", history
    )
    timings = {}
    for label in ("first", "again"):
        started = time.perf_counter()
        result = render(options)
        timings[label] = {
            "seconds": round(time.perf_counter() - started, 2),
            "written": len(result.written),
        }
    # The nightly case: right after an enrich run, whose parse cache holds every entry.
    catalog_io.read_catalog(root / "meta", cache_dir=root / "cache")
    started = time.perf_counter()
    result = render(
        RenderOptions(
            root / "meta",
            root / "README.md",
            root / "lists",
            root / "site",
            history,
            cache_dir=root / "cache",
        )
    )
    timings["parse_cache"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "written": len(result.written),
    }
    sizes = {
        str(path.relative_to(root)): path.stat().st_size for path in sorted(root.glob("README.md"))
    }
    sizes.update(
        {str(p.relative_to(root)): p.stat().st_size for p in sorted((root / "lists").iterdir())}
    )
    sizes.update(
        {str(p.relative_to(root)): p.stat().st_size for p in sorted((root / "site").iterdir())}
    )
    return {
        "papers": n,
        "render": timings,
        "sizes": sizes,
        "history": simulated,
        "site": str(root / "site"),
    }


def bench_page(site: Path, keystrokes: str = "quantization") -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        # Main-thread CPU time (DevTools' threadTicks time domain) beside wall time: on a loaded
        # machine wall time mostly measures waiting for a core.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})

        def cpu_seconds() -> float:
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            return float(metrics["TaskDuration"])

        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        loads, load_cpu = [], []
        for _ in range(3):
            page.goto("about:blank")
            before = cpu_seconds()
            page.goto((site / "index.html").as_uri())
            page.wait_for_function("window.catalogPage && window.catalogPage.ready", timeout=60000)
            load_cpu.append((cpu_seconds() - before) * 1000)
            # navigation start -> the first rows drawn (papers.js parsed, indexes built, rows in the DOM)
            page.wait_for_function("window.catalogPage.complete", timeout=60000)
            loads.append(
                page.evaluate(
                    "[performance.getEntriesByName('catalog-ready')[0].startTime, "
                    "performance.getEntriesByName('catalog-complete')[0].startTime]"
                )
            )
            page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        filter_ms, filter_cpu = [], []
        for length in range(1, len(keystrokes) + 1):
            before = cpu_seconds()
            # one keystroke: the input event, the filter over every paper, the rows drawn, two frames
            filter_ms.append(
                page.evaluate(
                    """async (text) => {
                    const input = document.getElementById('q');
                    const t0 = performance.now();
                    input.value = text;
                    input.dispatchEvent(new Event('input', {bubbles: true}));
                    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                    return performance.now() - t0;
                }""",
                    keystrokes[:length],
                )
            )
            filter_cpu.append((cpu_seconds() - before) * 1000)
        typed = page.evaluate("document.getElementById('summary').textContent")
        sort_ms = page.evaluate(
            """async () => {
                const t0 = performance.now();
                document.querySelector('th[data-key="stars"] button').click();
                await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                return performance.now() - t0;
            }"""
        )
        rows_in_dom = page.evaluate("document.querySelectorAll('#rows tr.paper').length")
        browser.close()
    return {
        "first_render_ms": [round(v[0]) for v in loads],
        "abstracts_searchable_ms": [round(v[1]) for v in loads],
        "first_render_cpu_ms": [round(v) for v in load_cpu],
        "filter_keystroke_cpu_ms": [round(v, 1) for v in filter_cpu],
        "filter_cpu_median_ms": round(statistics.median(filter_cpu), 1),
        "filter_keystroke_ms": [round(v, 1) for v in filter_ms],
        "filter_median_ms": round(statistics.median(filter_ms), 1),
        "filter_max_ms": round(max(filter_ms), 1),
        "sort_by_stars_ms": round(sort_ms, 1),
        "rows_in_dom": rows_in_dom,
        "after_typing": typed,
        "console_errors": errors,
    }


def report(results: dict) -> str:
    out = [
        START,
        "## Render (`python -m benchmarks.render_bench`)",
        "",
        f"Measured {results['when']} on {results['machine']}; load average before: {results['load_before']}, "
        f"after: {results['load_after']} (2 cores shared with other work: timings are noisy).",
        "",
        "| papers | render (first) | render (nothing changed) | render after an enrich run (parse cache) | README.md | lists (all 5) | author.md | papers.json | papers.js (+ abstracts.js) | history on disk (1 year) | history lines | a night's append after a year |",  # noqa: E501
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in results["sizes"]:
        s = size["sizes"]
        lists = sum(v for k, v in s.items() if k.startswith("lists/"))
        h = size["history"]
        out.append(
            f"| {size['papers']:,} | {size['render']['first']['seconds']} s | {size['render']['again']['seconds']} s "
            f"| {size['render']['parse_cache']['seconds']} s "
            f"| {_mb(s['README.md'])} | {_mb(lists)} | {_mb(s['lists/author.md'])} | {_mb(s['site/papers.json'])} "
            f"| {_mb(s['site/papers.js'])} (+ {_mb(s['site/abstracts.js'])}) | {_mb(h['disk_bytes'])} ({h['files']} files) "
            f"| {h['lines']:,} | {h['next_night_append_s']} s |"
        )
    if results.get("note"):
        out += ["", f"Note: {results['note']}."]
    page = results.get("page")
    if page:
        out += [
            "",
            f"**Page at {results['page_papers']:,} papers** (headless Chromium, file://, 1280×800): first render "
            f"(navigation start → rows drawn) {', '.join(str(v) for v in page['first_render_ms'])} ms in three loads "
            f"(abstracts loaded and searchable at {', '.join(str(v) for v in page['abstracts_searchable_ms'])} ms); "
            f"a keystroke's filter (input → filtered rows drawn, two frames) median {page['filter_median_ms']} ms, "
            f"max {page['filter_max_ms']} ms over typing “quantization”; sort by stars {page['sort_by_stars_ms']} ms; "
            f"{page['rows_in_dom']} rows in the DOM; console errors: {len(page['console_errors'])}. "
            + (
                f"Main-thread CPU time (DevTools threadTicks, what an idle core would take): first render "
                f"{', '.join(str(v) for v in page['first_render_cpu_ms'])} ms, a keystroke's filter median "
                f"{page['filter_cpu_median_ms']} ms (max {max(page['filter_keystroke_cpu_ms'])} ms). "
                if "first_render_cpu_ms" in page
                else ""
            )
            + "Targets: first render < 1 s, filter < 100 ms.",
        ]
    out += [
        "",
        "History: churn as in `benchmarks/render_bench.py`'s docstring; the year written in one pass with the "
        f"history's line format (same bytes as nightly `append_counts` calls: {results['same_bytes_as_nightly_appends']}), "
        "then one more night by the real `append_counts` (timed); finished months are gzipped (the plain text would be "
        + ", ".join(
            f"{_mb(s['history']['plain_bytes_if_uncompressed'])} at {s['papers']:,}"
            for s in results["sizes"]
        )
        + "). Target at 20,000 papers after a year: < 20 MB on disk.",
        END,
    ]
    return "\n".join(out) + "\n"


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def write_report(results: dict) -> None:
    section = report(results)
    text = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else ""
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS_MD.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.render_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", default="433,5000,20000")
    parser.add_argument(
        "--days", type=int, default=365, help="simulated nights of history (default 365)"
    )
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the generated catalogs (printed)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="render-bench-"))
    results = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_before": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        "sizes": [],
    }
    try:
        results["same_bytes_as_nightly_appends"] = check_equivalence()
        print(
            "direct year == nightly appends:", results["same_bytes_as_nightly_appends"], flush=True
        )
        for n in (int(v) for v in args.sizes.split(",")):
            print(f"{n} papers: generating, simulating {args.days} nights, rendering", flush=True)
            size = bench_size(n, args.days, work)
            results["sizes"].append(size)
            print(json.dumps({k: v for k, v in size.items() if k != "sizes"}), flush=True)
        if not args.no_browser and results["sizes"]:
            biggest = results["sizes"][-1]
            results["page_papers"] = biggest["papers"]
            results["page"] = bench_page(Path(biggest["site"]))
            print(json.dumps(results["page"]), flush=True)
        results["load_after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
        RESULTS_JSON.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        write_report(results)
    finally:
        if args.keep:
            print(f"catalogs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
