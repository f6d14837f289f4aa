"""Fuzzing the pure parsers with hypothesis: the URL -> identifier parsers (enrich/ids.py), the title
matcher (enrich/match.py) and the catalog reader (enrich/catalog.py parse_entry / read_catalog).

No input may raise anything but the project's typed errors (enrich/errors.py), what they return
must keep their documented shape, and reading a catalog never changes a file, least of all one it
could not parse. The budgets here are for CI (a few thousand examples, seconds);
`python tests/fuzz_long.py` runs the same properties on >= 100,000 examples per target."""

from __future__ import annotations

import os
import pickle
import random
import re
import tempfile
from pathlib import Path

from conftest import snapshot
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from enrich import catalog as catalog_io
from enrich.errors import CatalogError, EnrichError
from enrich.ids import (
    acl_id_from_url,
    arxiv_id_from_url,
    doi_from_url,
    github_repo_from_url,
    openreview_id_from_url,
    split_arxiv_version,
)
from enrich.match import (
    main_title,
    normalise_title,
    title_ratio,
    titles_compatible,
    titles_match,
)
from enrich.schema import paper_pb2

CI = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}
# The identifier grammars the APIs accept (ASCII only: arXiv answers 400 to anything else).
ARXIV_ID = re.compile(r"(?:[0-9]{4}\.[0-9]{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/[0-9]{7})", re.ASCII)
OPENREVIEW_ID = re.compile(r"[A-Za-z0-9_\-]{5,}", re.ASCII)
GITHUB_PART = re.compile(r"[a-z0-9_.\-]+", re.ASCII)

# -- strategies ---------------------------------------------------------------------------------------

_DIGITS = st.characters(categories=["Nd"])  # every decimal digit, not only 0-9
_ID_TEXT = st.one_of(
    st.from_regex(r"\A\d{4}\.\d{4,5}(v\d{1,3})?\Z"),
    st.from_regex(r"\A[a-z][a-z\-]{0,8}(\.[A-Z]{2})?/\d{7}(v\d)?\Z"),
    st.builds(
        lambda a, b: f"{a}.{b}",
        st.text(_DIGITS, min_size=4, max_size=4),
        st.text(_DIGITS, min_size=4, max_size=5),
    ),
    st.sampled_from(
        [
            "2301.00774",
            "2301.00774v2",
            "cs/0601001",
            "math.GT/0309136",
            "astro-ph/0601001v3",
            "1501.0001",
        ]
    ),
    st.text(max_size=12),
)
_SEGMENT = st.one_of(
    st.sampled_from(
        [
            "abs",
            "pdf",
            "html",
            "forum",
            "pdf",
            "",
            ".",
            "..",
            "owner",
            "repo.git",
            "10.1000",
            "x.pdf",
            "tree",
            "main",
            "%2F",
            "~user",
            "@",
            "?",
            "#",
        ]
    ),
    _ID_TEXT,
    st.text(max_size=10),
)
_HOST = st.one_of(
    st.sampled_from(
        [
            "arxiv.org",
            "www.arxiv.org",
            "export.arxiv.org",
            "ARXIV.ORG",
            "openreview.net",
            "www.openreview.net",
            "doi.org",
            "dx.doi.org",
            "github.com",
            "www.github.com",
            "GitHub.com",
            "arxiv.org:443",
            "user:pw@github.com",
            "github.com.evil.com",
            "evil.com",
            "[::1]",
            "[",
            "arxiv.org.",
            "",
        ]
    ),
    st.text(max_size=15),
)
_QUERY = st.one_of(
    st.just(""),
    st.builds(
        lambda v: f"?id={v}",
        st.one_of(st.from_regex(r"\A[A-Za-z0-9_\-]{3,12}\Z"), st.text(max_size=12)),
    ),
    st.builds(lambda v: f"?{v}", st.text(max_size=15)),
)
STRUCTURED_URLS = st.builds(
    lambda scheme, host, segments, suffix, query, fragment: (
        scheme + host + "/" + "/".join(segments) + suffix + query + fragment
    ),
    st.sampled_from(
        ["https://", "http://", "", "HTTPS://", "ftp://", "//", " https://", "https:/"]
    ),
    _HOST,
    st.lists(_SEGMENT, max_size=5),
    st.sampled_from(["", "/", ".pdf", ".git", "v2", "//", "\n", " "]),
    _QUERY,
    st.sampled_from(["", "#abs", "#"]),
)
_SCHEME = st.sampled_from(["https://", "http://", "", "HTTPS://", "//", "https://www."])
ARXIV_URLS = st.builds(
    lambda scheme, host, kind, identifier, suffix: f"{scheme}{host}/{kind}/{identifier}{suffix}",
    _SCHEME,
    st.sampled_from(["arxiv.org", "export.arxiv.org", "ArXiv.org"]),
    st.sampled_from(["abs", "pdf", "html", "abs/", "/abs", "list"]),
    _ID_TEXT,
    st.sampled_from(["", ".pdf", "v2", "v2.pdf", "/", ".PDF", "?context=cs", "#x"]),
)
OPENREVIEW_URLS = st.builds(
    lambda scheme, kind, query: f"{scheme}openreview.net/{kind}{query}",
    _SCHEME,
    st.sampled_from(["forum", "pdf", "forum/", "attachment"]),
    _QUERY,
)
_GITHUB_NAME = st.one_of(
    st.sampled_from(
        [".", "..", "...", ".git", "..git", "owner", "Owner-1", "a_b", "x.y", "repo.git", "-", "_"]
    ),
    st.from_regex(r"\A[A-Za-z0-9_.\-]{1,10}\Z"),
    st.text(max_size=8),
)
GITHUB_URLS = st.builds(
    lambda scheme, owner, name, rest, suffix: (
        f"{scheme}github.com/{owner}/{name}" + "".join("/" + r for r in rest) + suffix
    ),
    _SCHEME,
    _GITHUB_NAME,
    _GITHUB_NAME,
    st.lists(_SEGMENT, max_size=2),
    st.sampled_from(["", ".git", "/", "#readme", "?tab=1"]),
)
DOI_URLS = st.builds(
    lambda scheme, host, doi: f"{scheme}{host}/{doi}",
    _SCHEME,
    st.sampled_from(["doi.org", "dx.doi.org"]),
    st.one_of(st.from_regex(r"\A10\.\d{4,9}/\S{1,20}\Z"), st.text(max_size=20)),
)
URLS = st.one_of(st.text(), STRUCTURED_URLS, ARXIV_URLS, OPENREVIEW_URLS, GITHUB_URLS, DOI_URLS)

