"""Batches: bounded concurrency, per-item failures, exit statuses, --json, interrupts, resuming."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from leonardo_realtime_client import APIConnectionError, ImageError, RateLimitError
from leonardo_realtime_client._cli import ExitCode
from leonardo_realtime_client._cli._env import Connection

from .conftest import JPEG, Call, Cli, FakeCanvas, FakeResult, echo_image, make_inputs


def _fail_on(marker: bytes, error: BaseException) -> object:
    def respond(call: Call) -> FakeResult | BaseException:
        return error if call.image.endswith(marker) else echo_image(call)

    return respond


def _rate_limited() -> RateLimitError:
    request = httpx.Request("POST", "https://example.invalid/lcm-instant-refine")
    response = httpx.Response(429, request=request)
    return RateLimitError("too many requests", response=response, body=None, request_id="req-1")


def test_one_bad_input_among_good_ones(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 5)
    fake.respond = _fail_on(b"img02", ImageError("image", b"junk", "not an image"))  # type: ignore[assignment]
    result = run("refine", "in", "-p", "x", "-o", "out", "--json")
    assert result.exit_code == ExitCode.PARTIAL
    written = sorted(p.name for p in (workdir / "out").iterdir())
    assert written == ["img00-refine.jpg", "img01-refine.jpg", "img03-refine.jpg", "img04-refine.jpg"]
    assert "in/img02.jpg: invalid input:" in result.stderr
    assert "not an image" in result.stderr
    assert "refine: 4 succeeded, 1 failed in" in result.stderr
    doc = json.loads(result.stdout)
    assert (doc["succeeded"], doc["failed"], doc["exit_code"], doc["ok"]) == (4, 1, 1, False)
    (bad,) = [i for i in doc["items"] if i["status"] == "failed"]
    assert bad["input"] == "in/img02.jpg"
    assert bad["outputs"] == []
    assert bad["error"]["type"] == "ImageError"
    assert bad["error"]["exit_code"] == ExitCode.VALIDATION
    assert bad["error"]["violations"][0]["allowed"] == "not an image"


def test_json_report_has_paths_costs_and_timestamps(run: Cli, workdir: Path) -> None:
    make_inputs(workdir / "in", 3)
    result = run("generate", "in", "-p", "x", "-o", "out", "--json", "--request-timestamp", "t-1")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["command"] == "generate"
    assert (doc["ok"], doc["exit_code"], doc["total"], doc["succeeded"], doc["failed"]) == (True, 0, 3, 3, 0)
    assert doc["cost"] == {"DOLLARS": "0.0441"}
    assert doc["api_credit_cost"] == 3
    for i, item in enumerate(doc["items"]):
        assert item["input"] == f"in/img{i:02d}.jpg"
        assert item["outputs"] == [f"out/img{i:02d}-generate.jpg"]
        assert Path(item["outputs"][0]).is_file()
        assert item["status"] == "ok"
        assert item["cost"] == "0.0147"
        assert item["request_timestamp"] == "t-1"
        assert item["error"] is None
        assert datetime.fromisoformat(item["started_at"]) <= datetime.fromisoformat(item["finished_at"])
    assert datetime.fromisoformat(doc["started_at"]) <= datetime.fromisoformat(doc["finished_at"])
    assert "cost $0.0441; 3 API credits" in result.stderr


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (_rate_limited(), ExitCode.API),
        (APIConnectionError("connection refused"), ExitCode.CONNECTION),
        (ImageError("image", b"x", "not an image"), ExitCode.VALIDATION),
        (RuntimeError("boom"), ExitCode.INTERNAL),
    ],
)
def test_when_everything_fails_the_status_names_the_failure(
    run: Cli, fake: FakeCanvas, workdir: Path, error: Exception, code: ExitCode
) -> None:
    make_inputs(workdir / "in", 3)
    fake.respond = lambda call: error
    result = run("refine", "in", "-p", "x", "-o", "out")
    assert result.exit_code == code
    assert result.stderr.count("error: ") == 3
    assert not (workdir / "out").exists() or not list((workdir / "out").iterdir())


def test_mixed_failures_with_no_success_are_status_1(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 2)
    fake.respond = lambda call: _rate_limited() if call.image.endswith(b"img00") else APIConnectionError("refused")
    result = run("refine", "in", "-p", "x", "-o", "out")
    assert result.exit_code == ExitCode.PARTIAL


def test_concurrency_is_bounded(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 12)
    result = run("upscale", "in", "-p", "x", "-o", "out", "-j", "3")
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 12
    assert fake.max_in_flight == 3


def test_default_concurrency_is_modest(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 12)
    assert run("upscale", "in", "-p", "x", "-o", "out").exit_code == 0
    assert fake.max_in_flight == 4


def test_concurrency_range_is_enforced(run: Cli, workdir: Path) -> None:
    make_inputs(workdir / "in", 1)
    result = run("upscale", "in", "-p", "x", "-j", "0")
    assert result.exit_code == ExitCode.USAGE


def test_globs_folders_and_duplicates(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "a", 2)
    make_inputs(workdir / "b", 2, prefix="pic")
    (workdir / "a" / "notes.txt").write_text("not an image suffix: ignored in folders")
    result = run("refine", "a", "b/*.jpg", "a/img00.jpg", "-p", "x", "-o", "out")
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 4  # a/img00.jpg listed twice, sent once
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [
        "img00-refine.jpg",
        "img01-refine.jpg",
        "pic00-refine.jpg",
        "pic01-refine.jpg",
    ]


def test_same_names_from_two_folders_clash_up_front(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "a", 1)
    make_inputs(workdir / "b", 1)
    result = run("refine", "a", "b", "-p", "x", "-o", "out")
    assert result.exit_code == ExitCode.USAGE
    assert "several inputs would write the same output" in result.stderr
    assert fake.calls == []


def test_skip_existing_resumes(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 4)
    (workdir / "out").mkdir()
    (workdir / "out" / "img01-refine.jpg").write_bytes(b"done before")
    result = run("refine", "in", "-p", "x", "-o", "out", "--skip-existing", "--json")
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 3
    assert (workdir / "out" / "img01-refine.jpg").read_bytes() == b"done before"
    doc = json.loads(result.stdout)
    assert (doc["succeeded"], doc["skipped"]) == (3, 1)
    assert "skip  in/img01.jpg" in result.stderr


@pytest.fixture
def python_sigint() -> Iterator[None]:
    """Ctrl-C as Python handles it by default (``KeyboardInterrupt``, which asyncio turns into a cancellation).

    A suite started in the background or under ``nohup`` inherits SIGINT *ignored*; asyncio then installs no
    handler and the raised SIGINT would do nothing. The tests that send one set the default handler themselves.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupt_after(count: int, *, how: str) -> object:
    def respond(call: Call) -> FakeResult | BaseException:
        if len(calls_seen) >= count:
            if how in ("signal", "sigterm"):
                # What Ctrl-C (or kill) does: asyncio cancels the batch.
                signal.raise_signal(signal.SIGINT if how == "signal" else signal.SIGTERM)
                return echo_image(call)
            return KeyboardInterrupt()
        calls_seen.append(call)
        return echo_image(call)

    calls_seen: list[Call] = []
    return respond


