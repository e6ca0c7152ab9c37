"""Build the documentation site (``make docs``): guide pages from the README's sections, an API reference from the
docstrings, with MkDocs (Material theme, mkdocstrings) in strict mode, offline.

1. The README is split at its ``<!-- section: NAME -->`` markers: the text before the first marker becomes the home
   page, each section the page ``NAME.md`` (its ``##`` heading becomes the page title, every heading one level up).
   A section added to the README is a new page, with no list to update. Links are mended: one to another
   section's heading points at that page, an image is copied along, and a link to a file of the repository that
   is not part of the site (a test, a script) becomes the file's name in code, since the site does not carry it.
2. ``docs/`` (hand-written: the API reference pages under ``docs/reference/``, which are mostly ``::: name``
   directives that mkdocstrings fills from the docstrings) is copied beside them.
3. ``mkdocs.yml`` (theme, plugins, Markdown extensions) gets the page list and the folders, and ``mkdocs build
   --strict`` runs: any warning — a broken cross-reference, a ``:::`` that names nothing, a link to a missing page
   or anchor — fails the build. Nothing is fetched: no web fonts, no analytics, no remote inventories.

Usage: python scripts/build_docs.py [--out DIR]   (default: build/; the site is written to DIR/site)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml
from spec_tools import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
CONFIG = ROOT / "mkdocs.yml"
SECTION = re.compile(r"^<!-- section: (?P<name>[a-z0-9-]+) -->\s*$", re.M)
_HEADING = re.compile(r"^(?P<hashes>#{1,6}) (?P<title>.+?)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"})


class DocsError(Exception):
    """The README cannot be turned into pages (a section without its heading, a link to nothing)."""


@attrs.frozen
class Page:
    """One guide page: its file name, its title, and its Markdown."""

    name: str
    title: str
    text: str


def slugify(title: str) -> str:
    """A heading's anchor on the site: ``Usage: the basics`` → ``usage-the-basics``."""
    from markdown.extensions.toc import slugify as toc_slugify

    return str(toc_slugify(title, "-"))


def _outside_fences(lines: Sequence[str]) -> list[bool]:
    """For each line, whether it is Markdown text rather than the inside (or the fence) of a code block."""
    flags: list[bool] = []
    fenced = False
    for line in lines:
        if _FENCE.match(line):
            flags.append(False)
            fenced = not fenced
            continue
        flags.append(not fenced)
    return flags


def split_readme(text: str) -> list[Page]:
    """The home page and one page per ``<!-- section: NAME -->``, headings one level up.

    Raises DocsError for a section whose first line is not a ``##`` heading (its page would have no title) or
    for two sections with one name.
    """
    markers = list(SECTION.finditer(text))
    pages = [_page("index", text[: markers[0].start()] if markers else text, top=True)]
    for marker, following in zip(markers, [*markers[1:], None], strict=True):
        body = text[marker.end() : following.start() if following else len(text)].lstrip("\n")
        name = marker["name"]
        if not body.startswith("## "):
            raise DocsError(f"README section {name!r}: the line after its marker must be its '## ' heading")
        if any(page.name == name for page in pages):
            raise DocsError(f"README section {name!r} appears twice")
        pages.append(_page(name, body, top=False))
    return pages


def _page(name: str, body: str, *, top: bool) -> Page:
    lines = body.rstrip().splitlines()
    prose = _outside_fences(lines)
    out: list[str] = []
    title = ""
    for line, is_text in zip(lines, prose, strict=True):
        heading = _HEADING.match(line) if is_text else None
        if heading is not None and not top:
            level = max(1, len(heading["hashes"]) - 1)
            line = "#" * level + " " + heading["title"]
        if heading is not None and not title:
            title = heading["title"]
        out.append(line)
    return Page(name, title or name, "\n".join(out) + "\n")


def anchors(pages: Sequence[Page]) -> dict[str, str]:
    """Every heading's anchor → the page it is on."""
    found: dict[str, str] = {}
    for page in pages:
        lines = page.text.splitlines()
        for line, is_text in zip(lines, _outside_fences(lines), strict=True):
            heading = _HEADING.match(line) if is_text else None
            if heading is not None:
                found.setdefault(slugify(heading["title"]), page.name)
    return found