_TITLE_ALPHABET = st.one_of(
    st.characters(),
    st.sampled_from(list("abcXYZ  :-—–_{}$\\'\".,!?()0123456789éÉßﬁǰİıΣσς\u0301\u200b\t\n")),
)
TITLE = st.one_of(
    st.text(_TITLE_ALPHABET, max_size=80),
    st.sampled_from(
        [
            "SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot",
            "paper title",
            "A $\\mathcal{O}(n)$ {BERT}",
            "Über-Pruning — a Subtitle",
            "",
            " ",
            ":",
            "- -",
            "\\emph{}",
        ]
    ),
)


@st.composite
def title_pairs(draw):
    """Two titles: unrelated, or the second an edit of the first (case, punctuation, subtitle, LaTeX)."""
    first = draw(TITLE)
    edit = draw(
        st.sampled_from(["other", "upper", "lower", "subtitle", "latex", "punct", "same", "cut"])
    )
    if edit == "other":
        return first, draw(TITLE)
    second = {
        "upper": first.upper(),
        "lower": first.lower(),
        "same": first,
        "subtitle": first + draw(st.sampled_from([": ", " - ", " — ", " -- "])) + draw(TITLE),
        "latex": "{" + first.replace(" ", " \\textbf{") + "}",
        "punct": first.replace(" ", draw(st.sampled_from([",", ".", " - ", "_", "  "]))),
        "cut": first[: draw(st.integers(0, max(0, len(first))))],
    }[edit]
    return first, second


_TEXT_VALUE = st.text(max_size=30)


