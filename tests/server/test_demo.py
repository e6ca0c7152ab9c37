"""``make demo``: the four operations through the real client, the files, the contact sheet and the table."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from leonardo_realtime_client import ConfigurationError
from leonardo_realtime_client._demo import main, next_steps, run_demo, sample_image, sample_mask


def test_demo_writes_every_output_and_a_labelled_contact_sheet(tmp_path: Path) -> None:
    lines: list[str] = []
    report = run_demo(tmp_path / "out", echo=lines.append)

    assert [r.operation for r in report.rows] == ["generate", "refine", "inpaint", "upscale"]
    for row in report.rows:
        with Image.open(row.path) as img:
            assert img.format == "JPEG"
            assert img.size == row.size
        assert row.path.stat().st_size == row.bytes
        assert row.latency_ms > 0
    assert [r.size for r in report.rows] == [(512, 512)] * 3 + [(1024, 1024)]
    assert [r.cost for r in report.rows] == [Decimal("0.0147")] * 3 + [Decimal("0.0294")]
    with Image.open(report.contact_sheet) as sheet:
        assert sheet.format == "PNG"
        assert sheet.size == (6 * 256, 56 + 256 + 40)
    assert report.input_path.exists()
    assert report.mask_path.exists()

    text = "\n".join(lines)
    assert "the local server, in-process" in text
    assert "total cost: 0.0735 dollars (simulated)" in text
    table = report.table().splitlines()
    assert table[0].split() == ["operation", "latency", "output", "bytes", "cost"]
    assert [line.split()[0] for line in table[2:]] == ["generate", "refine", "inpaint", "upscale"]
    assert "1024x1024" in table[-1]


def test_demo_over_http_gives_the_same_images(tmp_path: Path) -> None:
    in_process = run_demo(tmp_path / "a", echo=lambda _: None)
    over_http = run_demo(tmp_path / "b", over_http=True, echo=lambda _: None)

    assert over_http.target.startswith("the local server at http://127.0.0.1:")
    for a, b in zip(in_process.rows, over_http.rows, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()


def test_sample_and_mask_are_deterministic_and_the_mask_is_binary() -> None:
    assert sample_image().tobytes() == sample_image().tobytes()
    mask = sample_mask()
    assert mask.size == sample_image().size
    assert mask.getextrema() == (0, 255)
    assert mask.histogram().count(0) == 254  # only two grey levels: black and white


def test_real_api_demo_needs_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEONARDO_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="LEONARDO_API_KEY"):
        run_demo(tmp_path, real_api=True, echo=lambda _: None)


def test_command_line_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LEONARDO_API_KEY", raising=False)
    assert main(["--real-api", "-o", str(tmp_path)]) == 1
    assert "demo failed: ConfigurationError" in capsys.readouterr().err
    assert main(["-o", str(tmp_path / "ok")]) == 0
    assert (tmp_path / "ok" / "contact-sheet.png").exists()
    with pytest.raises(SystemExit):
        main(["--real-api", "--over-http"])


def test_command_line_ends_with_next_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-o", str(tmp_path / "tour")]) == 0
    out = capsys.readouterr().out
    steps = out[out.index("Next steps") :]
    cli = str(Path(sys.executable).parent / "leonardo-realtime")  # this environment's console script
    relative = os.path.relpath(cli)
    assert f"{cli if relative.startswith('..') else relative} --help" in steps
    assert "refine --local" in steps
    assert "serve --port 8000" in steps
    assert "export LEONARDO_BASE_URL=http://127.0.0.1:8000/api/rest/v1 LEONARDO_API_KEY=anything" in steps
    assert f"The outputs are in {(tmp_path / 'tour').resolve()}" in steps
    assert "export LEONARDO_API_KEY=..." in steps  # how to go on with a real key


def test_next_steps_name_the_cli_and_its_folder() -> None:
    steps = next_steps("out", cli=".venv/bin/leonardo-realtime")
    assert ".venv/bin/leonardo-realtime refine --local out/input.png" in steps
    assert "The CLI is in .venv/bin/ (or run: . .venv/bin/activate" in steps
    plain = next_steps("my out", cli="leonardo-realtime", real_api=True)
    assert "'my out/input.png'" in plain  # quoted for the shell
    assert "The CLI is in" not in plain  # on PATH: nothing to explain
    assert "export LEONARDO_API_KEY=..." not in plain  # the real-API demo already had a key


def test_make_demo_installs_the_server_extra_only(tmp_path: Path) -> None:
    root = Path(__file__).parents[2]
    plan = subprocess.run(
        ["make", "-n", "--no-print-directory", "-C", str(root), "demo", f"VENV={tmp_path / 'venv'}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installs = [line for line in plan.splitlines() if "pip install" in line and "-e" in line]
    assert installs == [f"{tmp_path / 'venv'}/bin/python -m pip install --quiet -e '.[server]'"]
    assert "_demo" in plan.splitlines()[-1]
