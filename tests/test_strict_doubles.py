"""The doubles are as strict as the real APIs where leniency would hide a bug, each shown here."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import requests
from conftest import make_catalog, point_at, read, seed_copy, snapshot
from doubles import ArxivDouble, OpenReviewDouble, Paper, World, seed_world
from doubles.fixtures import start_doubles

BATCH_PATH = "/graph/v1/paper/batch"
SAMPLES = Path(__file__).resolve().parent / "data" / "api-samples"


def test_arxiv_fails_the_whole_id_list_for_one_id_with_full_width_digits():
    with ArxivDouble(seed_world()) as arxiv:
        answer = requests.get(
            f"{arxiv.url}/api/query",
            params={"id_list": "2301.00774,２３０４.０１０８９", "max_results": 10},
        )
    assert answer.status_code == 400 and "incorrect id format" in answer.text


def test_one_line_and_wrapped_arxiv_summaries_give_the_same_catalog(api_with, run, tmp_path):
    """arXiv has printed summaries wrapped at ~80 columns and, lately, on one line."""
    written = []
    for wrapped in (True, False):
        api_with(arxiv={"wrap_summaries": wrapped})
        folder = seed_copy(tmp_path / f"meta-{wrapped}")
        outcome = run(
            "--sources", "arxiv", catalog_dir=folder, cache_dir=tmp_path / f"cache-{wrapped}"
        )
        assert outcome.code == 0, outcome.out
        written.append(snapshot(folder))
    assert written[0] == written[1]
    assert b"abstract: " in written[0]["sparsegpt.prototxt"]


# -- Semantic Scholar ------------------------------------------------------------------------------

S2_ONLY = ("--sources", "semantic_scholar")
MATCH_PATH = "/graph/v1/paper/search/match"
PLACEHOLDERS = ("Name1", "Name2")


def s2_entry(title: str, url: str = "", year: int | None = 2023) -> str:
    """A curated entry as a curator writes it: template author placeholders, maybe a link."""
    lines = ["paper {", f'  title: "{title}"']
    lines += [f'  url: "{url}"'] if url else []
    lines += [f'  authors: "{name}"' for name in PLACEHOLDERS]
    lines += ["}", "pub {", '  where: "arXiv"']
    lines += [f"  year: {year}"] if year else []
    return "\n".join([*lines, "}"]) + "\n"


def s2_paper(title: str, hex_digit: str, **values) -> Paper:
    return Paper(
        title=title,
        abstract=f"About {title.lower()}.",
        authors=["Lena Hartmann", "Tomas Okafor"],
        year=2023,
        s2_id=hex_digit * 40,
        citation_count=40 + int(hex_digit, 16),
        influential_citation_count=3,
        **values,
    )


MIXTURES = s2_paper("Sparse Mixtures Prune Themselves", "a")
FOUR_BITS = s2_paper("Four Bits Are Enough for Attention", "b")
TICKETS = s2_paper("Lottery Tickets in Sparse Mixture Models", "c")


def run_s2(world: World, files: dict[str, str], tmp_path, monkeypatch, run, **options):
    """Run the command (Semantic Scholar only) on a new catalog of `files`; the outcome, the
    catalog folder and the double (stopped, its log kept)."""
    folder = make_catalog(tmp_path, files)
    with start_doubles(world, semanticscholar=options) as doubles:
        point_at(doubles, monkeypatch)
        outcome = run(*S2_ONLY, catalog_dir=folder, cache_dir=tmp_path / "cache")
        assert doubles.errors() == []
    return outcome, folder, doubles.semanticscholar


def test_s2_title_match_guess_of_another_paper_writes_nothing_while_right_titles_match(
    tmp_path, monkeypatch, run
):
    """The real /paper/search/match answers its best guess, not a 404, for a title it lacks:
    nothing is taken from the guess; a right title re-cased, re-punctuated, with LaTeX or a
    final period still matches."""
    world = World(papers=[MIXTURES, FOUR_BITS, TICKETS])
    wrong = {
        "experts": "Sparse Mixtures of Dense Experts",
        "bits": "Eight Bits Are Not Enough for Convolutions",
    }
    right = {
        "mixtures": ("sparse mixtures prune themselves.", MIXTURES),
        "four": ("Four-Bits are Enough for Attention!", FOUR_BITS),
        "tickets": ("Lottery Tickets in \\\\emph{Sparse} Mixture Models", TICKETS),
    }
    files = {name: s2_entry(title) for name, title in wrong.items()}
    files |= {name: s2_entry(title) for name, (title, _) in right.items()}
    outcome, folder, s2 = run_s2(world, files, tmp_path, monkeypatch, run)
    assert outcome.code == 0, outcome.out
    assert s2.count("GET", MATCH_PATH) == len(files)
    for name, title in wrong.items():
        guess, _ = s2.best_match(title)
        assert guess is not None  # the double answered another paper, as the real API does
        assert (folder / f"{name}.prototxt").read_text(encoding="utf-8") == files[name]
        assert f"no confident match (candidate: {guess.title!r}" in outcome.out
    for name, (_, paper) in right.items():
        info = read(folder / f"{name}.prototxt")
        assert info.enrichment.semantic_scholar_id == paper.s2_id
        assert info.enrichment.citation_count == paper.citation_count
        assert list(info.paper.authors) == paper.authors
    assert outcome.out.count("no confident match") == len(wrong)


def test_s2_null_year_and_date_and_empty_authors_stay_unknown(tmp_path, monkeypatch, run):
    """Real answers carry `year: null`, `publicationDate: null` and `authors: []`: the paper is
    still found (an unknown year rejects no match), its counts are written, and no year 0 or
    empty author list replaces what the curator has."""
    undated = s2_paper(
        "Quiet Gradients Need No Dates",
        "d",
        arxiv_id="2309.44444",
        s2_dated=False,
        s2_authors_listed=False,
    )
    anonymous = s2_paper("Pruning Without Authors", "e", s2_dated=False, s2_authors_listed=False)
    files = {
        "undated": s2_entry(undated.title, "https://arxiv.org/abs/2309.44444"),
        "anonymous": s2_entry(anonymous.title),  # matched by title, the curator's year 2023
        "yearless": s2_entry(anonymous.title, year=None),  # no year on either side
    }
    outcome, folder, s2 = run_s2(
        World(papers=[undated, anonymous]), files, tmp_path, monkeypatch, run
    )
    assert outcome.code == 0, outcome.out
    assert s2.count("GET", MATCH_PATH) >= 1
    for name, paper in (("undated", undated), ("anonymous", anonymous), ("yearless", anonymous)):
        text = (folder / f"{name}.prototxt").read_text(encoding="utf-8")
        info = read(folder / f"{name}.prototxt")
        assert info.enrichment.semantic_scholar_id == paper.s2_id, outcome.out
        assert info.enrichment.citation_count == paper.citation_count
        assert list(info.paper.authors) == list(PLACEHOLDERS)
        assert info.pub.year == (0 if name == "yearless" else 2023)
        assert "year: 0" not in text and ("year:" in text) == (name != "yearless")
    assert "no confident match" not in outcome.out


def test_s2_unprompted_429s_under_load_are_paced_and_retried_until_every_paper_is_in(
    tmp_path, monkeypatch, run
):
    """The real API answers 429 (no Retry-After) to requests faster than its rate; here the
    shared pool's rate is stricter than the command's pace, so 429s come unprompted. Every
    paper still ends as in a run with no limit, and each 429 is one retry in the report."""
    papers = [
        s2_paper(f"Pruned Network Number {n} Keeps Its Accuracy", digit, arxiv_id=f"2310.1000{n}")
        for n, digit in enumerate("123")
    ]
    papers += [
        s2_paper(f"Quantized Network Number {n} Keeps Its Speed", d)
        for n, d in (("4", "4"), ("5", "5"), ("6", "6"))
    ]
    files = {
        f"p{n}": s2_entry(p.title, f"https://arxiv.org/abs/{p.arxiv_id}" if p.arxiv_id else "")
        for n, p in enumerate(papers)
    }
    unlimited, free_folder, _ = run_s2(
        World(papers=list(papers)), files, tmp_path / "free", monkeypatch, run
    )
    assert unlimited.code == 0, unlimited.out
    # The command's pace is ~0.01 s at the tests' time scale, so nearly every request after a
    # served one comes too soon for 0.25 s; its backoff (0.02, 0.04, 0.08, 0.16 s ...) outlasts
    # that by the 5th of its 6 attempts.
    outcome, folder, s2 = run_s2(
        World(papers=list(papers)), files, tmp_path / "busy", monkeypatch, run, min_interval=0.25
    )
    assert outcome.code == 0, outcome.out
    assert snapshot(folder) == snapshot(free_folder)
    assert s2.throttled, "the double never answered 429: the test shows nothing"
    assert all(r.path in (BATCH_PATH, MATCH_PATH) for r in s2.throttled)
    retried = re.search(
        r"^  semantic_scholar: \d+ ids, \d+ requests, (\d+) retries", outcome.out, re.M
    )
    assert retried and int(retried.group(1)) == len(s2.throttled), outcome.out
    for n, paper in enumerate(papers):
        info = read(folder / f"p{n}.prototxt")
        assert info.enrichment.semantic_scholar_id == paper.s2_id
        assert info.enrichment.citation_count == paper.citation_count > 0


# -- OpenReview ------------------------------------------------------------------------------------

OR_ONLY = ("--sources", "openreview")


def or_paper(n: int, api: int, **values) -> Paper:
    return Paper(
        title=f"Structured Sparsity Study Number {n}",
        abstract=f"Study {n} prunes heads.",
        authors=[f"Ada Writer{n}", "Bo Second"],
        year=2024 if api == 2 else 2022,
        openreview_id=f"OrNote{n:04d}x",
        openreview_api=api,
        venue="ICLR 2024 poster" if api == 2 else "ICLR 2022 spotlight",
        **values,
    )


def or_entry(paper: Paper) -> str:
    lines = ["paper {", f'  title: "{paper.title}"']
    lines += [f'  url: "https://openreview.net/forum?id={paper.openreview_id}"']
    lines += [f'  authors: "{name}"' for name in PLACEHOLDERS]
    lines += ["}", "pub {", '  where: "ICLR"', f"  year: {paper.year}", "}"]
    return "\n".join(lines) + "\n"


def or_world(**unreadable: bool) -> World:
    """Five papers on API 2 (one batch), three on API 1 (one request each)."""
    return World(papers=[or_paper(n, 2 if n < 5 else 1) for n in range(8)])


def run_or(world: World, tmp_path, monkeypatch, run, env: dict[str, str] | None = None, **options):
    """Run the command (OpenReview only) on a catalog of the world's papers; the outcome, the
    catalog folder and the doubles (stopped, their logs kept)."""
    folder = make_catalog(tmp_path, {p.openreview_id: or_entry(p) for p in world.papers})
    with start_doubles(world, openreview=options) as doubles:
        point_at(doubles, monkeypatch)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        outcome = run(*OR_ONLY, catalog_dir=folder, cache_dir=tmp_path / "cache")
        assert doubles.errors() == []
    return outcome, folder, doubles


def or_retries(outcome) -> int:
    found = re.search(r"^  openreview: \d+ ids, \d+ requests, (\d+) retries", outcome.out, re.M)
    assert found, outcome.out
    return int(found.group(1))


@pytest.mark.parametrize(
    "mode",
    [{"challenge_every": 2}, {"challenge_rate": 0.4, "challenge_seed": 7}],
    ids=["every-2nd", "seeded-40%"],
)
def test_openreview_challenge_that_comes_and_goes_is_retried_and_nothing_is_lost(
    mode, tmp_path, monkeypatch, run
):
    """The real challenge is intermittent: the challenged requests are asked again and the
    catalog ends as after a run that met none."""
    clean, clean_folder, _ = run_or(or_world(), tmp_path / "clean", monkeypatch, run)
    assert clean.code == 0, clean.out
    outcome, folder, doubles = run_or(or_world(), tmp_path / "busy", monkeypatch, run, **mode)
    assert outcome.code == 0, outcome.out
    assert snapshot(folder) == snapshot(clean_folder)
    challenged = len(doubles.openreview.challenged) + len(doubles.openreview_v1.challenged)
    assert doubles.openreview.challenged or doubles.openreview_v1.challenged
    assert or_retries(outcome) == challenged
    assert "failed: 0" in outcome.out and "not found: 0" in outcome.out


@pytest.mark.parametrize("as_guest", [False, True], ids=["401-expired", "challenged-as-guest"])
def test_openreview_login_that_expires_mid_run_logs_in_again_once_and_continues(
    as_guest, tmp_path, monkeypatch, run
):
    """A token serves some answers, then the real API answers 401 TokenExpiredError
    (api-samples/openreview/401-TokenExpiredError-from-issue.txt), or treats the token as
    none and challenges: one new login, no paper lost."""
    login = {"OPENREVIEW_USERNAME": "alice", "OPENREVIEW_PASSWORD": "secret"}
    clean, clean_folder, _ = run_or(
        or_world(), tmp_path / "clean", monkeypatch, run, login, require_login=True
    )
    assert clean.code == 0, clean.out
    outcome, folder, doubles = run_or(
        or_world(),
        tmp_path / "expiring",
        monkeypatch,
        run,
        login,
        require_login=True,
        token_uses=2,
        expired_as_guest=as_guest,
    )
    assert outcome.code == 0, outcome.out
    assert snapshot(folder) == snapshot(clean_folder)
    v1 = doubles.openreview_v1
    # API 1 is asked three times: the third meets the expiry (with every retry, as a guest).
    assert len(v1.expired) == (6 if as_guest else 1)
    assert v1.count("POST", "/login") == 2 and doubles.openreview.count("POST", "/login") == 1
    assert "secret" not in outcome.out


def test_openreview_double_refuses_in_the_real_shapes(world):
    """The double's 401 for an expired token is the recorded body; its 403 for an unreadable
    note has the recorded ForbiddenError's keys."""
    recorded = json.loads((SAMPLES / "openreview/401-TokenExpiredError-from-issue.txt").read_text())
    forbidden_text = (SAMPLES / "openreview/403-ForbiddenError-from-code-comment.txt").read_text()
    forbidden = ast.literal_eval(forbidden_text.splitlines()[-1])
    paper = or_paper(1, 2, openreview_readable=False)
    with OpenReviewDouble(World(papers=[paper]), token_uses=0) as double:
        token = requests.post(f"{double.url}/login", json={"id": "alice", "password": "secret"})
        bearer = {"Authorization": f"Bearer {token.json()['token']}"}
        expired = requests.get(f"{double.url}/notes", params={"id": "x"}, headers=bearer)
        refused = requests.get(f"{double.url}/notes", params={"ids": f"a,{paper.openreview_id}"})
    assert expired.status_code == recorded["status"] == 401
    assert {**expired.json(), "details": {}} == {**recorded, "details": {}}
    assert set(expired.json()["details"]) == set(recorded["details"])
    assert refused.status_code == forbidden["status"] == 403
    assert refused.json().keys() == forbidden.keys()
    assert refused.json()["details"].keys() == forbidden["details"].keys()
    assert refused.json()["name"] == "ForbiddenError"


