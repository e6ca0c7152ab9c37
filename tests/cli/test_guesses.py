"""The CLI guesses right: a missing API path gets a hint, a mistyped style a "did you mean", styles in any case
(as in the library), whole command summaries in --help, and the defaults --help promises."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from leonardo_realtime_client import NotFoundError, RealtimeCanvas, ValidationError
from leonardo_realtime_client._cli import ExitCode
from leonardo_realtime_client._cli._env import make_client
from leonardo_realtime_client._cli._hints import base_url_hint
from leonardo_realtime_client.server import LocalServer, LocalTransport, ServerConfig
from tests.server.conftest import jpeg_bytes, scene

from .conftest import Cli, FakeCanvas, make_inputs


def _not_found() -> NotFoundError:
    request = httpx.Request("POST", "http://127.0.0.1:8000/lcm-instant-refine")
    response = httpx.Response(404, json={"error": "not found", "path": "$", "code": "not-found"}, request=request)
    return NotFoundError("not found", response=response, body=response.json())


# -- base URL without /api/rest/v1 -----------------------------------------------------------------------------------


def test_a_404_against_a_base_url_without_the_api_path_gets_a_hint(
    run: Cli, workdir: Path, leonardo_server: LocalServer
) -> None:
    run.client_factory = make_client
    root = leonardo_server.base_url.removesuffix("/api/rest/v1")  # http://127.0.0.1:<port>
    src = workdir / "sketch.jpg"
    src.write_bytes(jpeg_bytes(scene()))
    result = run("refine", src, "-p", "x", "--base-url", root, "--max-retries", "0")
    assert result.exit_code == ExitCode.API, result.output
    assert (
        f"hint: the API answered 404 (not found), and the base URL {root} does not end in /api/rest/v1, "
        f"where the operations live: try --base-url {root}/api/rest/v1"
    ) in " ".join(result.stderr.split())
    assert [r.status for r in leonardo_server.requests] == [404]


def test_the_hint_names_the_environment_variable_when_the_url_came_from_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEONARDO_BASE_URL", "http://127.0.0.1:8000/")
    hint = base_url_hint(None, [None, _not_found()])
    assert hint is not None
    assert hint.endswith("try LEONARDO_BASE_URL=http://127.0.0.1:8000/api/rest/v1")


@pytest.mark.parametrize(
    ("base_url", "errors"),
    [
        ("http://127.0.0.1:8000/api/rest/v1", [_not_found()]),  # the path is right: a 404 means something else
        ("http://127.0.0.1:8000/api/rest/v1/", [_not_found()]),
        ("http://127.0.0.1:8000", [ValidationError([])]),  # no 404: nothing to hint
        ("http://127.0.0.1:8000", []),
    ],
)
def test_no_hint_when_the_base_url_is_not_the_likely_cause(base_url: str, errors: list[BaseException]) -> None:
    assert base_url_hint(base_url, errors) is None


def test_a_prefix_path_keeps_its_prefix_in_the_suggestion() -> None:
    hint = base_url_hint("https://proxy.example/leonardo", [_not_found()])
    assert hint is not None
    assert hint.endswith("try --base-url https://proxy.example/leonardo/api/rest/v1")


@pytest.mark.parametrize(
    ("base_url", "suggested"),
    [
        ("http://127.0.0.1:8000/api", "http://127.0.0.1:8000/api/rest/v1"),  # cut short: not /api/api/rest/v1
        ("http://127.0.0.1:8000/api/rest/", "http://127.0.0.1:8000/api/rest/v1"),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/api/rest/v1"),
        ("https://cloud.leonardo.ai/api/rest/v2", "https://cloud.leonardo.ai/api/rest/v1"),  # another version
        # an endpoint pasted whole, as the API's docs show it
        ("https://cloud.leonardo.ai/api/rest/v1/generations-lcm", "https://cloud.leonardo.ai/api/rest/v1"),
        ("https://proxy.example/leonardo/api/lcm-upscale", "https://proxy.example/leonardo/api/rest/v1"),
    ],
)
def test_the_suggestion_replaces_a_partial_api_path_instead_of_appending_to_it(base_url: str, suggested: str) -> None:
    hint = base_url_hint(base_url, [_not_found()])
    assert hint is not None
    assert hint.endswith(f"try --base-url {suggested}"), hint


# -- styles: did you mean, and any case in the CLI and the library alike ---------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("cinematc", "CINEMATIC"), ("PHOTOGRAPY", "PHOTOGRAPHY"), ("sketch-bw", "SKETCH_BW"), ("render3d", "RENDER_3D")],
)
def test_a_mistyped_style_gets_did_you_mean(run: Cli, fake: FakeCanvas, workdir: Path, typed: str, meant: str) -> None:
    (src,) = make_inputs(workdir, 1)
    result = run("generate", src, "-p", "x", "--style", typed)
    assert result.exit_code == ExitCode.VALIDATION
    assert f"--style = {typed!r}: one of ANIME," in result.stderr
    assert f"did you mean {meant!r}?" in result.stderr
    assert fake.calls == []


def test_a_style_nothing_like_any_gets_no_guess(run: Cli, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    result = run("generate", src, "-p", "x", "--style", "pastel")
    assert result.exit_code == ExitCode.VALIDATION
    assert "did you mean" not in result.stderr


@pytest.mark.parametrize("style", ["cinematic", "Cinematic", "CINEMATIC", "sketch_bw"])
def test_styles_are_case_insensitive_in_the_cli(run: Cli, fake: FakeCanvas, workdir: Path, style: str) -> None:
    (src,) = make_inputs(workdir, 1)
    assert run("generate", src, "-p", "x", "--style", style).exit_code == 0
    assert str(fake.calls[0].kwargs["style"]) in {"CINEMATIC", "SKETCH_BW"}


@pytest.mark.parametrize("style", ["cinematic", "Cinematic", "sketch_bw", "render_3d"])
def test_styles_are_case_insensitive_in_the_library_and_sent_as_the_spec_spells_them(style: str) -> None:
    transport = LocalTransport(ServerConfig())
    with RealtimeCanvas(api_key="k", base_url=transport.base_url, transport=transport) as canvas:
        canvas.generate(jpeg_bytes(scene()), prompt="x", style=style)
        canvas.refine(jpeg_bytes(scene()), prompt="x", style=style)
    assert {r.body["style"] for r in transport.requests} == {style.upper()}  # the server (like the API) is strict


def test_the_library_suggests_too() -> None:
    with (
        RealtimeCanvas(api_key="k", transport=httpx.MockTransport(lambda r: httpx.Response(500))) as canvas,
        pytest.raises(ValidationError, match=r"style='dinamic': one of .*; did you mean 'DYNAMIC'\?"),
    ):
        canvas.generate(jpeg_bytes(scene()), prompt="x", style="dinamic")


def test_a_session_takes_any_case_too() -> None:
    from leonardo_realtime_client import AsyncRealtimeCanvas, RealtimeSession

    client = AsyncRealtimeCanvas(api_key="k", transport=LocalTransport())
    session = RealtimeSession(client, "generate", prompt="x", style="dynamic")
    assert session.params["style"] == "dynamic"  # accepted as given; the client sends DYNAMIC
    with pytest.raises(ValidationError, match="did you mean 'DYNAMIC'"):
        RealtimeSession(client, "generate", prompt="x", style="dynamc")


# -- --help ----------------------------------------------------------------------------------------------------------


def test_every_command_summary_is_whole_in_the_top_level_help(run: Cli) -> None:
    from leonardo_realtime_client._cli import cli

    text = " ".join(run("--help").stdout.split("Commands:", 1)[1].split())
    assert "..." not in text  # click's mark of a cut summary
    for name, command in cli.commands.items():
        first = re.split(r"(?<=\.)\s", " ".join((command.short_help or command.help or "").split()), maxsplit=1)[0]
        assert f"{name} {first}" in text, name


def test_timeout_and_retries_say_their_defaults(run: Cli) -> None:
    text = " ".join(run("refine", "--help").stdout.split())
    assert "Per-request timeout in seconds (default: 60, and 10 to connect)." in text
    assert "Retries of a failed request (default: 2)." in text


@pytest.mark.parametrize("command", ["generate", "refine", "inpaint", "upscale"])
def test_base_url_help_names_the_path_and_the_default_url(run: Cli, command: str) -> None:
    text = " ".join(run(command, "--help").stdout.split())
    assert (
        "API base URL, ending in /api/rest/v1 (default: $LEONARDO_BASE_URL, else "
        "https://cloud.leonardo.ai/api/rest/v1; the local server prints its own)."
    ) in text  # "else the spec's server" told a newcomer nothing


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("gen", "'generate'"),  # shortened
        ("generte", "'generate'"),  # mistyped
        ("Refine", "'refine'"),  # letter case
        ("upscal", "'upscale'"),
        ("serv", "'serve'"),
    ],
)
def test_a_mistyped_command_gets_did_you_mean_and_nothing_runs(
    run: Cli, fake: FakeCanvas, typed: str, meant: str
) -> None:
    result = run(typed, "sketch.png", "-p", "x")
    assert result.exit_code == ExitCode.USAGE, result.output
    assert f"No such command '{typed}'. Did you mean {meant}?" in result.stderr
    assert fake.calls == []  # a guess is never run: the calls are paid


def test_a_command_like_no_other_gets_click_s_plain_error(run: Cli) -> None:
    result = run("zzz")
    assert result.exit_code == ExitCode.USAGE
    assert "No such command 'zzz'." in result.stderr
    assert "Did you mean" not in result.stderr


# -- folder reruns without -o ----------------------------------------------------------------------------------------


def test_a_folder_rerun_sends_nothing_twice(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 3)
    first = run("refine", "in", "-p", "x")
    assert first.exit_code == 0, first.output
    assert len(fake.calls) == 3
    assert sorted(p.name for p in (workdir / "in").glob("*-refine.jpg")) == [f"img0{i}-refine.jpg" for i in range(3)]

    again = run("refine", "in", "-p", "x", "--skip-existing")
    assert again.exit_code == 0, again.output
    assert len(fake.calls) == 3  # the outputs were not sent as inputs, and the done inputs were skipped
    assert "left out 3 earlier output(s) found among the inputs: in/img00-refine.jpg" in again.stderr

    plain = run("refine", "in", "-p", "x")  # without --skip-existing: the existing outputs stop it up front
    assert plain.exit_code == ExitCode.USAGE
    assert "output exists" in plain.stderr
    assert len(fake.calls) == 3


def test_another_command_over_the_folder_takes_only_the_originals(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 2)
    assert run("refine", "in", "-p", "x").exit_code == 0
    result = run("upscale", "in", "-p", "x")
    assert result.exit_code == 0, result.output
    assert [c.image.split(b"input ")[-1] for c in fake.calls[2:]] == [b"img00", b"img01"]
    assert not list((workdir / "in").glob("*-refine-upscale.jpg"))


def test_a_glob_rerun_leaves_outputs_out_too(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 2)
    assert run("generate", "in/*.jpg", "-p", "x", "--name", "{stem}.out.jpg").exit_code == 0
    result = run("generate", "in/*.jpg", "-p", "x", "--name", "{stem}.out.jpg", "--skip-existing")
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 2  # this run's own --name is recognised as well as the default one


def test_an_output_named_explicitly_is_sent(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    make_inputs(workdir / "in", 1)
    assert run("refine", "in", "-p", "x").exit_code == 0
    result = run("upscale", "in/img00-refine.jpg", "in/img00.jpg", "-p", "x")
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 3  # the user asked for it by name
    assert "left out" not in result.stderr


def test_outputs_of_outputs_are_left_out_as_well(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (original,) = make_inputs(workdir / "in", 1)
    (workdir / "in" / "img00-refine.jpg").write_bytes(original.read_bytes())  # what an earlier rerun left
    (workdir / "in" / "img00-refine-refine.jpg").write_bytes(original.read_bytes())
    result = run("refine", "in", "-p", "x", "--dry-run", "--overwrite")
    assert result.exit_code == 0, result.output
    assert "left out 2 earlier output(s)" in result.stderr
    assert "would  in/img00.jpg → in/img00-refine.jpg" in result.stderr
    assert result.stderr.count("would ") == 1
