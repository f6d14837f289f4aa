"""Git: commit exactly what a run wrote, push with rebase; the token only in the push's environment.

Through the `git` command with explicit argument lists (never a shell): every worker with a
checkout has it, and GitPython would only wrap the same commands. What a curator left
uncommitted is never swept into a bot commit, nothing is ever force-pushed, and a credential
lives only in the environment of git's network commands (GIT_CONFIG_COUNT), never in
.git/config, a URL or any output."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from filelock import FileLock

from enrich.errors import EnrichError

log = logging.getLogger(__name__)

# The identity of bot commits when git's config has none (a fresh worker must not fail).
NAME_VARIABLE, EMAIL_VARIABLE = "ENRICH_GIT_NAME", "ENRICH_GIT_EMAIL"
DEFAULT_NAME = "paper-catalog-enrich"
DEFAULT_EMAIL = "paper-catalog-enrich@users.noreply.github.com"
PUSH_ATTEMPTS = 3  # push; on rejection fetch + rebase + push again, at most this many pushes
UNPUSHED_PREFIX = "enrich-unpushed/"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class PublishError(EnrichError):
    """Committing or pushing could not be done; `exit_code` is what the command exits with."""

    exit_code = 1


class UncommittedChanges(PublishError):
    """The paths a run would write hold a curator's uncommitted work: the run touched nothing."""

    exit_code = 2

    def __init__(self, paths: list[str]):
        shown = ", ".join(paths[:10]) + (f" and {len(paths) - 10} more" if len(paths) > 10 else "")
        super().__init__(
            f"--commit refuses to start: uncommitted changes or untracked files where the run writes: {shown}. "
            "Commit or stash them first (git add/commit, or git stash -u), then run again; nothing was written."
        )
        self.paths = paths

    def __reduce__(self) -> tuple[type[UncommittedChanges], tuple[list[str]]]:
        return (type(self), (self.paths,))


class NotARepository(PublishError):
    exit_code = 2


class NoUpstream(PublishError):
    exit_code = 2


class PushConflict(PublishError):
    """The remote changed the same lines: the run's commit waits on a named local branch."""


def redact(url: str) -> str:
    """A remote URL fit for a log line: any user:password@ part removed."""
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def credential_config(
    url: str, token: str | None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment entries giving git `Authorization` for `url`'s host alone (https, or http on
    loopback), as actions/checkout does; empty when there is nothing to give. Entries already
    in `environ`'s GIT_CONFIG_COUNT are kept."""
    parts = urlsplit(url)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not token or not secure or not parts.hostname:
        return {}
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    host = parts.netloc.rsplit("@", 1)[-1]
    index = int((environ or {}).get("GIT_CONFIG_COUNT", "0") or 0)
    return {
        "GIT_CONFIG_COUNT": str(index + 1),
        f"GIT_CONFIG_KEY_{index}": f"http.{parts.scheme}://{host}/.extraHeader",
        f"GIT_CONFIG_VALUE_{index}": f"Authorization: Basic {basic}",
    }


