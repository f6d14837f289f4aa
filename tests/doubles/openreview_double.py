"""OpenReviewDouble: `GET /notes` and `POST /login` for API 2 (wrapped content) or API 1 (plain)."""

from __future__ import annotations

import random
import re
import secrets
import threading
from datetime import datetime, timezone

from .base import Answer, DoubleServer, json_answer
from .faults import Recorded
from .world import Paper, World, last_name, publication_date, stable_hex, stable_int

_VENUE = re.compile(r"^(?:Submitted to )?(\w+)\s+(\d{4})\b")


def _domain(paper: Paper) -> str:
    """ "ICLR 2023 poster" -> "ICLR.cc/2023/Conference"; TMLR has its own group."""
    found = _VENUE.match(paper.venue)
    conference, year = (found.group(1), found.group(2)) if found else ("ICLR", str(paper.year))
    if conference.upper() == "TMLR":
        return "TMLR"
    return f"{conference}.cc/{year}/Conference"


def _profile_id(author: str) -> str:
    return "~" + "_".join(author.replace(".", "").split()) + "1"


def _paperhash(paper: Paper) -> str:
    words = re.sub(r"[^a-z0-9]+", "_", paper.title.lower()).strip("_")
    first = last_name(paper.authors[0]).lower() if paper.authors else "anonymous"
    return f"{first}|{words}"


def _epoch_ms(paper: Paper) -> int:
    day = datetime.fromisoformat(publication_date(paper)).replace(tzinfo=timezone.utc)
    return int(day.timestamp() * 1000) + stable_int(paper.title) % 86_400_000


