"""A catalog elsewhere: the flow's own working clone of a git repository, in the cache folder,
fast-forwarded to the remote branch before every run (refused, with what to do, when it cannot)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

from filelock import FileLock

from enrich.publish import Git, PublishError, dirty_paths, redact

CLONES = "repositories"  # inside the cache folder


class CloneUnusable(PublishError):
    """The working clone is not in a state a run may start from; nothing was touched."""


def clone_folder(cache_dir: Path, repository: str, branch: str, shard: str = "") -> Path:
    """Where the working clone of (repository, branch) lives; a shard gets its own clone so
    shard runs on one host never share a working tree."""
    name = (
        re.sub(
            r"[^A-Za-z0-9._-]+",
            "-",
            redact(repository).rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"),
        )
        or "catalog"
    )
    digest = hashlib.sha1(f"{repository}\0{branch}".encode()).hexdigest()[:10]
    suffix = "-shard-" + shard.replace("/", "-of-") if shard else ""
    return cache_dir / CLONES / f"{name}-{digest}{suffix}"


def working_clone(
    repository: str,
    branch: str,
    cache_dir: Path,
    shard: str = "",
    environ: Mapping[str, str] | None = None,
    token: str | None = None,
) -> Path:
    """The clone's working tree, up to date with `branch` of `repository`: cloned on first use,
    fast-forwarded after. CloneUnusable when it holds local edits or commits not on the remote."""
    folder = clone_folder(cache_dir, repository, branch, shard)
    env = dict(os.environ if environ is None else environ)
    folder.parent.mkdir(parents=True, exist_ok=True)
    shown = f"{redact(repository)} (branch {branch})"
    with FileLock(str(folder) + ".lock"):
        if not (folder / ".git").exists():
            _clone(Git(folder.parent, env, token), repository, branch, folder, shown)
            return folder
        git = Git(folder, env, token)
        start_again = f"delete {folder} to start from a fresh clone (the cache keeps every answer)"
        if git.run("remote", "get-url", "origin", check=False).stdout.strip() != repository:
            raise CloneUnusable(
                f"the working clone {folder} is not a clone of {shown}: {start_again}"
            )
        current = git.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()
        if current != branch:
            raise CloneUnusable(
                f"the working clone {folder} is on {current or 'a detached HEAD'}, not {branch}: {start_again}"
            )
        dirty = dirty_paths(git, [folder])
        if dirty:
            raise CloneUnusable(
                f"the working clone {folder} has uncommitted changes ({', '.join(dirty[:5])}"
                f"{' …' if len(dirty) > 5 else ''}; a run killed before committing?): {start_again}"
            )
        git.run("fetch", "--quiet", "origin", f"refs/heads/{branch}", remote_url=repository)
        if git.run("merge", "--quiet", "--ff-only", "FETCH_HEAD", check=False).returncode != 0:
            ahead = git.run("rev-list", "--count", "FETCH_HEAD..HEAD").stdout.strip()
            raise CloneUnusable(
                f"the working clone {folder} cannot fast-forward to {shown}: it has {ahead} commit(s) the remote "
                f"lacks (an earlier push that failed?). Push them from there (git push origin {branch}) or {start_again}"
            )
        return folder


def _clone(parent: Git, repository: str, branch: str, folder: Path, shown: str) -> None:
    done = parent.run(
        "clone",
        "--quiet",
        "--branch",
        branch,
        "--",
        repository,
        str(folder),
        remote_url=repository,
        check=False,
    )
    if done.returncode != 0:
        reason = parent.clean(done.stderr.strip()).replace(repository, redact(repository))
        raise CloneUnusable(
            f"cannot clone {shown}: {reason} (check the repository address, the branch and GITHUB_TOKEN)"
        )
