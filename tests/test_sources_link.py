"""arXiv and OpenReview through the command: url forms, versions, API 1 vs 2, login, wrong links."""

from __future__ import annotations

from conftest import point_at
from doubles import Fault
from doubles.fixtures import start_doubles
from doubles.world import Paper, World

from enrich import catalog as catalog_io
from enrich.schema import paper_pb2


def write_entry(folder, name, title, url, year=2023):
    info = paper_pb2.PaperInfo()
    info.paper.title, info.paper.abbr, info.paper.url = title, "abbr", url
    info.paper.authors.extend(["Name1", "Name2"])
    info.pub.where, info.pub.year = "arXiv", year
    path = folder / f"{name}.prototxt"
    path.write_bytes(catalog_io.render(info))
    return path


def read(path) -> paper_pb2.PaperInfo:
    return catalog_io.parse_entry(str(path), path.read_bytes()).info


URL_FORMS = [
    "https://arxiv.org/abs/2306.11987",
    "https://arxiv.org/abs/2306.11987v2",
    "http://arxiv.org/pdf/2306.11987.pdf",
    "https://arxiv.org/pdf/2306.11987v1.pdf",
    "https://arxiv.org/abs//2306.11987",
    "https://arxiv.org/pdf/2306.11987v2",
]


def test_every_arxiv_url_form_is_enriched_in_one_batch(monkeypatch, tmp_path, run):
    world = World(
        papers=[
            Paper(
                "Training Transformers with 4-bit Integers",
                "Abstract text.",
                ["Haocheng Xi"],
                arxiv_id="2306.11987",
                arxiv_version=2,
            ),
            Paper(
                "An Old-Style Paper",
                "Old abstract.",
                ["A. Author"],
                arxiv_id="cs/0601001",
                year=2006,
            ),
        ]
    )
    root = tmp_path / "meta"
    root.mkdir()
    paths = [
        write_entry(root, f"e{i}", "Training Transformers with 4-bit Integers", url)
        for i, url in enumerate(URL_FORMS)
    ]
    paths.append(
        write_entry(root, "old", "An Old-Style Paper", "https://arxiv.org/abs/cs/0601001", 2006)
    )
    with start_doubles(world) as doubles:
        point_at(doubles, monkeypatch)
        outcome = run("--sources", "arxiv", catalog_dir=root)
        assert outcome.code == 0, outcome.out
        (request,) = doubles.arxiv.requests
        assert (
            request.param("id_list") == "2306.11987,cs/0601001"
        )  # versions stripped, deduplicated
        assert int(request.param("max_results")) >= 2
    for path in paths:
        info = read(path)
        assert info.enrichment.arxiv_id in ("2306.11987", "cs/0601001")
        assert info.enrichment.abstract in ("Abstract text.", "Old abstract.")
    assert "duplicate arxiv:2306.11987" in outcome.out


def test_unknown_arxiv_id_is_not_found_not_an_error(monkeypatch, tmp_path, run):
    root = tmp_path / "meta"
    root.mkdir()
    path = write_entry(root, "ghost", "A Paper arXiv Never Had", "https://arxiv.org/abs/2399.99999")
    before = path.read_bytes()
    with start_doubles(World()) as doubles:
        point_at(doubles, monkeypatch)
        outcome = run("--sources", "arxiv", catalog_dir=root)
    assert outcome.code == 0
    assert "not found: 1" in outcome.out
    assert (
        b"enrichment" not in path.read_bytes() and path.read_bytes() != before
    )  # only abbr placeholder


def test_typo_in_arxiv_id_never_pulls_in_another_papers_abstract(monkeypatch, tmp_path, run):
    world = World(
        papers=[
            Paper(
                "Frequency of Hot Jupiters and Very Hot Jupiters",
                "Planets.",
                ["Astro Nomer"],
                arxiv_id="2304.01098",
            )
        ]
    )
    root = tmp_path / "meta"
    root.mkdir()
    path = write_entry(
        root,
        "rptq",
        "RPTQ: Reorder-based Post-training Quantization for Large Language Models",
        "https://arxiv.org/abs/2304.01098",
    )
    with start_doubles(world) as doubles:
        point_at(doubles, monkeypatch)
        outcome = run("--sources", "arxiv,semantic_scholar", catalog_dir=root)
    assert outcome.code == 1
    info = read(path)
    assert not info.enrichment.abstract and list(info.paper.authors) == ["Name1", "Name2"]
    assert (
        "link points to a different paper?" in outcome.out
        and "Frequency of Hot Jupiters" in outcome.out
    )


