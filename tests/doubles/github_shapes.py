"""GitHub answer shapes built from a Repo, and the GraphQL alias parser."""

from __future__ import annotations

import base64
import re

from .world import Repo, stable_int

# spdx id -> (license key, name), as GitHub's license objects spell them.
LICENSES = {
    "MIT": ("mit", "MIT License"),
    "Apache-2.0": ("apache-2.0", "Apache License 2.0"),
    "BSD-3-Clause": ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License'),
    "BSD-2-Clause": ("bsd-2-clause", 'BSD 2-Clause "Simplified" License'),
    "GPL-3.0": ("gpl-3.0", "GNU General Public License v3.0"),
    "CC-BY-4.0": ("cc-by-4.0", "Creative Commons Attribution 4.0 International"),
    "NOASSERTION": ("other", "Other"),
}
_REPO_LINKS = [
    ("forks_url", "/forks"),
    ("keys_url", "/keys{/key_id}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("teams_url", "/teams"),
    ("hooks_url", "/hooks"),
    ("issue_events_url", "/issues/events{/number}"),
    ("events_url", "/events"),
    ("assignees_url", "/assignees{/user}"),
    ("branches_url", "/branches{/branch}"),
    ("tags_url", "/tags"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("trees_url", "/git/trees{/sha}"),
    ("statuses_url", "/statuses/{sha}"),
    ("languages_url", "/languages"),
    ("stargazers_url", "/stargazers"),
    ("contributors_url", "/contributors"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("commits_url", "/commits{/sha}"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("comments_url", "/comments{/number}"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("contents_url", "/contents/{+path}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("merges_url", "/merges"),
    ("archive_url", "/{archive_format}{/ref}"),
    ("downloads_url", "/downloads"),
    ("issues_url", "/issues{/number}"),
    ("pulls_url", "/pulls{/number}"),
    ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"),
    ("labels_url", "/labels{/name}"),
    ("releases_url", "/releases{/id}"),
    ("deployments_url", "/deployments"),
]
_USER_LINKS = [
    ("followers_url", "/followers"),
    ("following_url", "/following{/other_user}"),
    ("gists_url", "/gists{/gist_id}"),
    ("starred_url", "/starred{/owner}{/repo}"),
    ("subscriptions_url", "/subscriptions"),
    ("organizations_url", "/orgs"),
    ("repos_url", "/repos"),
    ("events_url", "/events{/privacy}"),
    ("received_events_url", "/received_events"),
]
# r0: repository(owner: "a", name: "b") -- either argument order, alias optional.
_REPOSITORY = re.compile(
    r'(?:(?P<alias>\w+)\s*:\s*)?repository\s*\(\s*(?:owner\s*:\s*"(?P<o1>[^"]*)"\s*,?\s*name\s*:\s*"(?P<n1>[^"]*)"'
    r'|name\s*:\s*"(?P<n2>[^"]*)"\s*,?\s*owner\s*:\s*"(?P<o2>[^"]*)")[^)]*\)'
)


def _node_id(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _owner(login: str, api: str) -> dict:
    kind = "Organization" if (login != login.lower() or "-" in login) else "User"
    owner_id = stable_int("owner:" + login.lower()) % 90_000_000 + 1_000_000
    prefix = "012:Organization" if kind == "Organization" else "04:User"
    user_url = f"{api}/users/{login}"
    owner = {
        "login": login,
        "id": owner_id,
        "node_id": _node_id(f"{prefix}{owner_id}"),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{owner_id}?v=4",
        "gravatar_id": "",
        "url": user_url,
        "html_url": f"https://github.com/{login}",
    }
    owner.update({key: user_url + suffix for key, suffix in _USER_LINKS})
    owner.update({"type": kind, "site_admin": False})
    return owner


def license_json(spdx: str | None, api: str) -> dict | None:
    """GitHub's license object for an spdx id (None = no license detected)."""
    if spdx is None:
        return None
    key, name = LICENSES.get(spdx, (spdx.lower(), spdx))
    return {
        "key": key,
        "name": name,
        "spdx_id": spdx,
        "url": None if key == "other" else f"{api}/licenses/{key}",
        "node_id": _node_id(f"07:License{stable_int(key) % 40}"),
    }


def repo_json(repo: Repo, api: str, authenticated: bool) -> dict:
    """The REST repository object, keys in the order of the recorded get-repository answer."""
    login, name = repo.full_name.split("/", 1)
    url = f"{api}/repos/{repo.full_name}"
    owner = _owner(login, api)
    year = 2015 + stable_int(repo.full_name) % 8
    answer: dict[str, object] = {
        "id": repo.id,
        "node_id": _node_id(f"010:Repository{repo.id}"),
        "name": name,
        "full_name": repo.full_name,
        "private": False,
        "owner": owner,
        "html_url": f"https://github.com/{repo.full_name}",
        "description": None,
        "fork": False,
        "url": url,
    }
    answer.update({key: url + suffix for key, suffix in _REPO_LINKS})
    answer.update(
        {
            "created_at": f"{year}-03-14T09:26:53Z",
            "updated_at": repo.pushed_at,
            "pushed_at": repo.pushed_at,
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "clone_url": f"https://github.com/{repo.full_name}.git",
            "svn_url": f"https://github.com/{repo.full_name}",
            "homepage": None,
            "size": stable_int(repo.full_name) % 50_000,
            "stargazers_count": repo.stars,
            "watchers_count": repo.stars,
            "language": "Python",
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": True,
            "has_pages": False,
            "forks_count": repo.forks,
            "mirror_url": None,
            "archived": repo.archived,
            "disabled": False,
            "open_issues_count": 3,
            "license": license_json(repo.license, api),
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "public",
            "forks": repo.forks,
            "open_issues": 3,
            "watchers": repo.stars,
            "default_branch": "main",
        }
    )
    if authenticated:
        answer["permissions"] = {
            "admin": False,
            "maintain": False,
            "push": False,
            "triage": False,
            "pull": True,
        }
    if owner["type"] == "Organization":
        answer["organization"] = {k: v for k, v in owner.items()}
    answer.update({"network_count": repo.forks, "subscribers_count": repo.stars // 10 + 1})
    return answer


def graphql_repo(repo: Repo) -> dict:
    """The fields the GraphQL query asks for, for one repository."""
    return {
        "nameWithOwner": repo.full_name,
        "url": f"https://github.com/{repo.full_name}",
        "stargazerCount": repo.stars,
        "forkCount": repo.forks,
        "pushedAt": repo.pushed_at,
        "isArchived": repo.archived,
        "licenseInfo": {"spdxId": repo.license} if repo.license else None,
    }


def parse_repository_fields(query: str) -> list[tuple[str, str, str, int, int]]:
    """(alias, owner, name, line, column) for every repository(...) field of a query."""
    found = []
    for match in _REPOSITORY.finditer(query):
        start = match.start()
        line = query.count("\n", 0, start) + 1
        column = start - (query.rfind("\n", 0, start) + 1) + 1
        owner = match.group("o1") if match.group("o1") is not None else match.group("o2")
        name = match.group("n1") if match.group("n1") is not None else match.group("n2")
        found.append((match.group("alias") or "repository", owner, name, line, column))
    return found