def mend_links(page: Page, where: dict[str, str], copy: set[str]) -> Page:
    """Links that work on the site: anchors to their page, images copied (added to ``copy``), other repository
    files named in code. Links inside code blocks are left alone."""
    lines = page.text.splitlines()

    def mend(match: re.Match[str]) -> str:
        target = match["target"]
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: …
            return match[0]
        if target.startswith("#"):
            anchor = target[1:]
            if anchor not in where:
                raise DocsError(f"{page.name}: link to #{anchor}, which no heading of the README has")
            on = where[anchor]
            return f"{match['bang']}[{match['text']}]({'' if on == page.name else on + '.md'}#{anchor})"
        path = target.split("#", 1)[0]
        if not (ROOT / path).exists():
            raise DocsError(f"{page.name}: link to {target}, which is not in the repository")
        if Path(path).suffix.lower() in _IMAGE_SUFFIXES:
            copy.add(path)
            return match[0]
        text = match["text"].strip("`")
        return f"`{path}`" if text.rstrip("/") == path.rstrip("/") else f"{match['text']} (`{path}` in the repository)"

    # Consecutive prose lines are mended together: a link's text may wrap onto the next line.
    chunks: list[tuple[bool, list[str]]] = []
    for line, is_text in zip(lines, _outside_fences(lines), strict=True):
        if chunks and chunks[-1][0] == is_text:
            chunks[-1][1].append(line)
        else:
            chunks.append((is_text, [line]))
    out = [_LINK.sub(mend, "\n".join(part)) if is_text else "\n".join(part) for is_text, part in chunks]
    return Page(page.name, page.title, "\n".join(out) + "\n")


def reference_pages(docs: Path = DOCS) -> list[str]:
    """The hand-written reference pages, as paths relative to ``docs/``, in name order."""
    return sorted(p.relative_to(docs).as_posix() for p in (docs / "reference").glob("*.md"))


def assemble(out: Path, readme: Path = README, docs: Path = DOCS, config: Path = CONFIG) -> Path:
    """Write the pages and the MkDocs configuration under ``out``; returns the configuration's path."""
    pages = split_readme(readme.read_text(encoding="utf-8"))
    where = anchors(pages)
    copy: set[str] = set()
    pages = [mend_links(page, where, copy) for page in pages]
    source = out / "docs"
    if source.exists():
        shutil.rmtree(source)
    if docs.is_dir():
        shutil.copytree(docs, source)
    source.mkdir(parents=True, exist_ok=True)
    for page in pages:
        (source / f"{page.name}.md").write_text(page.text, encoding="utf-8")
    for path in sorted(copy):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / path, source / path)
    settings: dict[str, Any] = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["docs_dir"] = str(source.resolve())
    settings["site_dir"] = str((out / "site").resolve())
    settings["nav"] = [
        {"Home": "index.md"},
        {"Guide": [{page.title: f"{page.name}.md"} for page in pages[1:]]},
        {"API reference": reference_pages(docs)},
    ]
    for plugin in settings["plugins"]:
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:  # the package is read from this checkout
            python = plugin["mkdocstrings"]["handlers"]["python"]
            python["paths"] = [str(ROOT)]
            options = python.setdefault("options", {})
            options["extensions"] = [str(ROOT / e) for e in options.get("extensions", [])]  # from the checkout
    written = out / "mkdocs.yml"
    written.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "build", help="work folder (default: build/)")
    args = parser.parse_args(argv)
    try:
        config = assemble(args.out)
    except DocsError as exc:
        print(f"docs FAILED: {exc}", file=sys.stderr)
        return 1
    # Material for MkDocs prints a banner on every build that it reaches end of life in May 2027 (Zensical, its
    # successor, reads the same mkdocs.yml): known, and not a problem with these pages, so it is switched off.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config)]
    build = subprocess.run(command, check=False, env=env)
    if build.returncode == 0:
        print(f"docs: {args.out / 'site' / 'index.html'}")
    return build.returncode


if __name__ == "__main__":
    raise SystemExit(main())