def test_openreview_api2_then_api1(monkeypatch, tmp_path, run):
    world = World(
        papers=[
            Paper(
                "A New Paper on API Two",
                "Two.",
                ["B. Two"],
                openreview_id="NewPaper22",
                openreview_api=2,
                venue="ICLR 2024 poster",
            ),
            Paper(
                "An Older Paper on API One",
                "One.",
                ["A. One"],
                openreview_id="OldPaper11",
                openreview_api=1,
                venue="ICLR 2023 poster",
            ),
        ]
    )
    root = tmp_path / "meta"
    root.mkdir()
    new = write_entry(
        root, "new", "A New Paper on API Two", "https://openreview.net/forum?id=NewPaper22"
    )
    old = write_entry(
        root, "old", "An Older Paper on API One", "https://openreview.net/pdf?id=OldPaper11"
    )
    with start_doubles(world) as doubles:
        point_at(doubles, monkeypatch)
        outcome = run("--sources", "openreview", catalog_dir=root)
        assert doubles.openreview.count("GET", "/notes") == 1  # one batched ids= request
        assert doubles.openreview_v1.count("GET", "/notes") == 1  # only the note API 2 lacks
    assert outcome.code == 0, outcome.out
    assert read(new).enrichment.venue == "ICLR 2024 poster" and list(read(new).paper.authors) == [
        "B. Two"
    ]
    assert (
        read(old).enrichment.abstract == "One."
        and read(old).enrichment.openreview_id == "OldPaper11"
    )


def test_openreview_challenge_is_unavailable_not_not_found_and_names_what_to_set(
    monkeypatch, catalog, run, world
):
    before = (catalog / "22C0A4RH.prototxt").read_bytes()
    with start_doubles(world, openreview={"require_login": True}) as doubles:
        point_at(doubles, monkeypatch)
        outcome = run("--sources", "openreview", catalog_dir=catalog)
    assert outcome.code == 1
    assert "OPENREVIEW_USERNAME" in outcome.out and "not found: 0" in outcome.out
    assert b"enrichment" not in (catalog / "22C0A4RH.prototxt").read_bytes()
    assert (
        catalog / "22C0A4RH.prototxt"
    ).read_bytes() != before  # abbr placeholder filled regardless


def test_openreview_login_sends_bearer_token(catalog, run, world, monkeypatch):
    with start_doubles(world, openreview={"require_login": True}) as doubles:
        point_at(doubles, monkeypatch)
        monkeypatch.setenv("OPENREVIEW_USERNAME", "alice")
        monkeypatch.setenv("OPENREVIEW_PASSWORD", "secret")
        outcome = run("--sources", "openreview", catalog_dir=catalog)
        assert doubles.openreview.count("POST", "/login") == 1
        notes = [r for r in doubles.openreview_v1.requests if r.path == "/notes"]
        assert notes and all(
            r.headers.get("authorization", "").startswith("Bearer ") for r in notes
        )
    assert outcome.code == 0, outcome.out
    assert b'openreview_id: "mhnHqRqcjYU"' in (catalog / "22C0A4RH.prototxt").read_bytes()
    assert "secret" not in outcome.out


def test_html_instead_of_a_feed_is_never_read_as_not_found(monkeypatch, catalog, run, world):
    with start_doubles(world) as doubles:
        point_at(doubles, monkeypatch)
        doubles.arxiv.inject(Fault.html(), times=50)
        outcome = run("--sources", "arxiv", catalog_dir=catalog)
    assert outcome.code == 1
    assert "not found: 0" in outcome.out and "failed: 2" in outcome.out
    assert (
        "arxiv: no usable answer after 6 tries" in outcome.out
        and "(answer is not a complete Atom feed)" in outcome.out
    )
