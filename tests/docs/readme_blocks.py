"""The Python blocks of the README, and the world they run in (used by ``test_readme_blocks.py``).

Every block fenced as ```` ```python ```` in ``README.md`` is a test, found automatically (a block added to any
section is picked up). The preamble each block runs in:

- **Environment**: ``LEONARDO_BASE_URL`` points at a local server on 127.0.0.1 started for the block, and
  ``LEONARDO_API_KEY`` is set (``README_TEST_KEY``), so ``RealtimeCanvas()`` with no arguments reaches it.
- **Working folder**: a fresh temporary folder holding the sample files blocks may name (``SAMPLE_FILES``):
  ``sketch.png``, ``sketch.jpg``, ``photo.jpg``, ``a.jpg``, ``b.jpg`` (640x640 pictures), ``mask.png`` (640x640,
  white ellipse on black), and the folders ``sketches/`` (three PNGs) and ``photos/`` (two JPEGs).
- **No real waiting**: ``time.sleep`` and ``anyio.sleep`` are replaced by recorders for the block's run, so a
  server latency or a retry's backoff in an example costs nothing (the waits are recorded, not slept).
- A block is run as a script (``__name__ == "__main__"``), in the test's process. A block that defines
  ``test_*`` functions is instead run as a pytest file (with this package's pytest plugin, so its fixtures work).
- Every block is also type-checked with ``mypy --strict``.

A block that must not run (it needs a real key, or another machine) is marked by an HTML comment on the line
just before its fence, giving the reason; it is still type-checked::

    <!-- readme-test: no-run (needs a real LEONARDO_API_KEY: four paid calls) -->
    ```python
    ...
    ```
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
README_TEST_KEY = "readme-test-key"
NO_RUN = re.compile(r"^\s*<!--\s*readme-test:\s*no-run\s*\((?P<reason>[^)]+)\)\s*-->\s*$")
_MARKER = re.compile(r"^\s*<!--\s*readme-test:")
_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<info>[\w+-]*)\s*$")


@attrs.frozen
class Block:
    """One fenced Python block: where it starts (1-based line of the fence), its code, and why it must not run."""

    source: Path
    line: int
    code: str
    no_run: str | None = None

    @property
    def id(self) -> str:
        return f"{self.source.name}:{self.line}"

    @property
    def is_pytest_file(self) -> bool:
        return re.search(r"^(async )?def test_", self.code, re.M) is not None

    @property
    def module_name(self) -> str:
        return f"readme_block_{self.source.stem.lower().replace('-', '_')}_{self.line}"


class MarkerError(ValueError):
    """A ``readme-test`` marker that is misspelt or does not stand just before a Python block."""


def python_blocks(path: Path = README) -> list[Block]:
    """Every ```` ```python ```` block of a Markdown file, dedented, with its ``no-run`` reason if marked.

    Raises MarkerError for a ``readme-test`` comment that is not exactly the documented marker, or that is not
    followed by a Python block: a typo must not silently run (or silently skip) an example.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None:
            if _MARKER.match(lines[i]):
                if NO_RUN.match(lines[i]) is None:
                    raise MarkerError(f"{path.name}:{i + 1}: not the documented marker: {lines[i].strip()!r}")
                following = _FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
                if following is None or following["info"] != "python":
                    raise MarkerError(f"{path.name}:{i + 1}: a readme-test marker must stand just before ```python")
            i += 1
            continue
        indent, info = fence["indent"], fence["info"]
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if info == "python":
            body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[i + 1 : end]]
            marker = NO_RUN.match(lines[i - 1]) if i > 0 else None
            blocks.append(Block(path, i + 1, "\n".join(body) + "\n", marker["reason"].strip() if marker else None))
        i = end + 1
    return blocks


SAMPLE_FILES = (
    "sketch.png",
    "sketch.jpg",
    "photo.jpg",
    "a.jpg",
    "b.jpg",
    "mask.png",
    "sketches/sketch-1.png",
    "sketches/sketch-2.png",
    "sketches/sketch-3.png",
    "photos/photo-1.jpg",
    "photos/photo-2.jpg",
)
SAMPLE_SIZE = (640, 640)


def write_sample_files(folder: Path) -> list[Path]:
    """The files README blocks may name, in ``folder``: 640x640 pictures and a matching mask."""
    from PIL import Image, ImageDraw

    written = []
    for index, name in enumerate(SAMPLE_FILES):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name == "mask.png":
            image = Image.new("L", SAMPLE_SIZE, 0)
            ImageDraw.Draw(image).ellipse((320, 320, 560, 560), fill=255)
        else:
            image = Image.new("RGB", SAMPLE_SIZE, (40 + 20 * index, 90, 160))
            ImageDraw.Draw(image).ellipse((100, 100, 300, 300), fill=(250, 200, 60))
        image.save(path)
        written.append(path)
    return written