def test_openreview_note_this_account_may_not_read_fails_alone_and_once(tmp_path, monkeypatch, run):
    """The real API answers 403 ForbiddenError for a note the account may not read (and for a
    batch naming it): the other papers of the batch are written, that one is named on one
    line, never 'not found' (it is not asked of API 1), and its file is untouched."""
    world = or_world()
    hidden = world.papers[2]
    hidden.openreview_readable = False
    outcome, folder, doubles = run_or(world, tmp_path, monkeypatch, run)
    assert outcome.code == 1, outcome.out
    lines = [line for line in outcome.out.splitlines() if hidden.openreview_id in line]
    assert len(lines) == 1 and "ForbiddenError" in lines[0], outcome.out
    assert "not found: 0" in outcome.out and "failed: 1" in outcome.out
    assert (folder / f"{hidden.openreview_id}.prototxt").read_text(encoding="utf-8") == or_entry(
        hidden
    )
    for paper in world.papers:
        if paper is not hidden:
            info = read(folder / f"{paper.openreview_id}.prototxt")
            assert info.enrichment.venue == paper.venue, outcome.out
            assert list(info.paper.authors) == paper.authors
    asked_v1 = [r.param("id") for r in doubles.openreview_v1.requests if r.path == "/notes"]
    assert hidden.openreview_id not in asked_v1