@st.composite
def paper_infos(draw) -> paper_pb2.PaperInfo:
    """A PaperInfo with any subset of fields set, strings of any (valid) Unicode."""
    info = paper_pb2.PaperInfo()
    if draw(st.booleans()):
        info.paper.title = draw(_TEXT_VALUE)
        if draw(st.booleans()):
            info.paper.url = draw(st.one_of(_TEXT_VALUE, STRUCTURED_URLS))
        info.paper.abbr = draw(_TEXT_VALUE)
        info.paper.authors.extend(draw(st.lists(_TEXT_VALUE, max_size=3)))
        info.paper.institutions.extend(draw(st.lists(_TEXT_VALUE, max_size=2)))
    if draw(st.booleans()):
        info.pub.where = draw(_TEXT_VALUE)
        info.pub.year = draw(st.integers(-(2**31), 2**31 - 1))
    if draw(st.booleans()):
        info.code.url = draw(_TEXT_VALUE)
    if draw(st.booleans()):
        info.keyword.words.extend(
            draw(st.lists(st.sampled_from(paper_pb2.Keyword.Word.values()), max_size=3))
        )
    if draw(st.booleans()):
        info.update_time = draw(st.integers(-(2**63), 2**63 - 1))
    if draw(st.booleans()):
        enrichment = info.enrichment
        enrichment.abstract = draw(_TEXT_VALUE)
        enrichment.arxiv_id = draw(_TEXT_VALUE)
        enrichment.citation_count = draw(st.integers(-(2**63), 2**63 - 1))
        if draw(st.booleans()):
            enrichment.repo.url = draw(_TEXT_VALUE)
            enrichment.repo.stars = draw(st.integers(0, 2**40))
            enrichment.repo.archived = draw(st.booleans())
        if draw(st.booleans()):
            enrichment.changed.github = draw(_TEXT_VALUE)
    return info


_TOKENS = [
    "paper",
    "pub",
    "code",
    "enrichment",
    "repo",
    "changed",
    "keyword",
    "title",
    "url",
    "authors",
    "year",
    "words",
    "update_time",
    "rating",
    "stars",
    "archived",
    "titel",
    "unknown_field",
    "background_words",
    "repo_url",
    "{",
    "}",
    "<",
    ">",
    ":",
    ";",
    ",",
    "[",
    "]",
    "[efficient_paper.x]",
    "#",
    "\n",
    " ",
    '"',
    "'",
    "\\",
    "\\x",
    "\\u",
    "\\377",
    "\\U00110000",
    "0",
    "-1",
    "0x7fffffffffffffff",
    "99999999999999999999",
    "1e400",
    "nan",
    "inf",
    "true",
    "sparse_pruning",
    "quantization",
    '"text"',
    '"é"',
    "'a\\'b'",
    "\x00",
    "\ufeff",
    "\u2028",
    "\ud7ff",
]


@st.composite
def token_soup(draw) -> bytes:
    """Protobuf-text-like input: known and unknown names, values and punctuation in any order."""
    tokens = draw(st.lists(st.one_of(st.sampled_from(_TOKENS), st.text(max_size=6)), max_size=40))
    return "".join(tokens).encode("utf-8", "surrogatepass")


@st.composite
def mutated_entries(draw) -> bytes:
    """A file the project itself would write, then damaged: bytes flipped, inserted, deleted or cut."""
    data = bytearray(catalog_io.render(draw(paper_infos())))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "cut", "token"]))
        if action == "flip" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif action == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=4))
        elif action == "delete":
            del data[where : where + draw(st.integers(1, 8))]
        elif action == "cut":
            del data[where:]
        else:
            data[where:where] = draw(st.sampled_from(_TOKENS)).encode("utf-8", "surrogatepass")
    return bytes(data)


CATALOG_BYTES = st.one_of(
    st.binary(max_size=400),
    token_soup(),
    mutated_entries(),
    st.builds(lambda info: catalog_io.render(info), paper_infos()),
    st.text(max_size=200).map(lambda text: text.encode("utf-8")),
)