@pytest.mark.parametrize("how", ["signal", "exception", "sigterm"])
@pytest.mark.usefixtures("python_sigint")
def test_ctrl_c_keeps_finished_outputs_and_lists_the_rest(run: Cli, fake: FakeCanvas, workdir: Path, how: str) -> None:
    make_inputs(workdir / "in", 10)
    fake.respond = _interrupt_after(4, how=how)  # type: ignore[assignment]
    result = run("refine", "in", "-p", "x", "-o", "out", "-j", "1", "--json")
    assert result.exit_code == ExitCode.INTERRUPTED
    # Sequential (-j 1). A signal cancels at the next await, so the request that saw it still finishes
    # and is written; a KeyboardInterrupt raised inside the request ends that one too.
    done = 4 if how == "exception" else 5
    written = sorted(p.name for p in (workdir / "out").iterdir())
    assert written == [f"img{i:02d}-refine.jpg" for i in range(done)]  # whole files, no temporary ones
    for name in written:
        assert (workdir / "out" / name).read_bytes().startswith(JPEG)
    assert f"interrupted: refine: {done} succeeded, 0 failed, {10 - done} not done" in result.stderr
    assert f"not done: in/img{done:02d}.jpg, in/img{done + 1:02d}.jpg" in result.stderr
    assert "rerun with --skip-existing" in result.stderr
    doc = json.loads(result.stdout)
    assert (doc["interrupted"], doc["exit_code"], doc["succeeded"], doc["not_done"]) == (True, 130, done, 10 - done)
    assert fake.closed

    # Resuming does exactly the rest.
    fake.respond = echo_image
    fake.calls.clear()
    result = run("refine", "in", "-p", "x", "-o", "out", "--skip-existing")
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 10 - done
    assert len(list((workdir / "out").iterdir())) == 10


