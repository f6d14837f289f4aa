"""The enrich run records counts and CHANGES.md beside the catalog (end to end against the
doubles), and not on --dry-run or --offline."""

from __future__ import annotations

from conftest import snapshot

from enrich.changelog import prepend, section
from enrich.history import read_history
from enrich.schema import paper_pb2


def test_run_appends_counts_and_a_changes_section_and_a_quiet_night_writes_nothing(
    api, catalog, run
):
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    history = catalog.parent / "history"
    series = read_history(history)
    today = series["sparsegpt"].citations[-1][0]
    assert today in outcome.days
    assert series["sparsegpt"].citations == ((today, 612),) and series["sparsegpt"].stars == (
        (today, 765),
    )
    assert "RPTQ" in series and len(series) == 26
    changes = (history / "CHANGES.md").read_text(encoding="utf-8")
    assert changes.startswith("# Catalog changes\n") and f"\n## {today} " in changes
    assert "**newly enriched** (26)" in changes and "[RPTQ](../meta/RPTQ.prototxt)" in changes
    assert f"history: {history / 'CHANGES.md'}" in outcome.out

    before = snapshot(history)  # a night with no change writes nothing
    assert run(catalog_dir=catalog).code == 0
    assert snapshot(history) == before


def test_dry_run_and_offline_record_no_history(api, catalog, run):
    run("--dry-run", catalog_dir=catalog)
    run("--offline", catalog_dir=catalog)
    assert not (catalog.parent / "history").exists()


def test_history_flag_chooses_the_folder(api, catalog, run, tmp_path):
    run("--history", str(tmp_path / "elsewhere"), catalog_dir=catalog)
    assert (tmp_path / "elsewhere" / "CHANGES.md").exists()
    assert not (catalog.parent / "history").exists()


def info(text: str) -> paper_pb2.PaperInfo:
    from google.protobuf import text_format

    return text_format.Parse(text, paper_pb2.PaperInfo())


def test_section_lists_gains_renames_dead_links_and_unmatched_papers():
    before = {
        "a": info(
            'paper { title: "A: x" abbr: "A" } enrichment { citation_count: 10 repo { url: "https://github.com/o/a" stars: 5 } }'
        ),
        "b": info(
            'paper { title: "B" authors: "Name1" } code { url: "https://github.com/o/b" } enrichment { repo { url: "https://github.com/o/b" stars: 1 } }'  # noqa: E501
        ),
        "c": info('paper { title: "C" }'),
    }
    after = {
        "a": info(
            'paper { title: "A: x" abbr: "A" } enrichment { citation_count: 15 repo { url: "https://github.com/n/a" stars: 9 } }'
        ),
        "b": info(
            'paper { title: "B" authors: "Real Person" } code { url: "https://github.com/o/b" } enrichment { repo { url: "https://github.com/o/b" stars: 1 not_found: true } }'  # noqa: E501
        ),
        "c": info('paper { title: "C" } enrichment { abstract: "x" }'),
    }
    text = section(
        "2026-11-26 03:00 UTC",
        before,
        after,
        ["a", "b", "c"],
        {"c": "semantic_scholar: no confident match (candidate: 'D')"},
        "../meta",
    )
    assert text.splitlines() == [
        "## 2026-11-26 03:00 UTC",
        "",
        "3 entries changed.",
        "",
        "- **newly enriched** (1): [C](../meta/c.prototxt)",
        "- **authors filled** (1): [B](../meta/b.prototxt)",
        "- **biggest citation gains**: [A](../meta/a.prototxt) +5 (10 → 15)",
        "- **biggest star gains**: [A](../meta/a.prototxt) +4 (5 → 9)",
        "- **repositories renamed** (1): [A](../meta/a.prototxt) https://github.com/o/a → https://github.com/n/a",
        "- **repositories dead** (1): [B](../meta/b.prototxt) (https://github.com/o/b)",
        "- **without a confident match** (1): [C](../meta/c.prototxt) (no confident match (candidate: 'D'))",
    ]


def test_nothing_changed_is_no_section():
    assert section("2026-11-26 03:00 UTC", {}, {}, [], {}, "../meta") == ""


def test_sections_are_newest_first(tmp_path):
    prepend(tmp_path, "## 2026-11-25 03:00 UTC\n\nold\n")
    prepend(tmp_path, "## 2026-11-26 03:00 UTC\n\nnew\n")
    text = (tmp_path / "CHANGES.md").read_text(encoding="utf-8")
    assert text.index("2026-11-26") < text.index("2026-11-25")
    assert text.startswith("# Catalog changes\n")


def test_an_unwritable_history_folder_is_named_and_the_catalog_still_enriched(
    api, catalog, run, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the history folder should be", encoding="utf-8")
    outcome = run("--history", str(blocker), catalog_dir=catalog)
    assert outcome.code == 1
    assert f"{blocker}: history not recorded" in outcome.out
    assert "Traceback" not in outcome.out and "FileExistsError" not in outcome.err
    assert b"enrichment {" in (catalog / "sparsegpt.prototxt").read_bytes()


def test_the_run_report_artifact_ends_with_the_changes_section():
    from enrich.report import Report

    markdown = Report(changelog="## 2026-11-26 03:00 UTC\n\n1 entries changed.\n").markdown()
    assert markdown.endswith("## Change log, 2026-11-26 03:00 UTC\n\n1 entries changed.\n")


def test_section_lists_what_discovery_suggests_for_changed_entries():
    before = {"a": info('paper { title: "A" }'), "b": info('paper { title: "B" }')}
    after = {
        "a": info('paper { title: "A" } enrichment { venue: "ICLR 2023" }'),
        "b": info('paper { title: "B" }'),
    }
    suggested = {
        "a": ["venue: pub ICLR 2023 (semantic_scholar, openalex agree; --apply-venues applies it)"],
        "b": ["code candidate, not confirmed by GitHub: https://github.com/o/b"],
    }
    text = section("2026-11-26 03:00 UTC", before, after, ["a"], {}, "../meta", suggested)
    assert text.splitlines()[-1] == (
        "- **suggestions** (1): [A](../meta/a.prototxt) venue: pub ICLR 2023 "
        "(semantic\\_scholar, openalex agree; --apply-venues applies it)"
    )
