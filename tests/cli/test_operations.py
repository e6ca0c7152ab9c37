"""Each image subcommand end to end with a fake client: arguments, outputs, validation, stdin/stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leonardo_realtime_client._cli import ExitCode

from .conftest import JPEG, Cli, FakeCanvas, make_inputs


@pytest.mark.parametrize("command", ["generate", "refine", "upscale"])
def test_single_image_goes_next_to_its_input(run: Cli, fake: FakeCanvas, workdir: Path, command: str) -> None:
    (src,) = make_inputs(workdir / "in", 1)
    result = run(command, src, "-p", "a red fox", "--guidance", "7.5", "--steps", "8", "--style", "anime")
    assert result.exit_code == 0, result.output
    out = workdir / "in" / f"img00-{command}.jpg"
    assert out.read_bytes() == JPEG + src.read_bytes()
    (call,) = fake.calls
    assert call.operation == command
    assert call.kwargs == {"prompt": "a red fox", "guidance": 7.5, "steps": 8, "style": "ANIME"}
    assert fake.closed
    assert f"img00-{command}.jpg" in result.stderr


def test_upscale_passes_refine_options(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    result = run(
        "upscale", src, "-p", "x", "--refine-creative", "--refine-strength", "0.6", "-o", "big.jpg", "--width", "640"
    )
    assert result.exit_code == 0, result.output
    assert fake.calls[0].kwargs == {"prompt": "x", "refine_creative": True, "refine_strength": 0.6, "width": 640}
    assert (workdir / "big.jpg").is_file()


def test_inpaint_sends_the_mask(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    (workdir / "mask.png").write_bytes(b"MASK")
    result = run("inpaint", src, "--mask", "mask.png", "-p", "a hat", "-o", "out/")
    assert result.exit_code == 0, result.output
    assert fake.calls[0].mask == b"MASK"
    assert (workdir / "out" / "img00-inpaint.jpg").is_file()


def test_inpaint_mask_template_gives_each_input_its_own_mask(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 3)
    (workdir / "masks").mkdir()
    for i in range(3):
        (workdir / "masks" / f"img{i:02d}.png").write_bytes(f"MASK{i}".encode())
    result = run("inpaint", "in", "--mask", "masks/{stem}.png", "-p", "x", "-o", "out")
    assert result.exit_code == 0, result.output
    assert sorted((c.image[-5:], c.mask) for c in fake.calls) == [
        (b"img00", b"MASK0"),
        (b"img01", b"MASK1"),
        (b"img02", b"MASK2"),
    ]


def test_inpaint_missing_masks_are_a_usage_error_before_sending(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 2)
    result = run("inpaint", "in", "--mask", "masks/{stem}.png", "-p", "x", "-o", "out")
    assert result.exit_code == ExitCode.USAGE
    assert "masks/img00.png: no such file (for in/img00.jpg)" in result.stderr
    assert "masks/img01.png" in result.stderr
    assert fake.calls == []


def test_inpaint_without_mask_is_a_usage_error(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    result = run("inpaint", src, "-p", "x", "--steps", "99")
    assert result.exit_code == ExitCode.USAGE  # a forgotten option, before any limit is judged
    assert "missing option: -m/--mask (the mask image, white = repaint)" in result.stderr
    assert fake.calls == []


@pytest.mark.parametrize("command", ["generate", "refine", "upscale"])
def test_a_forgotten_prompt_is_a_usage_error(run: Cli, fake: FakeCanvas, workdir: Path, command: str) -> None:
    (src,) = make_inputs(workdir, 1)
    result = run(command, src, "--steps", "8")
    assert result.exit_code == ExitCode.USAGE  # was 3, as if the prompt broke a limit
    assert "missing option: -p/--prompt (what to draw)" in result.stderr
    assert "= None" not in result.stderr
    assert fake.calls == []


def test_every_forgotten_option_is_named_at_once(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    result = run("inpaint", src, "--json")
    assert result.exit_code == ExitCode.USAGE
    assert "missing options: -m/--mask (the mask image, white = repaint), -p/--prompt (what to draw)" in result.stderr
    assert json.loads(result.stdout)["exit_code"] == ExitCode.USAGE  # scripts get a report too


def test_every_violation_is_listed_at_once_and_nothing_is_sent(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir, 3)
    result = run(
        "refine", ".", "-p", "x", "--guidance", "50", "--steps", "abc", "--width", "700", "--style", "pastel",
        "--strength", "0",
    )  # fmt: skip
    assert result.exit_code == ExitCode.VALIDATION
    err = result.stderr
    assert "5 invalid arguments for refine (nothing was sent):" in err
    for line in (
        "--guidance = 50: a number from 0.5 to 20",
        "--steps = 'abc': an integer from 4 to 16",
        "--width = 700: one of 512, 640, 1024",
        "--style = 'pastel': one of ANIME,",
        "--strength = 0: a number from 0.1 to 1",
    ):
        assert line in err, line
    assert fake.calls == []
    assert not list(workdir.glob("*-refine.jpg"))


def test_validation_error_as_json(run: Cli, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    result = run("generate", src, "-p", "x", "--seed", "-1.5", "--json")
    assert result.exit_code == ExitCode.VALIDATION
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    assert doc["exit_code"] == 3
    assert doc["error"]["type"] == "ValidationError"
    assert doc["error"]["violations"] == [{"field": "--seed", "value": -1.5, "allowed": "an integer ≤ 9999999998"}]


def test_stdin_to_stdout(run: Cli, fake: FakeCanvas) -> None:
    result = run("refine", "-", "-p", "x", "-o", "-", input=JPEG + b"from stdin")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == JPEG + JPEG + b"from stdin"
    assert fake.calls[0].image == JPEG + b"from stdin"


def test_stdin_without_output_goes_to_piped_stdout(run: Cli) -> None:
    result = run("generate", "-", "-p", "x", input=JPEG)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(JPEG)


def test_stdout_takes_one_image_only(run: Cli, workdir: Path) -> None:
    make_inputs(workdir, 2)
    result = run("generate", ".", "-p", "x", "-o", "-")
    assert result.exit_code == ExitCode.USAGE
    assert "standard output takes one image; there are 2 inputs" in result.stderr


def test_json_and_stdout_image_conflict(run: Cli, workdir: Path) -> None:
    result = run("generate", "-", "-p", "x", "-o", "-", "--json", input=JPEG)
    assert result.exit_code == ExitCode.USAGE
    assert "--json and -o -" in result.stderr


def test_existing_output_is_not_overwritten(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    (workdir / "out.jpg").write_bytes(b"precious")
    result = run("refine", src, "-p", "x", "-o", "out.jpg")
    assert result.exit_code == ExitCode.USAGE
    assert "output exists (use --overwrite to replace, --skip-existing to leave it)" in result.stderr
    assert (workdir / "out.jpg").read_bytes() == b"precious"
    assert fake.calls == []

    result = run("refine", src, "-p", "x", "-o", "out.jpg", "--overwrite")
    assert result.exit_code == 0, result.output
    assert (workdir / "out.jpg").read_bytes() == JPEG + src.read_bytes()


def test_overwrite_and_skip_existing_exclude_each_other(run: Cli, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    result = run("refine", src, "-p", "x", "--overwrite", "--skip-existing")
    assert result.exit_code == ExitCode.USAGE


def test_missing_inputs_are_listed(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    result = run("refine", "nope.jpg", "*.png", "-p", "x")
    assert result.exit_code == ExitCode.USAGE
    assert "nope.jpg: no such file" in result.stderr
    assert "*.png: no file matches" in result.stderr
    assert fake.calls == []


def test_no_input_is_a_usage_error(run: Cli) -> None:
    result = run("refine", "-p", "x")
    assert result.exit_code == ExitCode.USAGE
    assert "no input given" in result.stderr


def test_no_key_is_a_usage_error(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    run.env["LEONARDO_API_KEY"] = None
    result = run("refine", src, "-p", "x")
    assert result.exit_code == ExitCode.USAGE
    assert "no API key: set LEONARDO_API_KEY or pass --api-key-file" in result.stderr
    assert fake.calls == []


def test_key_from_file_and_connection_options(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    (workdir / "key.txt").write_text("  sk-from-file  \nsecond line ignored\n")
    run.env["LEONARDO_API_KEY"] = None
    result = run(
        "refine",
        src,
        "-p",
        "x",
        "--api-key-file",
        "key.txt",
        "--base-url",
        "http://127.0.0.1:9/api/rest/v1",
        "--timeout",
        "2.5",
        "--max-retries",
        "0",
    )
    assert result.exit_code == 0, result.output
    conn = fake.connection
    assert conn is not None
    assert (conn.api_key, conn.base_url, conn.timeout, conn.max_retries, conn.local) == (
        "sk-from-file",
        "http://127.0.0.1:9/api/rest/v1",
        2.5,
        0,
        False,
    )


def test_empty_key_file_is_refused(run: Cli, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    (workdir / "key.txt").write_text("\n  \n")
    result = run("refine", src, "-p", "x", "--api-key-file", "key.txt")
    assert result.exit_code == ExitCode.USAGE
    assert "key.txt is empty" in result.stderr


def test_local_needs_no_key(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    run.env["LEONARDO_API_KEY"] = None
    result = run("generate", src, "-p", "x", "--local")
    assert result.exit_code == 0, result.output
    assert fake.connection is not None
    assert fake.connection.local is True
    assert fake.connection.api_key is None


def test_name_template(run: Cli, workdir: Path) -> None:
    make_inputs(workdir / "in", 2)
    result = run("upscale", "in", "-p", "x", "-o", "out", "--name", "{index:03d}_{stem}.jpg")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (workdir / "out").iterdir()) == ["001_img00.jpg", "002_img01.jpg"]


def test_bad_name_template(run: Cli, workdir: Path) -> None:
    make_inputs(workdir / "in", 2)
    result = run("upscale", "in", "-p", "x", "-o", "out", "--name", "{nope}.jpg")
    assert result.exit_code == ExitCode.USAGE
    assert "fields are {stem}, {name}, {command}, {index}" in result.stderr