# Hosts that are not the API's own, though they name it: a parser must take nothing from them.
KNOWN_HOSTS = {
    "arxiv.org",
    "export.arxiv.org",
    "browse.arxiv.org",
    "xxx.lanl.gov",
    "ar5iv.labs.arxiv.org",
    "ar5iv.org",
    "alphaxiv.org",
    "huggingface.co",
    "scirate.com",
    "arxiv-vanity.com",
    "papers.cool",
    "emergentmind.com",
    "arxiv-sanity.com",
    "openreview.net",
    "github.com",
    "aclanthology.org",
    "aclweb.org",
    "doi.org",
    "dx.doi.org",
    "dl.acm.org",
    "link.springer.com",
    "onlinelibrary.wiley.com",
    "pubs.acs.org",
    "science.org",
    "pnas.org",
    "tandfonline.com",
    "journals.sagepub.com",
    "iopscience.iop.org",
    "journals.aps.org",
    "biorxiv.org",
    "medrxiv.org",
}
_KNOWN = sorted(KNOWN_HOSTS)
FOREIGN_HOSTS = st.one_of(
    st.builds(
        lambda host, evil: f"{host}.{evil}",
        st.sampled_from(_KNOWN),
        st.sampled_from(["evil.com", "com", "example.org"]),
    ),
    st.builds(
        lambda evil, host: f"{evil}{host}",
        st.sampled_from(["evil", "not", "evil-", "x."]),
        st.sampled_from(_KNOWN),
    ),
    st.builds(
        lambda host: f"{host}@evil.com", st.sampled_from(_KNOWN)
    ),  # user info: the host is evil.com
    st.from_regex(r"\A[a-z0-9][a-z0-9\-]{0,9}\.(com|org|net|io|co)\Z").filter(
        lambda host: host not in KNOWN_HOSTS
    ),
)
# Paths that carry an id on the right host.
ID_PATHS = st.sampled_from(
    [
        "/abs/2301.00774",
        "/pdf/2301.00774v2.pdf",
        "/html/2301.00774",
        "/papers/2301.00774",
        "/arxiv/2301.00774",
        "/forum?id=vVJZtlZB9D",
        "/pdf?id=vVJZtlZB9D",
        "/10.1145/3395363.3397376",
        "/doi/10.1145/3395363.3397376",
        "/IST-DASLab/sparsegpt",
        "/2023.acl-long.1",
        "/anthology/P19-1001.pdf",
        "/abs/cs/0601001",
    ]
)
FOREIGN_URLS = st.builds(
    lambda scheme, host, path: f"{scheme}{host}{path}", _SCHEME, FOREIGN_HOSTS, ID_PATHS
)

# Titles of three to eight real-looking words, drawn from two alphabets that share no letter.
_WORD_A = st.text(st.sampled_from("abcdefghijkl"), min_size=3, max_size=9)
_WORD_B = st.text(st.sampled_from("mnopqrstuvwxyz"), min_size=3, max_size=9)
TITLE_A = st.lists(_WORD_A, min_size=3, max_size=8).map(" ".join)
TITLE_B = st.lists(_WORD_B, min_size=3, max_size=8).map(" ".join)


@st.composite
def same_title_restyled(draw):
    """A title and the same title as another source prints it: case, punctuation, braces, accents."""
    words = draw(st.lists(st.one_of(_WORD_A, _WORD_B), min_size=3, max_size=10))
    title = " ".join(words)
    style = draw(st.sampled_from(["upper", "title", "braces", "punct", "spaces", "trailing-dot"]))
    restyled = {
        "upper": title.upper(),
        "title": title.title(),
        "braces": "{" + title + "}",
        "punct": ", ".join(words),
        "spaces": "  ".join(words),
        "trailing-dot": title + ".",
    }[style]
    return title, restyled


# -- properties (plain functions, so tests/fuzz_long.py can run them with its own budget) -------------


def _call(parse, text: str):
    """The parser's answer; the project's typed errors count as "no identifier"."""
    try:
        return parse(text)
    except EnrichError:
        return None


def check_arxiv_url(url: str) -> None:
    """None, or a version-less ASCII arXiv id that every other URL form of it gives back."""
    arxiv_id = _call(arxiv_id_from_url, url)
    if arxiv_id is None:
        return
    assert ARXIV_ID.fullmatch(arxiv_id), f"not an arXiv id: {arxiv_id!r}"
    assert split_arxiv_version(arxiv_id) == (arxiv_id, None)
    for form in (
        f"https://arxiv.org/abs/{arxiv_id}",
        f"http://arxiv.org/pdf/{arxiv_id}v2.pdf",
        f"arxiv.org/abs/{arxiv_id}v1",
    ):
        assert arxiv_id_from_url(form) == arxiv_id, form


def check_arxiv_id(text: str) -> None:
    """split_arxiv_version: None, or (ASCII arXiv id, version >= 0 or None)."""
    split = _call(split_arxiv_version, text)
    if split is None:
        return
    identifier, version = split
    assert ARXIV_ID.fullmatch(identifier), f"not an arXiv id: {identifier!r}"
    assert version is None or version >= 0