class OpenReviewDouble(DoubleServer):
    """One OpenReview API (2 or 1); serves only papers whose `openreview_api` equals `api`.

    Intermittent challenge (the real one comes and goes): `challenge_every=k` challenges the
    1st, (k+1)-th, (2k+1)-th ... GET /notes, `challenge_rate=p` a seeded-random share p of them
    (`challenge_seed`);
    the challenged requests are in `challenged`. `token_uses=n`: a token serves n GET /notes,
    then answers the real 401 TokenExpiredError (or, with `expired_as_guest`, the challenge an
    anonymous call gets: the API has also treated an expired token as none). A paper with `openreview_readable=False`
    answers the real 403 ForbiddenError (for `id=`, and for an `ids=` list that names it)."""

    def __init__(
        self,
        world: World,
        api: int = 2,
        require_login: bool = False,
        users: dict[str, str] | None = None,
        challenge_every: int | None = None,
        challenge_rate: float = 0.0,
        challenge_seed: int = 0,
        token_uses: int | None = None,
        expired_as_guest: bool = False,
    ) -> None:
        if api not in (1, 2):
            raise ValueError("api must be 1 or 2")
        self.world = world
        self.api = api
        self.require_login = require_login
        self.users = {"alice": "secret"} if users is None else users
        self.tokens: dict[str, int] = {}  # token -> GET /notes it served
        self.token_uses = token_uses
        self.expired_as_guest = expired_as_guest
        self.challenge_every = challenge_every
        self.challenge_rate = challenge_rate
        self._challenge_dice = random.Random(challenge_seed)
        self._notes_asked = 0
        self.challenged: list[Recorded] = []
        self.expired: list[Recorded] = []  # requests refused for an expired token
        self._token_lock = threading.Lock()
        super().__init__()

    def revoke_tokens(self) -> None:
        """Forget every issued token (the next authenticated call is challenged again)."""
        with self._token_lock:
            self.tokens.clear()

    def handle(self, request: Recorded) -> Answer:
        path = request.path.rstrip("/")
        if request.method == "POST" and path == "/login":
            return self._login(request)
        if request.method == "GET" and path == "/notes":
            if self._challenge_now(request):
                return _challenge()
            session = self._session(request)
            if session == "expired":
                with self._token_lock:
                    self.expired.append(request)
                if self.expired_as_guest:
                    return _challenge()
                return _error(401, "TokenExpiredError", "Token has expired. Please log in again.")
            if self.require_login and session != "valid":
                return _challenge()
            return self._notes(request)
        return _error(404, "NotFoundError", f"The path {request.path} was not found")

    def _challenge_now(self, request: Recorded) -> bool:
        with self._token_lock:
            self._notes_asked += 1
            every = self.challenge_every
            hit = (every is not None and (self._notes_asked - 1) % every == 0) or (
                self.challenge_rate > 0 and self._challenge_dice.random() < self.challenge_rate
            )
            if hit:
                self.challenged.append(request)
            return hit

    # -- login -------------------------------------------------------------------------------
    def _session(self, request: Recorded) -> str:
        """ "valid" (and counts the use), "expired", or "none" for a missing or unknown token."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        with self._token_lock:
            if scheme.lower() != "bearer" or token not in self.tokens:
                return "none"
            if self.token_uses is not None and self.tokens[token] >= self.token_uses:
                return "expired"
            self.tokens[token] += 1
            return "valid"

    def _login(self, request: Recorded) -> Answer:
        try:
            credentials = request.json()
            user, password = credentials["id"], credentials["password"]
        except (ValueError, TypeError, KeyError):
            return _error(400, "ValidationError", "id and password are required")
        if user not in self.users or self.users[user] != password:
            return _error(400, "InvalidCredentialsError", "Invalid username or password")
        token = secrets.token_hex(24)
        with self._token_lock:
            self.tokens[token] = 0
        profile = _profile_id(user.split("@")[0].title())
        return json_answer(
            200,
            {
                "token": token,
                "user": {
                    "id": profile,
                    "profile": {
                        "id": profile,
                        "usernames": [profile],
                        "preferredEmail": user if "@" in user else f"{user}@example.org",
                    },
                },
            },
        )

    # -- notes -------------------------------------------------------------------------------
    def _held(self) -> list[Paper]:
        return [p for p in self.world.papers if p.openreview_id and p.openreview_api == self.api]

    def _notes(self, request: Recorded) -> Answer:
        held = {p.openreview_id: p for p in self._held()}
        named = [request.param("id") or ""] if request.param("id") is not None else []
        if self.api == 2:
            named += [part for part in (request.param("ids") or "").split(",") if part]
        named.append(request.param("forum") or "")
        for note_id in named:
            if note_id in held and not held[note_id].openreview_readable:
                return _forbidden(request, note_id)
        if request.param("id") is not None:
            note_id = request.param("id") or ""
            paper = held.get(note_id)
            if paper is None:
                return _error(
                    404,
                    "NotFoundError",
                    f"The Note {note_id} was not found",
                    {"path": "id", "value": note_id},
                )
            notes = [self._note(paper)]
        elif request.param("ids") is not None:
            if self.api == 1:
                return _error(400, "ValidationError", "Invalid parameter ids", {"path": "ids"})
            wanted = [part for part in (request.param("ids") or "").split(",") if part]
            notes = [self._note(held[i]) for i in wanted if i in held]
        elif request.param("forum") is not None:
            paper = held.get(request.param("forum") or "")
            notes = [] if paper is None else [self._note(paper), self._review(paper)]
        else:
            notes = [self._note(p) for p in held.values()]
        return json_answer(200, {"notes": notes, "count": len(notes)})

    def _number(self, paper: Paper) -> int:
        return self.world.papers.index(paper) + 1

    def _note(self, paper: Paper) -> dict:
        domain = _domain(paper)
        number = self._number(paper)
        created = _epoch_ms(paper)
        content: dict[str, object] = {
            "title": paper.title,
            "authors": list(paper.authors),
            "authorids": [_profile_id(a) for a in paper.authors],
            "keywords": ["sparsity", "pruning"],
            "abstract": paper.abstract,
            "pdf": f"/pdf/{stable_hex(paper.openreview_id or paper.title)}.pdf",
            "paperhash": _paperhash(paper),
        }
        if paper.tldr:
            content["TL;DR"] = paper.tldr
        if paper.code:
            content["code"] = paper.code
        if paper.venue:
            content["venue"] = paper.venue
            content["venueid"] = domain
        if self.api == 1:
            return {
                "id": paper.openreview_id,
                "original": None,
                "number": number,
                "cdate": created,
                "tcdate": created,
                "tmdate": created + 9_000_000_000,
                "ddate": None,
                "content": content,
                "forum": paper.openreview_id,
                "referent": None,
                "invitation": f"{domain}/-/Blind_Submission",
                "replyto": None,
                "readers": ["everyone"],
                "nonreaders": [],
                "signatures": [domain],
                "writers": [domain],
            }
        return {
            "id": paper.openreview_id,
            "forum": paper.openreview_id,
            "domain": domain,
            "replyto": None,
            "invitations": [
                f"{domain}/-/Submission",
                f"{domain}/-/Post_Submission",
                f"{domain}/Submission{number}/-/Revision",
                f"{domain}/-/Edit",
            ],
            "readers": ["everyone"],
            "writers": [domain, f"{domain}/Submission{number}/Authors"],
            "signatures": [f"{domain}/Submission{number}/Authors"],
            "number": number,
            "content": {key: {"value": value} for key, value in content.items()},
            "cdate": created,
            "mdate": created + 9_000_000_000,
            "tcdate": created,
            "tmdate": created + 9_000_000_000,
            "pdate": created + 7_000_000_000,
            "odate": created + 1_000_000_000,
            "license": "CC BY 4.0",
            "version": 2,
        }

    def _review(self, paper: Paper) -> dict:
        """An official review in the same forum: its id differs from the forum id."""
        domain, number = _domain(paper), self._number(paper)
        review_id = stable_hex("review" + (paper.openreview_id or ""), 10)
        signature = f"{domain}/Submission{number}/Reviewer_abcd"
        if self.api == 1:
            return {
                "id": review_id,
                "original": None,
                "number": 1,
                "cdate": _epoch_ms(paper) + 4_000_000_000,
                "content": {
                    "title": "Official Review of Paper" + str(number),
                    "review": "A solid paper.",
                    "rating": "6: marginally above the acceptance threshold",
                },
                "forum": paper.openreview_id,
                "replyto": paper.openreview_id,
                "invitation": f"{domain}/Paper{number}/-/Official_Review",
                "readers": ["everyone"],
                "nonreaders": [],
                "signatures": [signature],
                "writers": [domain],
            }
        return {
            "id": review_id,
            "forum": paper.openreview_id,
            "replyto": paper.openreview_id,
            "signatures": [signature],
            "nonreaders": [],
            "readers": ["everyone"],
            "writers": [domain, signature],
            "number": 1,
            "domain": domain,
            "invitations": [f"{domain}/Submission{number}/-/Official_Review", f"{domain}/-/Edit"],
            "content": {
                "summary": {"value": "A solid paper."},
                "rating": {"value": 6},
                "confidence": {"value": 4},
            },
            "cdate": _epoch_ms(paper) + 4_000_000_000,
            "license": "CC BY 4.0",
            "version": 2,
        }


def _challenge() -> Answer:
    return _error(
        403,
        "ChallengeRequiredError",
        "A challenge is required to access this resource. Please log in.",
    )


def _forbidden(request: Recorded, note_id: str) -> Answer:
    """The real ForbiddenError's shape (api-samples/openreview/403-ForbiddenError-*); the
    message wording for an unreadable note is assumed."""
    req_id = f"double-{secrets.token_hex(4)}"
    query = "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)
    return json_answer(
        403,
        {
            "name": "ForbiddenError",
            "message": f"You don't have permission to read Note {note_id} ({req_id})",
            "status": 403,
            "details": {"path": f"{request.path}?{query}", "user": "guest_1", "reqId": req_id},
        },
        compact=True,
    )


def _error(status: int, name: str, message: str, details: dict | None = None) -> Answer:
    body = {
        "name": name,
        "message": message,
        "status": status,
        "details": {**(details or {}), "reqId": f"double-{secrets.token_hex(4)}"},
    }
    return json_answer(status, body, compact=True)
