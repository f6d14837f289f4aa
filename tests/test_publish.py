"""enrich/publish.py and enrich/clone.py with real git: a bare repository on disk is the remote
(and, for the token, the same repository behind a loopback smart-HTTP server)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from doubles.git_http import GitHttpDouble
from git_fixtures import (  # noqa: F401
    CURATOR,
    TOKEN,
    clone,
    curator_commit,
    enrich_files,
    git,
    log,
    no_git_identity,
)
from git_fixtures import curator, remote, worker  # noqa: F401
from enrich import publish, publishing
from enrich.clone import CloneUnusable, clone_folder, working_clone
from enrich.merge import FOUND, Finding, merge
from enrich.sources import all_sources
from enrich.publish import Git, PushConflict, UncommittedChanges


def test_commit_holds_exactly_the_files_the_run_wrote_and_push_sends_it(worker, remote):
    (worker / "notes.txt").write_text("a curator's scratch file, untracked\n")
    (worker / "README.md").write_text("# a list, being edited\n")
    written = enrich_files(worker, "meta/2023/a.prototxt", "meta/2024/c.prototxt")
    commit = publish.commit(
        Git.of(worker / "meta"), written, "enrich: 2 papers updated", "- a\n- c"
    )
    assert commit == git(worker, "rev-parse", "HEAD")
    assert git(worker, "show", "--format=", "--name-only", "HEAD").splitlines() == [
        "meta/2023/a.prototxt",
        "meta/2024/c.prototxt",
    ]
    assert git(worker, "log", "-1", "--format=%B") == "enrich: 2 papers updated\n\n- a\n- c"
    assert git(worker, "status", "--porcelain").splitlines() == [" M README.md", "?? notes.txt"]
    assert publish.push(Git.of(worker)).startswith("pushed main to origin")
    assert git(remote, "rev-parse", "main") == commit


def test_a_run_that_changed_nothing_makes_no_commit(worker):
    before = git(worker, "rev-parse", "HEAD")
    unchanged = enrich_files(worker, "meta/2023/a.prototxt", line="")
    assert publish.commit(Git.of(worker), unchanged, "enrich: nothing") is None
    assert publish.commit(Git.of(worker), [], "enrich: nothing") is None
    assert git(worker, "rev-parse", "HEAD") == before
    assert git(worker, "status", "--porcelain") == ""


def test_a_new_file_the_run_wrote_is_committed(worker):
    history = worker / "meta" / "history" / "counts.csv"
    history.parent.mkdir()
    history.write_text("day,citations\n2026-12-02,5\n")
    publish.commit(Git.of(worker), [history], "enrich: history")
    assert git(worker, "show", "--format=", "--name-only", "HEAD") == "meta/history/counts.csv"


def test_a_curators_staged_work_elsewhere_stays_staged_and_out_of_the_commit(worker):
    (worker / "README.md").write_text("# staged by a curator\n")
    git(worker, "add", "README.md")
    publish.commit(
        Git.of(worker), enrich_files(worker, "meta/2023/b.prototxt"), "enrich: 1 paper updated"
    )
    assert git(worker, "show", "--format=", "--name-only", "HEAD") == "meta/2023/b.prototxt"
    assert git(worker, "status", "--porcelain") == "M  README.md"


def test_file_names_are_never_read_as_patterns(worker):
    odd = worker / "meta" / "2023" / "[a].prototxt"
    odd.write_text('paper {\n  title: "odd"\n}\n')
    git(worker, "-c", "user.name=x", "-c", "user.email=x@x", "add", "--all")
    git(worker, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "--quiet", "-m", "odd")
    enrich_files(worker, "meta/2023/a.prototxt")  # matched by the glob [a], but not written
    publish.commit(
        Git.of(worker), enrich_files(worker, "meta/2023/[a].prototxt"), "enrich: 1 paper updated"
    )
    assert git(
        worker, "show", "--format=", "--name-only", "HEAD"
    ) == '"meta/2023/[a].prototxt"'.strip('"')
    assert git(worker, "status", "--porcelain") == " M meta/2023/a.prototxt"


def test_without_any_git_identity_the_documented_default_signs(worker):
    publish.commit(
        Git.of(worker), enrich_files(worker, "meta/2023/a.prototxt"), "enrich: 1 paper updated"
    )
    default = f"{publish.DEFAULT_NAME} <{publish.DEFAULT_EMAIL}>"
    assert log(worker)[0] == f"{default}|{default}|enrich: 1 paper updated"
    assert (
        git(worker, "config", "--list", "--local").count("user.") == 0
    )  # nothing written to the config


def test_the_default_identity_is_settable_by_variables(worker, monkeypatch):
    monkeypatch.setenv(publish.NAME_VARIABLE, "Catalog Bot")
    monkeypatch.setenv(publish.EMAIL_VARIABLE, "bot@example.org")
    publish.commit(
        Git.of(worker), enrich_files(worker, "meta/2023/a.prototxt"), "enrich: 1 paper updated"
    )
    assert log(worker)[0].startswith("Catalog Bot <bot@example.org>|Catalog Bot <bot@example.org>|")


def test_the_repositorys_git_identity_comes_first(worker, monkeypatch):
    monkeypatch.setenv(publish.NAME_VARIABLE, "Catalog Bot")
    git(worker, "config", "user.name", "Worker Seven")
    git(worker, "config", "user.email", "seven@example.org")
    publish.commit(
        Git.of(worker), enrich_files(worker, "meta/2023/a.prototxt"), "enrich: 1 paper updated"
    )
    assert log(worker)[0].startswith("Worker Seven <seven@example.org>|")


def test_uncommitted_or_untracked_files_where_the_run_writes_are_refused(worker):
    (worker / "meta" / "2023" / "a.prototxt").write_text("edited by hand\n")
    (worker / "meta" / "2024" / "new.prototxt").write_text("not added yet\n")
    (worker / "README.md").write_text("outside the catalog: not the run's business\n")
    with pytest.raises(UncommittedChanges) as refused:
        publish.require_clean(Git.of(worker), [worker / "meta"])
    assert refused.value.exit_code == 2
    assert refused.value.paths == ["meta/2023/a.prototxt", "meta/2024/new.prototxt"]
    assert "meta/2023/a.prototxt, meta/2024/new.prototxt" in str(
        refused.value
    ) and "git stash -u" in str(refused.value)


def test_a_shard_is_refused_only_for_its_own_files(worker):
    (worker / "meta" / "2023" / "a.prototxt").write_text("another shard is writing this\n")
    publish.require_clean(
        Git.of(worker), [worker / "meta"], owned=lambda path: not path.endswith("a.prototxt")
    )
    with pytest.raises(UncommittedChanges):
        publish.require_clean(Git.of(worker), [worker / "meta"])


def test_a_curators_push_meanwhile_is_rebased_onto(worker, curator, remote):
    curator_commit(curator, {"meta/2023/b.prototxt": 'paper {\n  title: "B, fixed by hand"\n}\n'})
    publish.commit(
        Git.of(worker), enrich_files(worker, "meta/2023/a.prototxt"), "enrich: 1 paper updated"
    )
    assert "after 1 rebase(s)" in publish.push(Git.of(worker))
    assert [line.split("|")[2] for line in log(remote, "main")] == [
        "enrich: 1 paper updated",
        "curator edit",
        "catalog",
    ]
    assert log(remote, "main")[1].startswith(
        f"{CURATOR[0]} <{CURATOR[1]}>"
    )  # the curator's commit kept as it was
    assert git(worker, "status", "--porcelain") == ""
    assert "fixed by hand" in (worker / "meta/2023/b.prototxt").read_text()


def test_a_conflicting_edit_leaves_the_commit_on_a_named_branch_and_a_clean_tree(
    worker, curator, remote
):
    curator_commit(
        curator, {"meta/2023/a.prototxt": 'paper {\n  title: "A"\n  citation_count: 7\n}\n'}
    )
    curator_tip = git(remote, "rev-parse", "main")
    before = git(worker, "rev-parse", "HEAD")
    run_commit = publish.commit(
        Git.of(worker), enrich_files(worker, "meta/2023/a.prototxt"), "enrich: 1 paper updated"
    )
    with pytest.raises(PushConflict) as conflict:
        publish.push(Git.of(worker))
    assert conflict.value.exit_code == 1
    parked = git(
        worker, "branch", "--list", publish.UNPUSHED_PREFIX + "*", "--format=%(refname:short)"
    )
    assert (
        parked and parked in str(conflict.value) and "git rebase origin/main" in str(conflict.value)
    )
    assert git(worker, "rev-parse", parked) == run_commit  # nothing of the run is lost
    assert git(worker, "rev-parse", "HEAD") == before and git(worker, "status", "--porcelain") == ""
    assert (
        git(remote, "rev-parse", "main") == curator_tip
    )  # nothing of the curator's is lost, nothing forced


def test_rebase_is_bounded_when_the_remote_keeps_moving(worker, curator, remote, monkeypatch):
    real_run = Git.run

    def racing_run(self, *args, **kwargs):
        if args[0] == "push":  # a curator pushes just before every push of ours
            curator_commit(
                curator,
                {f"meta/extra-{len(git(curator, 'log', '--oneline').splitlines())}.txt": "x\n"},
            )
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(Git, "run", racing_run)
    publish.commit(
        Git.of(worker), enrich_files(worker, "meta/2023/a.prototxt"), "enrich: 1 paper updated"
    )
    with pytest.raises(publish.PublishError, match=f"rejected {publish.PUSH_ATTEMPTS} times"):
        publish.push(Git.of(worker))
    assert git(worker, "status", "--porcelain") == ""
    assert log(worker)[0].endswith(
        "|enrich: 1 paper updated"
    )  # kept on the branch for the next push


def test_a_branch_without_upstream_says_how_to_set_one(worker):
    git(worker, "checkout", "--quiet", "-b", "local-only")
    with pytest.raises(publish.PublishError, match="git push -u origin local-only"):
        publish.push(Git.of(worker))


def test_a_folder_outside_git_is_a_usage_error(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(publish.NotARepository) as refused:
        Git.of(tmp_path / "plain")
    assert refused.value.exit_code == 2


@pytest.fixture
def https_remote(remote, tmp_path):
    """The same bare repository behind a loopback smart-HTTP server that wants TOKEN."""
    git(remote, "config", "http.receivepack", "true")
    with GitHttpDouble(tmp_path, TOKEN) as server:
        yield server, f"{server.url}/{remote.name}"


def test_the_token_goes_to_git_for_the_push_alone(https_remote, worker, remote, monkeypatch, capfd):
    server, url = https_remote
    git(worker, "remote", "set-url", "origin", url)
    publish.commit(
        Git.of(worker), enrich_files(worker, "meta/2023/a.prototxt"), "enrich: 1 paper updated"
    )
    with pytest.raises(
        publish.PublishError, match="push to origin"
    ) as refused:  # no token: refused, no prompt
        publish.push(Git.of(worker))
    assert git(remote, "rev-parse", "main") != git(worker, "rev-parse", "HEAD")
    monkeypatch.setenv(
        "GITHUB_TOKEN", TOKEN
    )  # in the environment: must not reach git's config by itself
    publish.push(Git.of(worker, token=TOKEN))
    assert git(remote, "rev-parse", "main") == git(worker, "rev-parse", "HEAD")
    assert server.authorizations[-1] == server.expected
    captured = capfd.readouterr()
    leaks = [
        (worker / ".git" / "config").read_text(),
        git(worker, "log", "--format=%B"),
        str(refused.value),
        git(worker, "remote", "-v"),
        captured.out,
        captured.err,
    ]
    assert not [text for text in leaks if TOKEN in text or server.expected.split()[1] in text]


def test_the_token_is_only_given_for_https_or_loopback_hosts():
    assert (
        publish.credential_config("https://github.com/o/r.git", TOKEN)["GIT_CONFIG_KEY_0"]
        == "http.https://github.com/.extraHeader"
    )
    assert (
        publish.credential_config("http://example.org/o/r.git", TOKEN) == {}
    )  # never in clear over a network
    assert publish.credential_config("git@github.com:o/r.git", TOKEN) == {}  # ssh has its own keys
    assert publish.credential_config("https://github.com/o/r.git", None) == {}
    chained = publish.credential_config(
        "https://github.com/o/r.git", TOKEN, {"GIT_CONFIG_COUNT": "2"}
    )
    assert chained["GIT_CONFIG_COUNT"] == "3" and "GIT_CONFIG_KEY_2" in chained


def test_a_url_with_a_password_is_redacted():
    assert (
        publish.redact("https://user:secret@github.com/o/r.git") == "https://***@github.com/o/r.git"
    )
    assert publish.redact("/srv/git/catalog.git") == "/srv/git/catalog.git"


def test_the_subject_counts_what_merge_reported():
    from enrich.records import PaperRecord
    from enrich.schema import paper_pb2

    entry = paper_pb2.PaperInfo()
    entry.paper.title = "SparseGPT"
    entry.paper.authors.extend(["Name1", "Name2"])
    entry.enrichment.citation_count = 600
    entry.enrichment.semantic_scholar_id = "x" * 40
    record = PaperRecord(
        source="semantic_scholar",
        title="SparseGPT",
        authors=("Elias Frantar", "Dan Alistarh"),
        citation_count=1_804,
        semantic_scholar_id="x" * 40,
    )
    s2 = all_sources()["semantic_scholar"]
    findings = [Finding("semantic_scholar", FOUND, record, s2.offers, s2.dead_when_not_found)]
    changes = merge(entry, findings, "2026-12-02").changes
    subject, body = publishing.commit_message(
        {"meta/a.prototxt": changes, "meta/b.prototxt": ["abstract added"]}
    )
    assert subject == "enrich: 2 papers updated, 1 added authors, +1,204 citations"
    assert (
        body.splitlines()[0].startswith("- meta/a.prototxt: ")
        and "citation_count 600 -> 1804 (+1204)" in body
    )


@pytest.mark.parametrize(
    ("changes", "shard", "subject"),
    [
        ({"a": ["abstract added"]}, "", "enrich: 1 paper updated"),
        (
            {"a": ["stars 10 -> 7 (-3)"], "b": ["citation_count 5 -> 4 (-1)"]},
            "0/2",
            "enrich (shard 0/2): 2 papers updated, -1 citations, -3 stars",
        ),
        (
            {"a": ["citation_count 12"]},
            "",
            "enrich: 1 paper updated",
        ),  # a first count is not a gain
    ],
)
def test_commit_subjects(changes, shard, subject):
    assert publishing.commit_message(changes, shard)[0] == subject


def test_a_long_run_lists_the_first_files_and_how_many_more():
    _, body = publishing.commit_message(
        {f"meta/{i:04}.prototxt": ["abstract added"] for i in range(250)}
    )
    assert len(body.splitlines()) == publishing.BODY_LINES + 1 and body.endswith(
        "… and 50 more files"
    )
    assert (
        publishing.commit_message({"a": ["x"]}, change_log="## 2026-12-02\n- a: x\n")[1]
        == "## 2026-12-02\n- a: x"
    )


def test_a_working_clone_is_made_then_fast_forwarded(remote, curator, tmp_path):
    cache = tmp_path / "cache"
    folder = working_clone(str(remote), "main", cache)
    assert (
        folder == clone_folder(cache, str(remote), "main")
        and (folder / "meta/2023/a.prototxt").is_file()
    )
    curator_commit(curator, {"meta/2024/d.prototxt": 'paper {\n  title: "D"\n}\n'})
    assert working_clone(str(remote), "main", cache) == folder
    assert (folder / "meta/2024/d.prototxt").is_file()
    assert working_clone(str(remote), "main", cache, shard="1/2") != folder  # a shard's own clone


def test_a_working_clone_with_local_edits_is_refused(remote, tmp_path):
    folder = working_clone(str(remote), "main", tmp_path / "cache")
    (folder / "meta/2023/a.prototxt").write_text("half a run\n")
    with pytest.raises(CloneUnusable, match="uncommitted changes .*meta/2023/a.prototxt.*delete"):
        working_clone(str(remote), "main", tmp_path / "cache")


def test_a_working_clone_that_diverged_is_refused_with_what_to_do(remote, curator, tmp_path):
    folder = working_clone(str(remote), "main", tmp_path / "cache")
    git(folder, "config", "user.name", "Worker")
    git(folder, "config", "user.email", "worker@example.org")
    curator_commit(folder, {"meta/2023/a.prototxt": "a bot commit never pushed\n"}, push=False)
    curator_commit(curator, {"meta/2023/b.prototxt": "a curator's commit\n"})
    with pytest.raises(
        CloneUnusable, match="1 commit\\(s\\) the remote lacks.*git push origin main"
    ):
        working_clone(str(remote), "main", tmp_path / "cache")


def test_a_missing_branch_is_refused_clearly(remote, tmp_path):
    with pytest.raises(CloneUnusable, match="cannot clone .* \\(branch nightly\\)"):
        working_clone(str(remote), "nightly", tmp_path / "cache")


def test_cloning_over_https_uses_the_token_without_storing_it(https_remote, tmp_path):
    server, url = https_remote
    folder = working_clone(url, "main", tmp_path / "cache", token=TOKEN)
    assert (folder / "meta/2023/a.prototxt").is_file()
    assert TOKEN not in (folder / ".git" / "config").read_text()
    assert set(server.authorizations) == {server.expected}
    assert not os.environ.get("GIT_CONFIG_COUNT")


def test_shards_on_separate_clones_both_push_when_the_history_merges_by_union(
    remote, curator, tmp_path
):
    """Each shard writes its own entries, and both append to the same history file: with the
    project's .gitattributes (union merge for the history) the second push rebases cleanly."""
    attributes = (Path(__file__).resolve().parent.parent / ".gitattributes").read_text()
    curator_commit(
        curator,
        {".gitattributes": attributes, "history/counts-2026-12.tsv": "day\tpaper\tcitations\n"},
    )
    shards = [clone(remote, tmp_path / f"shard-{index}") for index in (0, 1)]
    for index, (shard, entry) in enumerate(
        zip(shards, ["meta/2023/a.prototxt", "meta/2024/c.prototxt"])
    ):
        history = shard / "history" / "counts-2026-12.tsv"
        history.write_text(history.read_text() + f"2026-12-02\t{entry}\t{index + 5}\n")
        publish.commit(
            Git.of(shard),
            [*enrich_files(shard, entry), history],
            f"enrich (shard {index}/2): 1 paper updated",
        )
    for shard in shards:
        publish.push(Git.of(shard))
    assert git(remote, "show", "main:history/counts-2026-12.tsv").splitlines()[1:] == [
        "2026-12-02\tmeta/2023/a.prototxt\t5",
        "2026-12-02\tmeta/2024/c.prototxt\t6",
    ]
    assert "citation_count: 5" in git(remote, "show", "main:meta/2024/c.prototxt")