def check_openreview_url(url: str) -> None:
    note_id = _call(openreview_id_from_url, url)
    assert note_id is None or OPENREVIEW_ID.fullmatch(note_id), f"not an OpenReview id: {note_id!r}"


def check_doi_url(url: str) -> None:
    doi = _call(doi_from_url, url)
    if doi is not None:
        assert (
            doi.startswith("10.") and doi == doi.lower() and not any(ch.isspace() for ch in doi)
        ), doi


def check_github_url(url: str) -> None:
    """None, or lower-case owner/name (no '.' or '..': those are paths, not names) that reads back the same."""
    repo = _call(github_repo_from_url, url)
    if repo is None:
        return
    owner, _, name = repo.partition("/")
    assert GITHUB_PART.fullmatch(owner) and GITHUB_PART.fullmatch(name), f"not owner/name: {repo!r}"
    assert owner not in (".", "..") and name not in (".", ".."), f"a path, not owner/name: {repo!r}"
    assert github_repo_from_url(f"https://github.com/{repo}") == repo


def check_foreign_host(url: str) -> None:
    """A URL on a host that only names a known one (github.com.evil.com, evilarxiv.org,
    github.com@evil.com) gives no identifier at all."""
    for parse in (
        arxiv_id_from_url,
        openreview_id_from_url,
        doi_from_url,
        github_repo_from_url,
        acl_id_from_url,
    ):
        assert _call(parse, url) is None, f"{parse.__name__}({url!r}) = {_call(parse, url)!r}"


def check_unrelated_titles(first: str, second: str) -> None:
    """Titles with no letter in common are neither the same paper nor compatible."""
    assert not titles_match(first, second), (first, second)
    assert not titles_compatible(first, second), (first, second)


def check_restyled_title(first: str, second: str) -> None:
    """The same title printed another way is the same paper, strictly."""
    assert titles_match(first, second), (first, second)
    assert titles_compatible(first, second), (first, second)


ID_CHECKS = (check_arxiv_url, check_arxiv_id, check_openreview_url, check_doi_url, check_github_url)


def check_ids(url: str) -> None:
    """Every URL -> identifier parser on one input."""
    for check in ID_CHECKS:
        check(url)


def check_titles(first: str, second: str) -> None:
    """Normalised titles are lower-case words and single spaces; the comparisons are symmetric,
    reflexive, bounded, and strict implies lenient."""
    for title in (first, second):
        normal = normalise_title(title)
        assert normal == normal.strip() and "  " not in normal and "_" not in normal, repr(normal)
        assert all(ch.isalnum() or ch == " " for ch in normal), repr(normal)
        assert isinstance(main_title(title), str)
        assert titles_compatible(title, title)
        assert titles_match(title, title) == bool(normal)
    ratio = title_ratio(first, second)
    assert 0.0 <= ratio <= 100.0 and ratio == title_ratio(second, first)
    strict, lenient = titles_match(first, second), titles_compatible(first, second)
    assert strict == titles_match(second, first)
    assert lenient == titles_compatible(second, first)
    assert lenient or not strict


def check_parse_entry(raw: bytes) -> None:
    """parse_entry gives an Entry, None (a non-paper file) or a CatalogError naming the file and place;
    an entry it reads, written back by the project's printer, reads back the same."""
    path = "meta/fuzz.prototxt"
    try:
        entry = catalog_io.parse_entry(path, raw)
    except CatalogError as error:
        assert str(error).startswith(path) and error.line >= 0 and error.column >= 0, str(error)
        assert str(pickle.loads(pickle.dumps(error))) == str(error)
        return
    if entry is not None:
        assert entry.path == path and isinstance(entry.info, paper_pb2.PaperInfo)
        written = catalog_io.render(entry.info)
        again = catalog_io.parse_entry(path, written)
        assert again is not None and again.info == entry.info, written
        assert catalog_io.render(again.info) == written


def check_read_catalog(raw: bytes, folder: Path) -> None:
    """Reading a catalog never changes, adds or removes a byte, least of all in a file it could not parse."""
    target = folder / "entry.prototxt"
    target.write_bytes(raw)
    before = snapshot(folder)
    found = catalog_io.read_catalog(folder)
    assert snapshot(folder) == before
    assert len(found.entries) + len(found.skipped) + len(found.errors) == 1
    target.unlink()


