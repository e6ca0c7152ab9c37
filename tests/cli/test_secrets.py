"""The API key never appears: not in help, results, JSON, errors, nor when passed the wrong way."""

from __future__ import annotations

from pathlib import Path

import pytest

from leonardo_realtime_client import APIConnectionError
from leonardo_realtime_client._cli import ExitCode
from leonardo_realtime_client._cli._env import Connection

from .conftest import FAKE_KEY, Cli, FakeCanvas, make_inputs


def _assert_no_key(*texts: str) -> None:
    for text in texts:
        assert FAKE_KEY not in text
        assert FAKE_KEY[3:20] not in text  # nor a recognisable piece of it


@pytest.mark.parametrize("form", ["separate", "equals"])
def test_key_as_an_option_value_is_refused_without_echoing_it(
    run: Cli, fake: FakeCanvas, workdir: Path, form: str
) -> None:
    (src,) = make_inputs(workdir, 1)
    args = ["--api-key", FAKE_KEY] if form == "separate" else [f"--api-key={FAKE_KEY}"]
    result = run("refine", src, "-p", "x", *args)
    assert result.exit_code == ExitCode.USAGE
    assert "lands in shell history" in result.stderr
    assert "LEONARDO_API_KEY" in result.stderr
    _assert_no_key(result.output)
    assert fake.calls == []


def test_key_option_is_not_advertised(run: Cli) -> None:
    result = run("refine", "--help")
    assert "--api-key " not in result.stdout
    assert "--api-key-file" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["generate", "--help"],
        ["refine", "--help"],
        ["inpaint", "--help"],
        ["upscale", "--help"],
        ["serve", "--help"],
        ["refine", "IN", "-p", "x", "--json"],
        ["refine", "IN", "-p", "x", "--progress"],
        ["refine", "IN", "-p", "x", "--steps", "99", "--json"],
        ["refine", "missing.jpg", "-p", "x"],
        ["inpaint", "IN", "-p", "x"],
    ],
)
def test_key_never_in_any_output(run: Cli, workdir: Path, args: list[str]) -> None:
    make_inputs(workdir / "IN", 2)
    result = run(*args)
    assert result.exit_code in (0, 2, 3)
    _assert_no_key(result.output, result.stdout, result.stderr)


def test_a_leaky_error_from_below_is_redacted(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    # Defence in depth: even if a lower layer put the key in a message, the CLI prints "***".
    make_inputs(workdir / "in", 2)
    fake.respond = lambda call: APIConnectionError(f"could not connect with Bearer {FAKE_KEY}")
    result = run("refine", "in", "-p", "x", "-o", "out", "--json")
    assert result.exit_code == ExitCode.CONNECTION
    _assert_no_key(result.stdout, result.stderr)
    assert "Bearer [redacted]" in result.stderr
    assert "Bearer [redacted]" in result.stdout


def test_key_file_is_read_but_never_shown(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    (workdir / "key").write_text(FAKE_KEY + "\n")
    run.env["LEONARDO_API_KEY"] = None
    result = run("refine", src, "-p", "x", "--api-key-file", "key", "--json")
    assert result.exit_code == 0, result.output
    assert fake.connection is not None
    assert fake.connection.api_key == FAKE_KEY
    _assert_no_key(result.output, repr(fake.connection))


@pytest.mark.parametrize("command", ["refine", "serve", "canvas", "mcp"])
def test_a_key_given_to_api_key_file_by_mistake_is_not_echoed(run: Cli, workdir: Path, command: str) -> None:
    """`--api-key-file sk-…` (the key where a file name belongs): say so, without printing the value. Every
    command that takes a key has the one ``--api-key-file`` option (``KeyFileOption``)."""
    (src,) = make_inputs(workdir, 1)
    before: dict[str, list[str | Path]] = {
        "refine": [src, "-p", "x"],
        "serve": ["--require-key"],
        "canvas": ["--real-api", "--no-browser"],
    }
    result = run(command, *before.get(command, []), "--api-key-file", FAKE_KEY)
    assert result.exit_code == ExitCode.USAGE
    assert "--api-key-file" in result.stderr
    assert "no such file" in result.stderr
    _assert_no_key(result.output, result.stdout, result.stderr)


def test_connection_repr_hides_the_key() -> None:
    conn = Connection(
        api_key=FAKE_KEY, base_url=None, local=False, timeout=None, max_retries=None, allow_insecure_http=False
    )
    _assert_no_key(repr(conn), str(conn))


def test_redaction_leaves_words_alone_for_tiny_keys() -> None:
    from leonardo_realtime_client._redaction import redact

    # "k" inside "key" and "sketch" is no occurrence of the key; the one standing apart is (see _redaction)
    assert redact("key k in a sketch", "k") == "key [redacted] in a sketch"
    assert redact(f"Bearer {FAKE_KEY}!", FAKE_KEY) == "Bearer [redacted]!"
