"""Render every view of a catalog to files: the README list, the grouped lists, papers.json
and the page. Writes only files whose bytes change (atomically) and returns their paths, so
a caller (e.g. a commit step) knows exactly what it wrote."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from google.protobuf.message import DecodeError

from enrich import catalog as catalog_io
from enrich import parsecache
from enrich.atomic import write_atomic
from enrich.errors import CatalogError, UsageError
from enrich.history import read_history
from enrich.records import Entry
from enrich.schema import paper_pb2
from enrich.views import markdown, papers_json
from enrich.views.model import Paper, papers_from_entries

log = logging.getLogger(__name__)

PAGE_FILES = ("index.html", "page.js", "page.css")  # the page's static files (enrich/views/static)
DATA_FILES = ("papers.json", "papers.js", "abstracts.js")


@dataclass(frozen=True)
class RenderOptions:
    catalog: Path
    readme: Path
    lists: Path
    site: Path
    history: Path
    check: bool = False  # write nothing; report what would change
    cache_dir: Path | None = (
        None  # the enrich run's cache folder: its parse cache is reused (read only)
    )


@dataclass
class RenderResult:
    papers: int = 0
    written: list[Path] = field(default_factory=list)  # written, or with check: would change
    unchanged: list[Path] = field(default_factory=list)
    errors: list[CatalogError] = field(default_factory=list)  # catalog files left out
    check: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.errors or (self.check and self.written) else 0

    def summary_lines(self) -> list[str]:
        verb = "would change" if self.check else "written"
        lines = [
            f"papers: {self.papers}, files {verb}: {len(self.written)}, unchanged: {len(self.unchanged)}"
        ]
        lines += [f"  {verb}: {path}" for path in self.written]
        if self.errors:
            lines.append(f"needs attention ({len(self.errors)}):")
            lines += [f"  left out, cannot read {error}" for error in self.errors]
        return lines


def read_entries(
    root: Path, cache_dir: Path | None = None
) -> tuple[list[tuple[Entry, str]], list[CatalogError]]:
    """Every paper entry with its path in the catalog, and the files that could not be read.
    Unlike the enrich run's reader this changes nothing: leftover temporary files stay, and the
    enrich run's parse cache (when `cache_dir` holds one) is only read, never written."""
    paths = catalog_io.find_files(root)
    contents, errors = [], []
    for path in paths:
        try:
            contents.append((path, path.read_bytes()))
        except OSError as error:
            errors.append(
                CatalogError(str(path), f"cannot read: {error.strerror}", hint="check permissions")
            )
    stored: dict[bytes, tuple[int, bytes]] = {}
    if cache_dir is not None and (cache_dir / parsecache.FILENAME).is_file():
        with parsecache.ParseCache(cache_dir) as store:
            stored = store.get_many(parsecache.digest(raw) for _, raw in contents)
    entries = []
    for path, raw in contents:
        entry = None
        hit = stored.get(parsecache.digest(raw)) if stored else None
        if hit is not None and hit[0] == parsecache.PAPER:
            try:
                entry = Entry(str(path), paper_pb2.PaperInfo.FromString(hit[1]))
            except DecodeError:
                entry = None
        if entry is None and not (hit is not None and hit[0] == parsecache.NOT_A_PAPER):
            try:
                entry = catalog_io.parse_entry(str(path), raw)
            except CatalogError as error:
                errors.append(error)
                continue
        if entry is not None and entry.info.ListFields():
            entries.append((entry, path.relative_to(root).as_posix()))
    return entries, errors


def _relative(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()


def _links(options: RenderOptions, folder: Path) -> markdown.Links:
    return markdown.Links(
        _relative(options.catalog, folder), _relative(options.catalog.parent, folder)
    )


def check_usage(options: RenderOptions) -> None:
    """UsageError (exit 2) for what makes rendering impossible, before anything is read."""
    if not options.catalog.is_dir():
        raise UsageError(f"no such catalog folder: {options.catalog} (give one with --catalog DIR)")
    how = (
        f"add the two lines '{markdown.START_MARKER}' and '{markdown.END_MARKER}' to {options.readme} "
        "where the list should go (or give another file with --readme FILE)"
    )
    try:
        text = options.readme.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such README: {options.readme}; create it and {how}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {options.readme}: {error}") from None
    try:
        markdown.replace_region(text, "")
    except markdown.MarkersMissing as error:
        raise UsageError(f"{options.readme} {error}: {how}") from None


def outputs(options: RenderOptions, papers: list[Paper]) -> dict[Path, bytes]:
    """Every output file and its bytes."""
    readme_folder = options.readme.parent
    site_index = options.site / "index.html"
    page_link = _relative(site_index, readme_folder) if PAGE_FILES else None
    region = markdown.readme_region(papers, _links(options, readme_folder), page_link)
    readme = options.readme.read_text(encoding="utf-8")
    files = {options.readme: markdown.replace_region(readme, region).encode("utf-8")}
    catalog_label = _relative(options.catalog, options.lists)
    list_links, list_rows = (
        _links(options, options.lists),
        dict[str, str](),
    )  # every list shares one row per paper
    for kind in markdown.LISTS:
        text = markdown.grouped_list(kind, papers, list_links, catalog_label, list_rows)
        files[options.lists / f"{kind}.md"] = text.encode("utf-8")
    objects = [papers_json.paper_json(paper) for paper in papers]
    files[options.site / "papers.json"] = papers_json.document_text(objects).encode("utf-8")
    files[options.site / "papers.js"] = papers_json.page_data(objects).encode("utf-8")
    files[options.site / "abstracts.js"] = papers_json.page_abstracts(objects).encode("utf-8")
    static = resources.files("enrich.views") / "static"
    for name in PAGE_FILES:
        files[options.site / name] = (static / name).read_bytes()
    return files


def render(options: RenderOptions) -> RenderResult:
    """Render the catalog's views; UsageError when the catalog or the README markers are missing."""
    check_usage(options)
    entries, errors = read_entries(options.catalog, options.cache_dir)
    history = read_history(options.history)
    papers = papers_from_entries(entries, history)
    result = RenderResult(papers=len(papers), errors=errors, check=options.check)
    for path, content in outputs(options, papers).items():
        try:
            current = path.read_bytes()
        except OSError:
            current = None
        if current == content:
            result.unchanged.append(path)
            continue
        if not options.check:
            write_atomic(path, content)
        result.written.append(path)
    log.info(
        "rendered %d papers: %d files written, %d unchanged",
        len(papers),
        len(result.written),
        len(result.unchanged),
    )
    return result