# -- CI budget: about 5,000 examples, a few seconds --------------------------------------------------


@settings(max_examples=600, **CI)
@given(st.one_of(URLS, _ID_TEXT))
@example(
    "https://arxiv.org/abs/２３０１.００７７４"
)  # found by tests/fuzz_long.py (full-width digits)
@example("ArXiv.org/pdf/0౭00.៩๘႖0")
def test_arxiv_url_parser_returns_an_ascii_versionless_id_or_none(url):
    check_arxiv_url(url)


@settings(max_examples=600, **CI)
@given(st.one_of(_ID_TEXT, st.text()))
@example("໙4൩੯.᠑੨൦𑙕")  # found by tests/fuzz_long.py
def test_arxiv_version_splitter_returns_an_ascii_id_or_none(text):
    check_arxiv_id(text)


@settings(max_examples=600, **CI)
@given(URLS)
def test_openreview_url_parser_returns_a_note_id_or_none(url):
    check_openreview_url(url)


@settings(max_examples=600, **CI)
@given(URLS)
def test_doi_url_parser_returns_a_lower_case_doi_or_none(url):
    check_doi_url(url)


@settings(max_examples=600, **CI)
@given(URLS)
@example("https://github.com/../x")  # found by tests/fuzz_long.py
@example("github.com/./-")
@example("github.com/PPr/.git.git")
def test_github_url_parser_returns_owner_and_name_or_none(url):
    check_github_url(url)


@settings(max_examples=1000, **CI)
@given(title_pairs())
def test_title_matcher_is_total_symmetric_and_strict_implies_lenient(pair):
    check_titles(*pair)


@settings(max_examples=400, **CI)
@given(FOREIGN_URLS)
@example("https://github.com.evil.com/IST-DASLab/sparsegpt")
@example("https://arxiv.org.evil.com/abs/2301.00774")
@example("https://github.com@evil.com/IST-DASLab/sparsegpt")
def test_a_host_that_only_names_a_known_one_gives_no_identifier(url):
    check_foreign_host(url)


@settings(max_examples=300, **CI)
@given(TITLE_A, TITLE_B)
def test_titles_with_nothing_in_common_never_match(first, second):
    check_unrelated_titles(first, second)


@settings(max_examples=300, **CI)
@given(same_title_restyled())
def test_the_same_title_restyled_always_matches(pair):
    check_restyled_title(*pair)


@settings(max_examples=1500, **CI)
@given(CATALOG_BYTES)
def test_catalog_reader_raises_only_catalog_errors_and_round_trips(raw):
    check_parse_entry(raw)


@settings(max_examples=500, **CI)
@given(CATALOG_BYTES)
def test_reading_the_catalog_never_alters_a_file(raw):
    with tempfile.TemporaryDirectory() as folder:
        check_read_catalog(raw, Path(folder))


def test_a_run_leaves_every_unparseable_file_byte_for_byte(tmp_path, run):
    """Through the command (offline, no API): 200 damaged entries, each left exactly as it was."""
    rng = random.Random(20261126)
    source = [
        p.read_bytes() for p in sorted((Path(__file__).parent.parent / "meta").glob("*.prototxt"))
    ]
    root = tmp_path / "meta"
    root.mkdir()
    bad = {}
    while len(bad) < 200:
        data = bytearray(rng.choice(source))
        for _ in range(rng.randint(1, 3)):
            where = rng.randrange(len(data))
            data[where : where + rng.randint(0, 3)] = rng.choice(
                [b"{", b"}", b'"', b"\xff", b"\x00", b"titel: 1 ", b":", b""]
            )
        try:
            catalog_io.parse_entry("x", bytes(data))
        except CatalogError:
            name = f"bad{len(bad):03d}.prototxt"
            bad[name] = bytes(data)
            (root / name).write_bytes(bytes(data))
            os.utime(root / name, (1_000_000_000, 1_000_000_000))
    outcome = run("--offline", catalog_dir=root)
    assert outcome.code == 1
    assert snapshot(root) == bad
    assert all((root / name).stat().st_mtime == 1_000_000_000 for name in bad)
    assert "needs attention (200):" in outcome.out  # one line per file, each naming it
    assert all(f"\n  {root / name}:" in outcome.out for name in bad)
