"""A dry run checks each input's image and mask as the real run would, and never prints a file's contents."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from leonardo_realtime_client._cli._env import make_client
from leonardo_realtime_client._cli._exit import ExitCode

from .conftest import FAKE_KEY, Cli, FakeCanvas, make_inputs

KEY_TEXT = "sk-THE-KEY-IN-A-FILE-0123456789"


def _no_key_text(*texts: str) -> None:
    for text in texts:
        for start in range(len(KEY_TEXT) - 5):
            assert KEY_TEXT[start : start + 6] not in text


def test_a_key_file_given_as_the_image_is_refused_without_quoting_it(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (workdir / "key.txt").write_text(KEY_TEXT + "\n")
    for extra in (["--dry-run"], ["--dry-run", "--json"]):
        result = run("generate", "key.txt", "-p", "x", *extra)
        assert result.exit_code == ExitCode.VALIDATION, result.output
        assert "plain text" in result.stderr + result.stdout
        _no_key_text(result.stdout, result.stderr)
    assert fake.calls == []


def test_a_dry_run_refuses_what_the_real_run_would(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    good, bad = make_inputs(workdir / "in", 2)
    bad.write_bytes(b"not an image at all")
    result = run("refine", "in", "-p", "x", "-o", "out", "--dry-run", "--json")
    assert result.exit_code == ExitCode.VALIDATION
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    by_input = {item["input"]: item for item in doc["items"]}
    assert by_input[str(Path("in") / good.name)]["status"] == "pending"
    refused = by_input[str(Path("in") / bad.name)]
    assert refused["status"] == "failed"
    assert refused["error"]["violations"][0]["field"] == "image"
    assert "1 would be refused, nothing sent" in result.stderr
    assert fake.calls == []
    assert not (workdir / "out").exists() or list((workdir / "out").iterdir()) == []


def test_a_dry_run_checks_the_mask_against_the_image(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)  # 8x8
    Image.new("L", (16, 16), 0).save(workdir / "big-mask.png")
    Image.new("L", (8, 8), 0).save(workdir / "mask.png")
    refused = run("inpaint", src, "--mask", "big-mask.png", "-p", "x", "--dry-run")
    assert refused.exit_code == ExitCode.VALIDATION
    assert "mask" in refused.stderr
    accepted = run("inpaint", src, "--mask", "mask.png", "-p", "x", "--dry-run")
    assert accepted.exit_code == ExitCode.OK, accepted.output
    assert "would" in accepted.stderr
    assert fake.calls == []
    _no_key_text(refused.output, accepted.output)
    assert FAKE_KEY not in refused.output + accepted.output


def test_the_real_client_refuses_a_key_file_without_quoting_it(run: Cli, workdir: Path) -> None:
    run.client_factory = make_client
    run.env["LEONARDO_API_KEY"] = None
    (workdir / "key.txt").write_text(KEY_TEXT + "\n")
    for extra in ([], ["--json"]):
        result = run("generate", "key.txt", "-p", "x", "--local", *extra)
        assert result.exit_code == ExitCode.VALIDATION, result.output
        assert "plain text" in result.stderr + result.stdout
        _no_key_text(result.stdout, result.stderr)