@pytest.mark.usefixtures("python_sigint")
def test_interrupt_with_concurrency_cancels_requests_in_flight(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 20)
    fake.respond = _interrupt_after(6, how="signal")  # type: ignore[assignment]
    result = run("refine", "in", "-p", "x", "-o", "out", "-j", "4", "--json")
    assert result.exit_code == ExitCode.INTERRUPTED
    doc = json.loads(result.stdout)
    statuses = {i["status"] for i in doc["items"]}
    assert statuses <= {"ok", "not_done"}
    ok = [i for i in doc["items"] if i["status"] == "ok"]
    assert {Path(o).name for i in ok for o in i["outputs"]} == {p.name for p in (workdir / "out").iterdir()}
    assert doc["not_done"] == 20 - len(ok) > 0
    assert not list((workdir / "out").glob(".*.part"))


def test_progress_bar_on_request_and_not_when_piped(run: Cli, workdir: Path) -> None:
    make_inputs(workdir / "in", 5)
    shown = run("refine", "in", "-p", "x", "-o", "out1", "--progress")
    assert shown.exit_code == 0, shown.output
    assert "refine (4 at a time)" in shown.stderr
    assert "5/5" in shown.stderr
    piped = run("refine", "in", "-p", "x", "-o", "out2")  # CliRunner's stderr is not a terminal
    assert "5/5" not in piped.stderr
    assert "ok    in/img00.jpg → out2/img00-refine.jpg" in piped.stderr
    quiet = run("refine", "in", "-p", "x", "-o", "out3", "--progress", "--quiet")
    assert quiet.stderr == ""


def test_quiet_still_reports_failures(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 3)
    fake.respond = _fail_on(b"img01", APIConnectionError("refused"))  # type: ignore[assignment]
    result = run("refine", "in", "-p", "x", "-o", "out", "-q")
    assert result.exit_code == ExitCode.PARTIAL
    assert "in/img01.jpg: refused" in result.stderr
    assert "2 succeeded, 1 failed" in result.stderr


def test_unreadable_input_is_a_file_error_for_that_item(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    paths = make_inputs(workdir / "in", 3)

    def factory(conn: Connection) -> FakeCanvas:
        paths[1].unlink()  # vanishes after the up-front checks, before it is read
        return fake

    run.client_factory = factory
    result = run("refine", "in", "-p", "x", "-o", "out", "--json")
    assert result.exit_code == ExitCode.PARTIAL
    doc = json.loads(result.stdout)
    (bad,) = [i for i in doc["items"] if i["status"] == "failed"]
    assert (bad["input"], bad["error"]["type"], bad["error"]["exit_code"]) == ("in/img01.jpg", "FileNotFoundError", 6)
    assert len(list((workdir / "out").iterdir())) == 2


def test_output_that_appears_meanwhile_is_not_clobbered(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 2)

    def factory(conn: Connection) -> FakeCanvas:
        (workdir / "out").mkdir()
        (workdir / "out" / "img00-refine.jpg").write_bytes(b"someone else's")
        return fake

    run.client_factory = factory
    result = run("refine", "in", "-p", "x", "-o", "out")
    assert result.exit_code == ExitCode.PARTIAL
    assert "out/img00-refine.jpg: exists (use --overwrite to replace it)" in result.stderr
    assert (workdir / "out" / "img00-refine.jpg").read_bytes() == b"someone else's"
    assert sorted(p.name for p in (workdir / "out").iterdir()) == ["img00-refine.jpg", "img01-refine.jpg"]


def test_dry_run_sends_nothing(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 3)
    (workdir / "out").mkdir()
    (workdir / "out" / "img02-upscale.jpg").write_bytes(b"x")
    result = run("upscale", "in", "-p", "x", "-o", "out", "--dry-run", "--skip-existing", "--json")
    assert result.exit_code == 0, result.output
    assert fake.calls == []
    assert "would  in/img00.jpg → out/img00-upscale.jpg" in result.stderr
    assert "skip  in/img02.jpg → out/img02-upscale.jpg" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["dry_run"] is True
    assert [i["status"] for i in doc["items"]] == ["pending", "pending", "skipped"]
    assert sorted(p.name for p in (workdir / "out").iterdir()) == ["img02-upscale.jpg"]


def test_dry_run_still_validates(run: Cli, workdir: Path) -> None:
    make_inputs(workdir / "in", 1)
    result = run("upscale", "in", "-p", "x", "--dry-run", "--refine-strength", "0.95")
    assert result.exit_code == ExitCode.VALIDATION
    assert "--refine-strength = 0.95: a number from 0.5 to 0.9" in result.stderr


def test_usage_errors_get_a_json_report_too(run: Cli, workdir: Path) -> None:
    result = run("refine", "missing.png", "-p", "x", "--json")
    assert result.exit_code == ExitCode.USAGE
    doc = json.loads(result.stdout)
    assert (doc["ok"], doc["exit_code"], doc["error"]["type"]) == (False, 2, "UsageError")
    assert "missing.png: no such file" in doc["error"]["message"]
