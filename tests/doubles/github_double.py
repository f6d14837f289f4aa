"""GitHubDouble: REST `GET /repos/{owner}/{repo}`, `/repositories/{id}`, `/rate_limit` and GraphQL."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import datetime, timezone

from .base import Answer, DoubleServer, json_answer
from .faults import Recorded
from .github_shapes import graphql_repo, parse_repository_fields, repo_json
from .world import Repo, World

JSON_TYPE = "application/json; charset=utf-8"
NOT_FOUND = {
    "message": "Not Found",
    "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository",
    "status": "404",
}
BAD_CREDENTIALS = {
    "message": "Bad credentials",
    "documentation_url": "https://docs.github.com/rest",
}
GRAPHQL_ANONYMOUS = {
    "message": "This endpoint requires you to be authenticated.",
    "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
}
RATE_DOCS = "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"


class GitHubDouble(DoubleServer):
    """GitHub over a World. One REST budget (`rest_budget` requests) and one GraphQL budget (points).

    A spent budget answers as GitHub may: REST with `exhausted_status` 403 or 429, GraphQL's
    RATE_LIMITED error with `graphql_exhausted_status` 200 or 403, each with
    x-ratelimit-remaining 0 and x-ratelimit-reset. ETags are weak (W/"..."), as GitHub sends
    them, unless `weak_etags` is False; If-None-Match is compared weakly either way."""

    def __init__(
        self,
        world: World,
        token: str | None = None,
        rest_budget: int = 60,
        graphql_budget: int = 5000,
        reset_epoch: int | None = None,
        exhausted_status: int = 403,
        graphql_exhausted_status: int = 200,
        weak_etags: bool = True,
    ) -> None:
        if exhausted_status not in (403, 429) or graphql_exhausted_status not in (200, 403):
            raise ValueError("GitHub answers a spent budget with 403 or 429 (GraphQL: 200 or 403)")
        self.exhausted_status = exhausted_status
        self.graphql_exhausted_status = graphql_exhausted_status
        self.weak_etags = weak_etags
        self.world = world
        self.token = token
        self.rest_limit = rest_budget
        self.rest_remaining = rest_budget
        self.graphql_limit = graphql_budget
        self.graphql_remaining = graphql_budget
        self.reset_epoch = reset_epoch if reset_epoch is not None else int(time.time()) + 3600
        self._budget_lock = threading.Lock()
        super().__init__()

    # -- auth and budgets --------------------------------------------------------------------
    def _auth(self, request: Recorded) -> bool | None:
        """True = valid token, False = anonymous, None = a token that is not ours."""
        header = request.headers.get("authorization")
        if header is None:
            return False
        scheme, _, token = header.partition(" ")
        if (
            scheme.lower() in ("bearer", "token")
            and self.token is not None
            and token.strip() == self.token
        ):
            return True
        return None

    def _spend_rest(self, cost: int) -> bool:
        with self._budget_lock:
            if self.rest_remaining <= 0:
                return False
            self.rest_remaining -= cost
            return True

    def _rate_headers(self, resource: str = "core") -> dict[str, str]:
        limit, remaining = (
            (self.rest_limit, self.rest_remaining)
            if resource == "core"
            else (self.graphql_limit, self.graphql_remaining)
        )
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(remaining, 0)),
            "x-ratelimit-reset": str(self.reset_epoch),
            "x-ratelimit-used": str(limit - max(remaining, 0)),
            "x-ratelimit-resource": resource,
        }

    # -- routing -----------------------------------------------------------------------------
    def handle(self, request: Recorded) -> Answer:
        self.world.ensure_repo_ids()
        authenticated = self._auth(request)
        if authenticated is None:
            return json_answer(401, BAD_CREDENTIALS, compact=True, content_type=JSON_TYPE)
        if request.path == "/graphql" and request.method == "POST":
            return self._graphql(request, authenticated)
        if request.path == "/rate_limit":
            return self._rate_limit()
        parts = [p for p in request.path.split("/") if p]
        if request.method not in ("GET", "HEAD") or not (
            (len(parts) == 3 and parts[0] == "repos")
            or (len(parts) == 2 and parts[0] == "repositories")
        ):
            return self._rest(404, NOT_FOUND, request)
        if parts[0] == "repos":
            repo, renamed = self._find_by_name(f"{parts[1]}/{parts[2]}")
        else:
            repo = next((r for r in self.world.repos if str(r.id) == parts[1]), None)
            renamed = False
        conditional = (
            self._not_modified(request, repo) if repo is not None and not renamed else False
        )
        if not (conditional and authenticated) and not self._spend_rest(1):
            return self._exhausted(authenticated)
        if repo is None:
            return self._rest(404, NOT_FOUND, request)
        if renamed:
            location = f"{self.url}/repositories/{repo.id}"
            body = {
                "message": "Moved Permanently",
                "url": location,
                "documentation_url": "https://docs.github.com/v3/#http-redirects",
            }
            return self._rest(301, body, request, {"location": location})
        body = self._repo_body(repo, authenticated)
        headers = {
            "etag": _etag(body, self.weak_etags),
            "cache-control": "private, max-age=60, s-maxage=60",
        }
        if conditional:
            return Answer(304, b"", {**headers, **self._rate_headers()})
        return Answer(200, body, {"content-type": JSON_TYPE, **headers, **self._rate_headers()})

    def _find_by_name(self, name: str) -> tuple[Repo | None, bool]:
        wanted = name.lower()
        for repo in self.world.repos:
            if repo.full_name.lower() == wanted:
                return repo, False
        for repo in self.world.repos:
            if any(old.lower() == wanted for old in repo.old_names):
                return repo, True
        return None, False

    def _repo_body(self, repo: Repo, authenticated: bool) -> bytes:
        return json.dumps(repo_json(repo, self.url, authenticated), separators=(",", ":")).encode(
            "utf-8"
        )

    def etag_of(self, repo: Repo, request: Recorded) -> str:
        """The ETag this double sends for `repo` to the sender of `request`."""
        return _etag(self._repo_body(repo, self._auth(request) is True), self.weak_etags)

    def _not_modified(self, request: Recorded, repo: Repo) -> bool:
        header = request.headers.get("if-none-match")
        if not header:
            return False
        # Weak comparison (RFC 9110 13.1.2), as GitHub does: W/"x" matches "x" and W/"x".
        etag = _etag(self._repo_body(repo, self._auth(request) is True), weak=False)
        tags = {t.strip().removeprefix("W/") for t in header.split(",")}
        return etag in tags or "*" in tags

    def _rest(
        self, status: int, payload: dict, request: Recorded, extra: dict[str, str] | None = None
    ) -> Answer:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return Answer(
            status, body, {"content-type": JSON_TYPE, **(extra or {}), **self._rate_headers()}
        )

    def _exhausted(self, authenticated: bool) -> Answer:
        message = (
            "API rate limit exceeded for user ID 1."
            if authenticated
            else "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests "
            "get a higher rate limit. Check out the documentation for more details.)"
        )
        body = json.dumps(
            {"message": message, "documentation_url": RATE_DOCS}, separators=(",", ":")
        )
        return Answer(
            self.exhausted_status,
            body.encode("utf-8"),
            {"content-type": JSON_TYPE, **self._rate_headers()},
        )

    def _rate_limit(self) -> Answer:
        def block(resource: str) -> dict[str, object]:
            h = self._rate_headers(resource)
            return {
                "limit": int(h["x-ratelimit-limit"]),
                "used": int(h["x-ratelimit-used"]),
                "remaining": int(h["x-ratelimit-remaining"]),
                "reset": self.reset_epoch,
            }

        payload = {
            "resources": {"core": block("core"), "graphql": block("graphql")},
            "rate": block("core"),
        }
        return json_answer(200, payload, compact=True, content_type=JSON_TYPE)

    # -- GraphQL -----------------------------------------------------------------------------
    def _graphql(self, request: Recorded, authenticated: bool) -> Answer:
        if not authenticated:
            return json_answer(401, GRAPHQL_ANONYMOUS, compact=True, content_type=JSON_TYPE)
        try:
            query = request.json()["query"]  # type: ignore[index]
            if not isinstance(query, str):
                raise TypeError
        except (ValueError, TypeError, KeyError):
            return json_answer(
                400,
                {
                    "message": "Problems parsing JSON",
                    "documentation_url": "https://docs.github.com/graphql",
                },
                compact=True,
                content_type=JSON_TYPE,
            )
        with self._budget_lock:
            spent = self.graphql_remaining > 0
            if spent:
                self.graphql_remaining -= 1
        if not spent:
            body = {
                "errors": [
                    {"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}
                ]
            }
            return json_answer(
                self.graphql_exhausted_status,
                body,
                compact=True,
                content_type=JSON_TYPE,
                headers=self._rate_headers("graphql"),
            )
        data: dict[str, object] = {}
        errors = []
        for alias, owner, name, line, column in parse_repository_fields(query):
            repo, _ = self._find_by_name(f"{owner}/{name}")
            data[alias] = graphql_repo(repo) if repo else None
            if repo is None:
                errors.append(
                    {
                        "type": "NOT_FOUND",
                        "path": [alias],
                        "locations": [{"line": line, "column": column}],
                        "message": f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                    }
                )
        if "rateLimit" in query:
            reset = datetime.fromtimestamp(self.reset_epoch, timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            data["rateLimit"] = {"cost": 1, "remaining": self.graphql_remaining, "resetAt": reset}
        payload: dict[str, object] = {"data": data}
        if errors:
            payload["errors"] = errors
        return json_answer(
            200,
            payload,
            compact=True,
            content_type=JSON_TYPE,
            headers=self._rate_headers("graphql"),
        )


def _etag(body: bytes, weak: bool) -> str:
    return ("W/" if weak else "") + '"' + hashlib.sha256(body).hexdigest() + '"'
