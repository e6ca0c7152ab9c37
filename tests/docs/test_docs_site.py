"""``make docs``: README sections become guide pages, links are mended, and the strict build fails on a broken
reference (``make test`` builds the real site; these build small ones)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from build_docs import DocsError, Page, anchors, assemble, mend_links, reference_pages, split_readme

from .readme_blocks import README, ROOT

SAMPLE = """\
# my-package

Intro.

<!-- section: install -->
## Install

Text with a [link](#usage-and-more) to another page and [one](#install) to this one.

```python
# a comment, not a heading; [x](#nowhere) is code
```

<!-- section: usage -->
## Usage and more

### Details

See [`README.md`](README.md) and ![a picture](docs/canvas.png), and [the install
section](#install) with its text wrapped.
"""


def test_each_section_is_a_page_with_its_heading_as_title_and_headings_one_level_up() -> None:
    pages = split_readme(SAMPLE)
    assert [(p.name, p.title) for p in pages] == [
        ("index", "my-package"),
        ("install", "Install"),
        ("usage", "Usage and more"),
    ]
    assert pages[2].text.startswith("# Usage and more\n\n## Details\n")
    assert "# a comment, not a heading" in pages[1].text  # code blocks keep their lines as they are
    assert pages[0].text.startswith("# my-package\n")  # the home page keeps its levels


def test_links_are_mended_for_the_site() -> None:
    pages = split_readme(SAMPLE)
    where = anchors(pages)
    copy: set[str] = set()
    install, usage = (mend_links(p, where, copy) for p in pages[1:])
    assert "[link](usage.md#usage-and-more)" in install.text
    assert "[one](#install)" in install.text
    assert "[x](#nowhere)" in install.text  # inside a code block: untouched
    assert (
        "See `README.md` and ![a picture](docs/canvas.png), and [the install\nsection](install.md#install)"
        in usage.text
    )
    assert copy == {"docs/canvas.png"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# t\n<!-- section: a -->\nNo heading here.\n", "the line after its marker must be its '## ' heading"),
        ("# t\n<!-- section: a -->\n## A\n<!-- section: a -->\n## B\n", "appears twice"),
    ],
)
def test_a_readme_the_site_cannot_follow_is_refused(text: str, message: str) -> None:
    with pytest.raises(DocsError, match=message):
        split_readme(text)


@pytest.mark.parametrize(
    ("line", "message"),
    [("[a](#no-such-heading)", "#no-such-heading"), ("[b](tests/no_such_file.py)", "not in the repository")],
)
def test_a_link_to_nothing_is_refused(line: str, message: str) -> None:
    page = Page("p", "P", f"# P\n\n{line}\n")
    with pytest.raises(DocsError, match=message):
        mend_links(page, anchors([page]), set())


def test_every_readme_section_is_a_page_and_its_links_resolve() -> None:
    text = README.read_text(encoding="utf-8")
    pages = split_readme(text)
    assert [p.name for p in pages[1:]] == [
        line.split()[2] for line in text.splitlines() if line.startswith("<!-- section:")
    ]
    assert pages[1].name == "install"  # Install comes first
    where = anchors(pages)
    for page in pages:
        mend_links(page, where, set())  # raises on a link to nothing
    assert reference_pages()  # and there is an API reference


def test_every_public_name_is_in_the_api_reference() -> None:
    import leonardo_realtime_client

    documented: set[str] = set()
    for page in reference_pages():
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        documented |= set(re.findall(r"(?m)^::: leonardo_realtime_client\.(\w+)$", text))
    missing = set(leonardo_realtime_client.__all__) - documented - {"__version__"}
    assert not missing, f"public names with no '::: leonardo_realtime_client.NAME' in docs/reference: {sorted(missing)}"


def test_the_install_table_names_every_extra() -> None:
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    install = split_readme(README.read_text(encoding="utf-8"))[1]
    rows = set(re.findall(r"(?m)^\| `([a-z]+)` \|", install.text))
    assert rows == set(extras), f"extras with no row in the README's table: {sorted(set(extras) - rows)}"


def _build(tmp_path: Path, reference: str) -> subprocess.CompletedProcess[str]:
    readme = tmp_path / "README.md"
    readme.write_text("# t\n\nHome.\n\n<!-- section: guide -->\n## Guide\n\nText.\n", encoding="utf-8")
    docs = tmp_path / "docs"
    (docs / "reference").mkdir(parents=True)
    (docs / "reference" / "api.md").write_text(reference, encoding="utf-8")
    config = assemble(tmp_path / "build", readme=readme, docs=docs)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )


def test_the_strict_build_renders_a_reference_from_the_docstrings(tmp_path: Path) -> None:
    run = _build(tmp_path, "# API\n\n::: leonardo_realtime_client.RetryPolicy\n")
    assert run.returncode == 0, run.stderr
    html = (tmp_path / "build" / "site" / "reference" / "api.html").read_text(encoding="utf-8")
    assert 'id="leonardo_realtime_client.RetryPolicy"' in html
    assert "fonts.googleapis.com" not in html  # nothing fetched by the reader's browser either
    # Opened from disk (file://), links must name pages: a link to a folder shows the folder's listing there.
    home = (tmp_path / "build" / "site" / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'<a href="([^"#:]+)"', home)) - {"."}
    assert {"guide.html", "reference/api.html"} <= links, links
    assert not [link for link in links if link.endswith("/")], links


@pytest.mark.parametrize(
    ("reference", "named"),
    [
        ("# API\n\n::: leonardo_realtime_client.NoSuchThing\n", "NoSuchThing"),  # names nothing
        ("# API\n\nSee [the client][leonardo_realtime_client.NoSuchClient].\n", "NoSuchClient"),  # cross-reference
        ("# API\n\nSee [the guide](no-such-page.md).\n", "no-such-page.md"),  # a link to a missing page
        ("# API\n\nSee [the guide](../guide.md#no-such-heading).\n", "no-such-heading"),  # a missing anchor
    ],
)
def test_a_broken_reference_fails_the_build(tmp_path: Path, reference: str, named: str) -> None:
    run = _build(tmp_path, reference)
    assert run.returncode != 0
    assert named in run.stderr


@pytest.mark.parametrize(
    ("docstring", "markdown"),
    [
        ("Raises :class:`~leonardo_realtime_client.ImageError`.", "Raises `ImageError`."),
        (
            "See :meth:`RealtimeSession.flush` and :data:`MAX_IMAGE_PIXELS`.",
            "See `RealtimeSession.flush` and `MAX_IMAGE_PIXELS`.",
        ),
        ("An example::\n\n    x = 1\n", "An example:\n\n    x = 1\n"),
        ("::\n\n    x = 1\n", "\n\n    x = 1\n"),
        # a "::" paragraph of its own after a sentence vanishes; it read "a malformed answer.:" on the site
        ("for a malformed answer.\n\n::\n\n    x = 1\n", "for a malformed answer.\n\n\n\n    x = 1\n"),
        ("Text.\n\n    ::\n\n        x = 1\n", "Text.\n\n\n\n        x = 1\n"),
        ("Plain ``code`` stays, a: b:: c stays", "Plain ``code`` stays, a: b:: c stays"),
    ],
)
def test_docstrings_read_as_markdown_on_the_site(docstring: str, markdown: str) -> None:
    from griffe_sphinx_roles import markdown_text

    assert markdown_text(docstring) == markdown


def test_the_site_shows_the_operations_options_written_out_with_their_declared_types() -> None:
    import griffe

    extensions = griffe.load_extensions(str(ROOT / "scripts" / "griffe_sphinx_roles.py"))
    package = griffe.load("leonardo_realtime_client", search_paths=[ROOT], extensions=extensions)
    for client in ("RealtimeCanvas", "AsyncRealtimeCanvas"):
        upscale = package[f"{client}.upscale"]
        shown = [(p.name, p.kind.value, str(p.annotation), p.default) for p in upscale.parameters]
        assert shown[:3] == [
            ("self", "positional or keyword", "None", None),
            ("image", "positional or keyword", "ImageInput", None),
            ("prompt", "keyword-only", "str", None),
        ]
        assert shown[3:] == [
            (name, "keyword-only", annotation, "None")
            for name, annotation in [
                ("guidance", "Number | None"),
                ("strength", "Number | None"),
                ("steps", "Integer | None"),
                ("width", "Integer | None"),
                ("height", "Integer | None"),
                ("seed", "Integer | None"),
                ("style", "LcmGenerationStyle | str | None"),
                ("request_timestamp", "str | None"),
                ("refine_creative", "bool | None"),
                ("refine_strength", "Number | None"),
                ("timeout", "TimeoutTypes"),
                ("total_timeout", "Number | None"),
                ("max_retries", "Integer | None"),
            ]
        ]
        guidance = upscale.parameters["guidance"].annotation
        assert isinstance(guidance, griffe.Expr)  # an expression the site links, not a bare string
        assert guidance.left.canonical_path == "leonardo_realtime_client._numbers.Number"  # type: ignore[attr-defined]
        assert [p.name for p in package[f"{client}.generate"].parameters][-3:] == [
            "timeout",
            "total_timeout",
            "max_retries",
        ]
