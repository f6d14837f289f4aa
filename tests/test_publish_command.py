"""End to end: `python -m flows.enrich --commit --push` on a catalog in a git checkout whose
remote is a bare repository on disk (or behind a loopback smart-HTTP server), against the API
doubles."""

from __future__ import annotations

import pytest

from conftest import seed_copy, snapshot
from doubles.git_http import GitHttpDouble
from enrich import publish
from git_fixtures import CURATOR, TOKEN, clone, curator_commit, git, log, no_git_identity  # noqa: F401
from test_command import expected_seed, one_of_expected_seeds


def status(checkout) -> str:
    """`git status` but for the history's lock file, which stays (filelock leaves it; this
    project's own .gitignore ignores it, a curator's repository may not)."""
    return git(
        checkout,
        "status",
        "--porcelain",
        "--untracked-files=all",
        "--",
        ".",
        ":!history/.history.lock",
    )


@pytest.fixture
def checkout(tmp_path):
    """(bare remote, curator's checkout, worker's checkout) of a repository holding the seed
    catalog in meta/; the worker has no git identity."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    curator = clone(bare, tmp_path / "curator", CURATOR)
    seed_copy(curator / "meta")
    curator_commit(curator, {"README.md": "# papers\n"}, "catalog")
    return bare, curator, clone(bare, tmp_path / "worker")


def test_commit_and_push_publish_exactly_what_the_run_wrote(api, run, checkout):
    bare, _, worker = checkout
    outcome = run("--commit", "--push", catalog_dir=worker / "meta")
    assert outcome.code == 0, outcome.out + outcome.err
    assert snapshot(worker / "meta") in one_of_expected_seeds(outcome)
    assert git(bare, "rev-parse", "main") == git(worker, "rev-parse", "HEAD")
    committed = git(worker, "show", "--format=", "--name-only", "HEAD").splitlines()
    history = sorted(
        f"history/{path.name}"
        for path in (worker / "history").iterdir()
        if not path.name.startswith(".")
    )
    assert committed == history + sorted(f"meta/{name}" for name in expected_seed(""))
    subject, _, body = git(worker, "log", "-1", "--format=%B").partition("\n\n")
    assert subject.startswith("enrich: 26 papers updated, ") and "added authors" in subject
    assert (
        body.strip()
        == (worker / "history" / "CHANGES.md")
        .read_text()
        .split("\n## ")[1]
        .join(["## ", ""])
        .strip()
    )
    assert log(worker)[0].startswith(f"{publish.DEFAULT_NAME} <{publish.DEFAULT_EMAIL}>|")
    assert status(worker) == ""
    assert "committed " in outcome.out and "pushed main to origin" in outcome.out


def test_a_run_that_changes_nothing_makes_no_commit(api, run, checkout):
    _, _, worker = checkout
    run("--commit", "--push", catalog_dir=worker / "meta")
    first = git(worker, "rev-parse", "HEAD")
    outcome = run("--commit", "--push", catalog_dir=worker / "meta")
    assert outcome.code == 0 and "nothing changed: no commit" in outcome.out
    assert git(worker, "rev-parse", "HEAD") == first


def test_a_curators_uncommitted_work_stops_the_run_before_anything_is_written(api, run, checkout):
    _, _, worker = checkout
    (worker / "meta" / "sparsegpt.prototxt").write_text(
        (worker / "meta" / "sparsegpt.prototxt").read_text() + "# note\n"
    )
    (worker / "meta" / "new-paper.prototxt").write_text('paper { title: "New" }\n')
    before = snapshot(worker / "meta")
    outcome = run("--commit", catalog_dir=worker / "meta")
    assert outcome.code == 2
    assert (
        "meta/new-paper.prototxt, meta/sparsegpt.prototxt" in outcome.err
        and "git stash -u" in outcome.err
    )
    assert snapshot(worker / "meta") == before
    assert sum(len(server.requests) for server in api.servers) == 0
    assert len(log(worker)) == 1


def test_a_conflicting_curator_push_exits_1_with_the_commit_on_a_named_branch(api, run, checkout):
    bare, curator, worker = checkout
    entry = curator / "meta" / "sparsegpt.prototxt"
    curator_commit(
        curator,
        {"meta/sparsegpt.prototxt": entry.read_text() + 'enrichment {\n  tldr: "by hand"\n}\n'},
    )
    curator_tip = git(bare, "rev-parse", "main")
    outcome = run("--push", catalog_dir=worker / "meta")
    assert outcome.code == 1
    parked = git(
        worker, "branch", "--list", publish.UNPUSHED_PREFIX + "*", "--format=%(refname:short)"
    )
    assert (
        parked
        and "not published: the run's commit conflicts" in outcome.out
        and parked in outcome.out
    )
    assert git(bare, "rev-parse", "main") == curator_tip
    assert status(worker) == "" and len(log(worker)) == 1
    assert git(worker, "show", "--format=", "--name-only", parked).count("meta/") == 26


def test_the_token_reaches_the_push_and_nothing_else(
    api_with, run, checkout, tmp_path, monkeypatch
):
    bare, _, worker = checkout
    api_with(github={"token": TOKEN})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    git(bare, "config", "http.receivepack", "true")
    with GitHttpDouble(tmp_path, TOKEN) as server:
        git(worker, "remote", "set-url", "origin", f"{server.url}/{bare.name}")
        outcome = run("--push", catalog_dir=worker / "meta")
    assert outcome.code == 0, outcome.out + outcome.err
    assert git(bare, "rev-parse", "main") == git(worker, "rev-parse", "HEAD")
    texts = [
        outcome.out,
        outcome.err,
        (worker / ".git" / "config").read_text(),
        git(worker, "log", "--format=%B"),
    ]
    assert not [text for text in texts if TOKEN in text or server.expected.split()[1] in text]


def render_args(checkout) -> list[str]:
    return [
        "--catalog",
        str(checkout / "meta"),
        "--readme",
        str(checkout / "README.md"),
        "--lists",
        str(checkout / "lists"),
        "--site",
        str(checkout / "site"),
    ]


def test_render_commits_and_pushes_the_views_it_wrote(checkout, capsys):
    from flows.render import main

    bare, curator, worker = checkout
    curator_commit(
        curator, {"README.md": "# papers\n\n<!-- papers:start -->\n<!-- papers:end -->\n"}
    )
    git(worker, "pull", "--quiet")
    assert main([*render_args(worker), "--commit", "--push"]) == 0
    out = capsys.readouterr().out
    committed = git(worker, "show", "--format=", "--name-only", "HEAD").splitlines()
    assert {path.split("/")[0] for path in committed} == {"README.md", "lists", "site"}
    assert git(worker, "log", "-1", "--format=%s") == f"render: {len(committed)} view files updated"
    assert (
        git(bare, "rev-parse", "main") == git(worker, "rev-parse", "HEAD") and "pushed main" in out
    )
    assert (
        main([*render_args(worker), "--commit"]) == 0
        and "nothing changed: no commit" in capsys.readouterr().out
    )


def test_render_refuses_to_commit_over_a_curators_edit_of_a_view(checkout, capsys):
    from flows.render import main

    _, _, worker = checkout
    (worker / "README.md").write_text("# papers, being edited\n")
    assert main([*render_args(worker), "--commit"]) == 2
    assert "README.md" in capsys.readouterr().err
    assert (worker / "README.md").read_text() == "# papers, being edited\n" and not (
        worker / "site"
    ).exists()