@dataclass(frozen=True)
class Git:
    """git in one working tree, with the token for network commands and the bot identity."""

    root: Path
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    token: str | None = field(default=None, repr=False)

    @classmethod
    def of(
        cls, path: Path, environ: Mapping[str, str] | None = None, token: str | None = None
    ) -> Git:
        """The working tree holding `path`; NotARepository when there is none."""
        env = dict(os.environ if environ is None else environ)
        probe = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            env=_plain(env),
        )
        if probe.returncode != 0:
            raise NotARepository(
                f"{path} is not inside a git working tree: --commit/--push need the catalog in a git checkout "
                "(or the flow's repository parameter)"
            )
        return cls(Path(probe.stdout.strip()), env, token)

    def secrets(self) -> list[str]:
        if not self.token:
            return []
        return [self.token, base64.b64encode(f"x-access-token:{self.token}".encode()).decode()]

    def clean(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text

    def run(
        self, *args: str, remote_url: str = "", stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """git ARGS in the working tree; with `remote_url`, the token for that host goes along."""
        env = _plain(self.environ)
        env.update(credential_config(remote_url, self.token, env))
        command = ["git", *self.identity_options, *args]
        done = subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, env=env, input=stdin
        )
        if check and done.returncode != 0:
            raise PublishError(
                f"git {args[0]} failed in {self.root}: {self.clean(done.stderr.strip() or done.stdout.strip())}"
            )
        return done

    @cached_property
    def identity_options(self) -> list[str]:
        """`-c user.name=… -c user.email=…` for what git's config lacks, else nothing."""
        extra = []
        for key, variable, default in (
            ("user.name", NAME_VARIABLE, DEFAULT_NAME),
            ("user.email", EMAIL_VARIABLE, DEFAULT_EMAIL),
        ):
            probe = subprocess.run(
                ["git", "config", "--get", key],
                cwd=self.root,
                capture_output=True,
                text=True,
                env=_plain(self.environ),
            )
            if not probe.stdout.strip():
                extra += ["-c", f"{key}={self.environ.get(variable, '').strip() or default}"]
        return extra

    def relative(self, path: Path | str) -> str:
        return Path(os.path.realpath(path)).relative_to(self.root.resolve()).as_posix()

    def contains(self, path: Path | str) -> bool:
        return Path(os.path.realpath(path)).is_relative_to(self.root.resolve())

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One publishing process at a time per repository (shards may share a checkout)."""
        common = self.run("rev-parse", "--git-common-dir").stdout.strip()
        with FileLock(str((self.root / common) / "enrich-publish.lock")):
            yield


def _plain(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for git: never a prompt (a worker has no terminal), messages in English,
    file names never read as glob patterns."""
    return {**environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_LITERAL_PATHSPECS": "1"}


def dirty_paths(git: Git, folders: Iterable[Path | str]) -> list[str]:
    """Modified, staged, deleted or untracked files under `folders` (paths relative to the root)."""
    specs = [git.relative(folder) for folder in folders]
    done = git.run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *specs)
    fields = done.stdout.split("\0")
    paths, index = [], 0
    while index < len(fields):
        item = fields[index]
        index += 1
        if not item:
            continue
        paths.append(item[3:])
        if item[0] in "RC":  # a rename's second field is where it came from
            paths.append(fields[index])
            index += 1
    return sorted(set(paths))


def require_clean(
    git: Git, folders: Iterable[Path | str], owned: Callable[[str], bool] = lambda path: True
) -> None:
    """Raise UncommittedChanges when `folders` hold uncommitted work the run could write over
    (`owned(root-relative path)` narrows it, e.g. to a shard's own files)."""
    dirty = [path for path in dirty_paths(git, folders) if owned(path)]
    if dirty:
        raise UncommittedChanges(dirty)


def commit(git: Git, written: Iterable[Path | str], subject: str, body: str = "") -> str | None:
    """One commit of exactly the files in `written` that differ from HEAD; None when none does.
    Whatever else is staged or modified stays as it was."""
    outside = [str(path) for path in written if not git.contains(path)]
    if outside:
        log.warning(
            "not committed, outside the repository %s: %s", git.root, ", ".join(outside[:5])
        )
    paths = sorted({git.relative(path) for path in written if git.contains(path)})
    if not paths:
        return None
    listing = "\0".join(paths) + "\0"
    git.run("add", "--all", "--pathspec-from-file=-", "--pathspec-file-nul", stdin=listing)
    staged = set(
        git.run("diff", "--cached", "--name-only", "-z", "--no-renames").stdout.split("\0")
    )
    mine = [path for path in paths if path in staged]
    if not mine:
        return None
    message = subject + ("\n\n" + body.rstrip() + "\n" if body.strip() else "\n")
    # stdin carries the message, so the paths go through a file inside .git
    listing_file = git.root / git.run("rev-parse", "--git-dir").stdout.strip() / "ENRICH_PATHS"
    listing_file.write_bytes(("\0".join(mine) + "\0").encode("utf-8"))
    try:
        git.run(
            "commit",
            "--quiet",
            "--only",
            "--file=-",
            "--pathspec-file-nul",
            f"--pathspec-from-file={listing_file}",
            stdin=message,
        )
    finally:
        listing_file.unlink(missing_ok=True)
    return git.run("rev-parse", "HEAD").stdout.strip()


@dataclass(frozen=True)
class Upstream:
    branch: str  # the local branch
    remote: str  # its remote's name
    ref: str  # the remote branch, refs/heads/…
    url: str  # the remote's URL (for credentials; print only redact(url))


def upstream(git: Git) -> Upstream:
    done = git.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    branch = done.stdout.strip()
    if done.returncode != 0 or not branch:
        raise PublishError(
            f"{git.root} is not on a branch (detached HEAD): check out the branch to publish, then run again"
        )
    remote = git.run("config", "--get", f"branch.{branch}.remote", check=False).stdout.strip()
    ref = git.run("config", "--get", f"branch.{branch}.merge", check=False).stdout.strip()
    if not remote or not ref or remote == ".":
        raise NoUpstream(
            f"branch {branch} in {git.root} has no upstream to push to: set one once with "
            f"`git push -u origin {branch}`, or run without --push"
        )
    url = git.run("remote", "get-url", remote).stdout.strip()
    return Upstream(branch, remote, ref, url)


def push(git: Git, attempts: int = PUSH_ATTEMPTS) -> str:
    """Push the current branch to its upstream, never forced. When the remote moved, fetch,
    rebase on it and push again (at most `attempts` pushes). On a conflict: the run's commit is
    left on a named local branch, the branch is put back where it was before the run (working
    tree clean) and PushConflict says what to do. Returns a line saying what was pushed."""
    target = upstream(git)
    where = f"{target.remote} ({redact(target.url)}) {target.ref.removeprefix('refs/heads/')}"
    for attempt in range(1, attempts + 1):
        done = git.run(
            "push",
            "--porcelain",
            target.remote,
            f"HEAD:{target.ref}",
            remote_url=target.url,
            check=False,
        )
        if done.returncode == 0:
            return f"pushed {target.branch} to {where}" + (
                f" after {attempt - 1} rebase(s)" if attempt > 1 else ""
            )
        if "[rejected]" not in done.stdout:
            raise PublishError(
                f"push to {where} failed: {git.clean(done.stderr.strip())}. The commit stays on the local branch "
                f"{target.branch}; the next --push sends it (check the remote's address and GITHUB_TOKEN's permissions)"
            )
        if attempt == attempts:
            break
        log.info("push to %s rejected (the remote moved): fetching and rebasing", where)
        git.run("fetch", "--quiet", target.remote, target.ref, remote_url=target.url)
        if git.run("rebase", "--autostash", "FETCH_HEAD", check=False).returncode != 0:
            git.run("rebase", "--abort", check=False)
            raise PushConflict(_park(git, target, where))
    raise PublishError(
        f"push to {where} was rejected {attempts} times (the remote keeps moving); the commit stays on the local "
        f"branch {target.branch}: run again later"
    )


def _park(git: Git, target: Upstream, where: str) -> str:
    """Keep the run's commit on a new local branch; put the current branch back one commit."""
    name = (
        UNPUSHED_PREFIX
        + time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        + "-"
        + git.run("rev-parse", "--short", "HEAD").stdout.strip()
    )
    git.run("branch", name, "HEAD")
    git.run("reset", "--quiet", "--keep", "HEAD~1")
    remote_branch = target.ref.removeprefix("refs/heads/")
    return (
        f"the run's commit conflicts with changes pushed to {where} meanwhile: nothing was pushed. It is kept on the "
        f"local branch {name} in {git.root}, and {target.branch} is back where it was before the run (working tree "
        f"clean). Either run the enrichment again (it starts from the curator's version; the cache has the answers), "
        f"or resolve by hand: git rebase {target.remote}/{remote_branch} {name}, fix the conflicts, "
        f"git push {target.remote} {name}:{remote_branch}"
    )
