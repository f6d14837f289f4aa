"""Real git for the publishing tests: a bare repository on disk as the remote, a curator's
checkout and a worker's checkout with no git identity anywhere (import the fixtures you use)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from enrich import publish

TOKEN = "ghp_publishTestToken0123456789abcdef"
CURATOR = ("A Curator", "curator@example.org")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n")


@pytest.fixture(autouse=True)
def no_git_identity(tmp_path, monkeypatch):
    """A fresh worker: no global or system git config, no identity, no token."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
        "GITHUB_TOKEN",
        publish.NAME_VARIABLE,
        publish.EMAIL_VARIABLE,
        "GIT_CONFIG_COUNT",
    ):
        monkeypatch.delenv(name, raising=False)


def clone(remote: Path | str, target: Path, identity: tuple[str, str] | None = None) -> Path:
    git(target.parent, "clone", "--quiet", str(remote), str(target))
    if identity:
        git(target, "config", "user.name", identity[0])
        git(target, "config", "user.email", identity[1])
    return target


def curator_commit(
    checkout: Path, files: dict[str, str], message: str = "curator edit", push: bool = True
) -> None:
    for name, text in files.items():
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_text(text)
    git(checkout, "add", "--all")
    git(checkout, "commit", "--quiet", "-m", message)
    if push:
        git(checkout, "push", "--quiet")


ENTRIES = {
    "meta/2023/a.prototxt": 'paper {\n  title: "A"\n}\n',
    "meta/2023/b.prototxt": 'paper {\n  title: "B"\n}\n',
    "meta/2024/c.prototxt": 'paper {\n  title: "C"\n}\n',
    "README.md": "# a list\n",
}


@pytest.fixture
def remote(tmp_path) -> Path:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    curator_commit(clone(bare, tmp_path / "seed", CURATOR), ENTRIES, "catalog")
    return bare


@pytest.fixture
def curator(remote, tmp_path) -> Path:
    return clone(remote, tmp_path / "curator", CURATOR)


@pytest.fixture
def worker(remote, tmp_path) -> Path:
    """A worker's checkout with no git identity anywhere."""
    return clone(remote, tmp_path / "worker")


def enrich_files(checkout: Path, *names: str, line: str = "  citation_count: 5\n") -> list[Path]:
    """What a run does to files: rewrite them (the same bytes stay unchanged)."""
    paths = []
    for name in names:
        path = checkout / name
        text = path.read_text()
        path.write_text(text.replace("}\n", line + "}\n") if line else text)
        paths.append(path)
    return paths


def log(checkout: Path, ref: str = "HEAD") -> list[str]:
    return git(checkout, "log", "--format=%an <%ae>|%cn <%ce>|%s", ref).splitlines()
