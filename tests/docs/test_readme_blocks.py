"""Every Python block of the README runs against the local server and passes ``mypy --strict``.

The preamble (environment, working folder, sample files, no real waiting) and the ``no-run`` marker are described
in ``tests/docs/readme_blocks.py``; the README's "Working on this project" section points there.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import CodeType

import anyio
import anyio.lowlevel
import pytest

from leonardo_realtime_client.server import LocalServer
from tests.typing.strict import mypy_strict

from .readme_blocks import (
    README,
    README_TEST_KEY,
    SAMPLE_FILES,
    Block,
    MarkerError,
    python_blocks,
    write_sample_files,
)

# pytest-asyncio (in the dev extra) warns, an error under -W error, unless this is set.
_INI = ("-o", "asyncio_default_fixture_loop_scope=function")
BLOCKS = python_blocks()
RUNNABLE = [b for b in BLOCKS if b.no_run is None]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """time.sleep and anyio.sleep recorded instead of slept (server latency, retry backoff in examples)."""
    recorded: list[float] = []

    async def no_wait(seconds: float) -> None:
        recorded.append(seconds)
        await anyio.lowlevel.checkpoint()

    monkeypatch.setattr(time, "sleep", recorded.append)
    monkeypatch.setattr(anyio, "sleep", no_wait)
    return recorded


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch, waits: list[float]) -> Iterator[LocalServer]:
    """A local server on 127.0.0.1 that LEONARDO_BASE_URL / LEONARDO_API_KEY point at, for one block."""
    from leonardo_realtime_client.server import running_local_server

    with running_local_server() as server:
        monkeypatch.setenv("LEONARDO_BASE_URL", server.base_url)
        monkeypatch.setenv("LEONARDO_API_KEY", README_TEST_KEY)
        monkeypatch.delenv("LEONARDO_LOG", raising=False)
        yield server


def _compiled(block: Block) -> CodeType:
    # Padded so that a traceback names README.md and the line in it.
    return compile("\n" * block.line + block.code, str(block.source), "exec")


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.id for b in RUNNABLE])
def test_readme_block_runs(
    block: Block,
    stand_in: LocalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_sample_files(tmp_path)
    if block.is_pytest_file:
        # In a pytest of its own (a subprocess: pytester's in-process runs unload modules the suite holds).
        (tmp_path / f"test_{block.module_name}.py").write_text(block.code, encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-W", "error", "-q", "--rootdir", ".", *_INI],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        tests = len(re.findall(r"^(?:async )?def test_", block.code, re.M))
        assert run.returncode == 0, run.stdout + run.stderr
        assert re.search(rf"^{tests} passed", run.stdout, re.M), run.stdout
        return
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.rglob("*"))
    exec(_compiled(block), {"__name__": "__main__"})  # the README's own code: the point of the test
    # Not a check of what each example computes (its own asserts and the suite do that), but that it did
    # something a reader can see: a request to the stand-in, a file written, or a line printed.
    written = set(tmp_path.rglob("*")) - before
    assert stand_in.requests or written or capsys.readouterr().out, "the block ran but did nothing observable"


def test_readme_blocks_type_check(tmp_path: Path) -> None:
    files = []
    for block in BLOCKS:
        path = tmp_path / f"{block.module_name}.py"
        path.write_text(block.code, encoding="utf-8")
        files.append(path)
    report, status = mypy_strict(*files)
    by_module = {b.module_name: b for b in BLOCKS}

    def readme_line(match: re.Match[str]) -> str:
        block = by_module[match["module"]]
        return f"{block.source.name}:{block.line + int(match['line'])}"

    report = re.sub(r"\S*?(?P<module>readme_block_\w+?)\.py:(?P<line>\d+)", readme_line, report)
    assert status == 0, report


def test_the_readme_has_python_blocks_and_few_are_exempt() -> None:
    assert len(BLOCKS) >= 5
    assert len(RUNNABLE) >= len(BLOCKS) - 3, [b.id for b in BLOCKS if b.no_run]


# -- the extractor itself ---------------------------------------------------------------------------------------------


def _blocks_of(tmp_path: Path, text: str) -> list[Block]:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return python_blocks(page)


def test_extractor_finds_fenced_and_indented_blocks_and_skips_others(tmp_path: Path) -> None:
    text = (
        "# Title\n\n```python\nprint(1)\n```\n\n```sh\nls\n```\n\n"
        "- a list item:\n\n  ```python\n  if True:\n      print(2)\n  ```\n"
    )
    blocks = _blocks_of(tmp_path, text)
    assert [(b.line, b.code) for b in blocks] == [(3, "print(1)\n"), (13, "if True:\n    print(2)\n")]
    assert [b.no_run for b in blocks] == [None, None]


def test_extractor_reads_the_no_run_marker_and_its_reason(tmp_path: Path) -> None:
    text = "<!-- readme-test: no-run (needs a real key) -->\n```python\nprint(1)\n```\n```python\nprint(2)\n```\n"
    assert [b.no_run for b in _blocks_of(tmp_path, text)] == ["needs a real key", None]


@pytest.mark.parametrize(
    "marker",
    [
        "<!-- readme-test: skip (typo) -->",  # not the documented word
        "<!-- readme-test: no-run -->",  # no reason given
        "<!--readme-test:no-run(reason)-->\n\n",  # not just before the fence
    ],
)
def test_extractor_refuses_a_marker_it_cannot_honour(tmp_path: Path, marker: str) -> None:
    with pytest.raises(MarkerError, match=r"page\.md:1"):
        _blocks_of(tmp_path, f"{marker}\n```python\nprint(1)\n```\n")


def test_a_marker_before_a_shell_block_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MarkerError, match="just before"):
        _blocks_of(tmp_path, "<!-- readme-test: no-run (x) -->\n```sh\nls\n```\n")


def test_a_block_with_test_functions_is_a_pytest_file() -> None:
    assert Block(README, 1, "def test_x() -> None:\n    pass\n").is_pytest_file
    assert Block(README, 1, "async def test_x() -> None:\n    pass\n").is_pytest_file
    assert not Block(README, 1, "def helper_test_x() -> None:\n    pass\n").is_pytest_file


def test_sample_files_are_written_where_blocks_expect_them(tmp_path: Path) -> None:
    from PIL import Image

    written = write_sample_files(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(SAMPLE_FILES)
    with Image.open(tmp_path / "mask.png") as mask, Image.open(tmp_path / "sketch.png") as sketch:
        assert mask.size == sketch.size  # inpainting examples can use them together
        assert mask.getextrema() == (0, 255)


def test_a_failing_block_names_the_readme_line(tmp_path: Path) -> None:
    block = Block(README, 40, "x = 1\nraise RuntimeError('boom')\n")
    with pytest.raises(RuntimeError) as info:
        exec(_compiled(block), {"__name__": "__main__"})
    frame = info.traceback[-1]
    assert (Path(str(frame.path)).name, frame.lineno + 1) == ("README.md", 42)


def test_the_preamble_reaches_every_default_wait(waits: list[float]) -> None:
    from leonardo_realtime_client import RetryPolicy
    from leonardo_realtime_client.server import ServerConfig

    policy, config = RetryPolicy(), ServerConfig()
    policy.sleep(2.0)
    config.sleep(1.5)

    async def waits_async() -> None:
        await policy.async_sleep(0.25)
        await config.async_sleep(0.5)

    anyio.run(waits_async)
    assert waits == [2.0, 1.5, 0.25, 0.5]
