"""The canvas WebSocket protocol through starlette's ASGI test client, on the in-process stand-in.

Frames in, results and stats out; unchanged frames not sent; parameters; errors, 429 and budget events; the
frame-rate cap; and a clean close. Nothing sleeps: the sessions run on a fake clock.
"""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from typing import Any

import pybase64
import pytest
from PIL import Image
from starlette.testclient import TestClient

from leonardo_realtime_client._generated.constraints import OPERATIONS
from leonardo_realtime_client.server import Faults, Latency, ServerConfig

from .conftest import (
    MARKER_KEY,
    Canvas,
    ClosingClient,
    Page,
    connect,
    drawing,
    leftover_tasks,
    make_canvas,
    mask_png,
    wait_closed,
)


def image_of(data_url: str) -> Image.Image:
    head, _, payload = data_url.partition(",")
    assert head == "data:image/jpeg;base64"
    return Image.open(io.BytesIO(pybase64.b64decode(payload)))


def sent_image(request: object) -> bytes:
    body = getattr(request, "body")  # noqa: B009 - RecordedRequest.body, the JSON the stand-in parsed
    return pybase64.b64decode(body["imageDataUrl"].partition(",")[2])


def test_hello_carries_the_controls_from_the_constraints_table(client: TestClient) -> None:
    with connect(client) as ws:
        hello = Page(ws).until_type("hello")
    controls = {c["json_name"]: c for c in hello["controls"]}
    fields = OPERATIONS["createLCMGeneration"]["fields"]
    for name in ("strength", "guidance", "steps"):
        assert (controls[name]["min"], controls[name]["max"]) == (fields[name]["minimum"], fields[name]["maximum"])
        assert controls[name]["min"] <= controls[name]["value"] <= controls[name]["max"]
    assert controls["style"]["choices"] == list(fields["style"]["enum"] or ())
    assert controls["seed"]["max"] == fields["seed"]["maximum"]
    upscale = OPERATIONS["performAlchemyUpscaleLCM"]["fields"]["refineStrength"]
    assert (controls["refineStrength"]["min"], controls["refineStrength"]["max"]) == (
        upscale["minimum"],
        upscale["maximum"],
    )
    assert controls["refineStrength"]["operations"] == ["upscale"]
    assert "imageDataUrl" not in controls
    assert "requestTimestamp" not in controls
    assert hello["live_operations"] == ["generate", "refine", "inpaint"]
    assert (hello["budget"], hello["max_fps"], hello["backend"]) == ("1.00", 8.0, "local stand-in")


def test_a_frame_gives_a_result_and_stats(canvas: Canvas, client: TestClient) -> None:
    frame = drawing(2)
    with connect(client) as ws:
        page = Page(ws)
        page.until_type("hello")
        result = page.result_of(frame)
        stats = page.until_stats(lambda s: s["delivered"] == 1)
    assert result["seq"] == 1
    assert result["operation"] == "generate"
    assert image_of(result["image"]).size == (512, 512)
    assert Decimal(result["cost"]) > 0
    assert (stats["frames"], stats["sent"], stats["errors"]) == (1, 1, 0)
    assert stats["latency_p50_ms"] is not None  # 0 ms on the fake clock, but measured
    assert Decimal(stats["spent"]) == Decimal(result["cost"])
    (request,) = canvas.requests()
    assert request.path.endswith("/generations-lcm")
    assert sent_image(request) == frame  # the page's JPEG went out as it came: no re-encoding
    assert request.body["prompt"]
    assert request.body["seed"] == 42


def test_an_unchanged_frame_is_not_sent_again(canvas: Canvas, client: TestClient) -> None:
    frame = drawing(1)
    with connect(client) as ws:
        page = Page(ws)
        page.result_of(frame)
        page.frame(frame)
        stats = page.until_stats(lambda s: s["unchanged"] == 1)
        page.result_of(drawing(3))
    assert (stats["frames"], stats["sent"]) == (2, 1)
    assert len(canvas.requests()) == 2
    assert sent_image(canvas.requests()[-1]) == drawing(3)


def test_latest_frame_wins_and_results_arrive_in_order(canvas: Canvas, client: TestClient) -> None:
    frames = [drawing(n) for n in range(1, 7)]
    with connect(client) as ws:
        page = Page(ws)
        for frame in frames:
            page.frame(frame)
        stats = page.until_stats(
            lambda s: (
                s["in_flight"] == 0
                and s["sent"] >= 1
                and s["delivered"] >= 1
                and s["sent"] + s["coalesced"] == len(frames)
            )
        )
    seqs = [m["seq"] for m in page.seen if m["type"] == "result"]
    assert seqs == sorted(seqs)
    assert seqs[-1] == len(frames)
    assert stats["sent"] + stats["coalesced"] == len(frames) == stats["frames"]
    # The last drawing is always the one rendered last.
    assert sent_image(canvas.requests()[-1]) == frames[-1]


def test_parameter_changes_apply_to_the_next_frame_and_rerender(canvas: Canvas, client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        page.params(prompt="a red boat on a green sea", style="ANIME", strength=0.35, steps=5, seed=7)
        page.until(lambda m: m["type"] == "result" and m["seq"] == 2)
        page.frame(drawing(2))
        page.until(lambda m: m["type"] == "result" and m["seq"] == 3)
        page.params(seed=None)  # seed unlocked: the API picks one per frame
        page.until(lambda m: m["type"] == "result" and m["seq"] == 4)
    first, rerendered, next_frame, unlocked = (r.body for r in canvas.requests())
    assert first["prompt"] != "a red boat on a green sea"
    expected = {"prompt": "a red boat on a green sea", "style": "ANIME", "strength": 0.35, "steps": 5, "seed": 7}
    assert {k: rerendered[k] for k in expected} == expected  # same drawing, new parameters
    assert {k: next_frame[k] for k in expected} == expected
    assert "seed" not in unlocked
    assert unlocked["style"] == "ANIME"


def test_bad_parameters_are_refused_with_the_field_value_and_range(canvas: Canvas, client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        page.params(strength=7, style="OIL", steps=2.5, colour="red")
        error = page.until_type("error")
        page.params(operation="outpaint")
        wrong_operation = page.until_type("error")
        page.params(prompt="   ")
        empty_prompt = page.until_type("error")
        page.frame(drawing(2))
        page.until(lambda m: m["type"] == "result" and m["seq"] == 2)
    assert error["kind"] == "params"
    assert set(error["fields"]) == {"strength", "style", "steps", "colour"}
    assert "strength=7" in error["message"]
    assert "from 0.1 to 1" in error["message"]
    assert "OIL" in error["message"]
    assert "ANIME" in error["message"]
    assert "outpaint" in wrong_operation["message"]
    assert "inpaint" in wrong_operation["message"]
    assert empty_prompt["fields"] == ["prompt"]
    # Nothing of a refused message was applied: the next frame still has the starting values.
    assert canvas.requests()[-1].body["strength"] == 0.7
    assert len(canvas.requests()) == 2


def test_inpaint_sends_the_painted_mask(canvas: Canvas, client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        page.params(operation="inpaint")
        page.frame(drawing(1))
        waiting = page.until_stats(lambda s: s["frames"] == 1)
        page.mask(mask_png())
        result = page.until_type("result")
    assert waiting["sent"] == 0  # no mask painted yet: nothing to repaint
    (request,) = canvas.requests()
    assert request.path.endswith("/lcm-inpainting")
    assert request.body["maskDataUrl"].startswith("data:image/")
    assert result["operation"] == "inpaint"


def test_switching_operation_keeps_counting_the_connection(canvas: Canvas, client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        page.params(operation="refine")
        page.until(lambda m: m["type"] == "result" and m["operation"] == "refine")
        stats = page.until_stats(lambda s: s["operation"] == "refine" and s["delivered"] == 2)
    paths = [r.path.rsplit("/", 1)[1] for r in canvas.requests()]
    assert paths == ["generations-lcm", "lcm-instant-refine"]
    assert stats["sent"] == 2
    assert Decimal(stats["spent"]) == 2 * Decimal("0.0147")


def test_upscale_the_current_output_on_request(canvas: Canvas, client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        ws.send_json({"type": "upscale"})
        too_early = page.until_type("error")
        result = page.result_of(drawing(1))
        page.params(refine_strength=0.9, refine_creative=True)
        ws.send_json({"type": "upscale"})
        upscaled = page.until_type("upscaled")
        stats = page.until_stats(lambda s: Decimal(s["spent"]) > Decimal(result["cost"]))
    assert too_early["kind"] == "upscale"
    assert "nothing to upscale" in too_early["message"]
    assert image_of(upscaled["image"]).size == (1024, 1024)
    request = canvas.requests()[-1]
    assert request.path.endswith("/lcm-upscale")
    assert (request.body["refineStrength"], request.body["refineCreative"]) == (0.9, True)
    assert image_of(result["image"]).tobytes() == Image.open(io.BytesIO(sent_image(request))).tobytes()
    assert Decimal(stats["spent"]) == Decimal(result["cost"]) + Decimal(upscaled["cost"])


def test_a_429_arrives_as_an_error_with_its_pause_and_the_frame_is_sent_again() -> None:
    canvas = make_canvas(ServerConfig(faults=Faults(script=["rate_limit"], retry_after=3)))
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.frame(drawing(1))
        error = page.until_type("error")
        result = page.until_type("result")
        stats = page.until_stats(lambda s: s["delivered"] == 1)
    assert (error["kind"], error["status"], error["retry_after"]) == ("api", 429, 3.0)
    assert 3.0 in canvas.clock.slept  # the whole session paused for Retry-After (on the fake clock)
    assert result["seq"] == 1  # the same drawing, sent again once the pause ended
    assert (stats["errors"], stats["rate_limited"], stats["sent"]) == (1, 1, 2)
    assert [r.status for r in canvas.requests()] == [429, 200]


def test_other_api_errors_arrive_as_events_and_the_session_goes_on() -> None:
    canvas = make_canvas(ServerConfig(faults=Faults(script=["server_error"])))
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.frame(drawing(1))
        error = page.until_type("error")
        result = page.result_of(drawing(2))
    assert (error["kind"], error["status"], error["retry_after"]) == ("api", 500, None)
    assert result["seq"] == 2


def test_the_budget_stops_sending_and_says_so() -> None:
    canvas = make_canvas(budget="0.02")  # room for one 0.0147 request, not two
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        page.frame(drawing(2))
        budget = page.until_type("budget")
        stats = page.last("stats")  # stats are computed as they go out: this one already knows
        ws.send_json({"type": "upscale"})
        again = page.until_type("budget")
    assert (budget["spent"], budget["budget"], budget["unit"]) == ("0.0147", "0.02", "DOLLARS")
    assert "budget reached" in budget["message"]
    assert (stats["sent"], stats["spent"], stats["budget_reached"]) == (1, "0.0147", True)
    assert again["type"] == "budget"
    assert len(canvas.requests()) == 1  # neither the second frame nor the upscale was sent


def test_the_frame_rate_cap_spaces_requests() -> None:
    canvas = make_canvas(max_fps=4)
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        page.frame(drawing(2))
        page.until(lambda m: m["type"] == "result" and m["seq"] == 2)
    # The second request waited out the rest of 1/4 s after the first (the fake clock did not move meanwhile).
    assert canvas.clock.slept == [0.25]


def test_bad_messages_are_reported_and_the_socket_stays_open(canvas: Canvas, client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        ws.send_bytes(b"\x07" + drawing(1))
        bad_tag = page.until_type("error")
        page.frame(b"GIF89a not a jpeg at all")
        not_jpeg = page.until_type("error")
        ws.send_text("not json")
        not_json = page.until_type("error")
        ws.send_json({"type": "paint"})
        unknown = page.until_type("error")
        page.result_of(drawing(1))
    assert bad_tag["kind"] == "protocol"
    assert "0x07" in bad_tag["message"]
    assert not_jpeg["kind"] == "frame"
    assert "JPEG" in not_jpeg["message"]
    assert "gif" in not_jpeg["message"]
    assert not_json["kind"] == "protocol"
    assert unknown["kind"] == "protocol"
    assert "'paint'" in unknown["message"]
    assert len(canvas.requests()) == 1


def test_an_oversized_frame_is_refused() -> None:
    canvas = make_canvas(max_frame_bytes=2048)
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.frame(drawing(5))
        error = page.until_type("error")
    assert error["kind"] == "frame"
    assert "at most 2,048" in error["message"]
    assert canvas.requests() == []


def test_closing_the_socket_cancels_in_flight_work_and_leaves_no_task() -> None:
    stuck = ServerConfig(latency=Latency(fixed=60), async_sleep=_forever)
    canvas = make_canvas(stuck)
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client:
        with connect(client) as ws:
            page = Page(ws)
            page.frame(drawing(1))
            page.until_stats(lambda s: s["in_flight"] == 1)
            assert any(name.startswith("leonardo-session-request") for name in leftover_tasks(client))
        wait_closed(client, canvas.hub)
        assert leftover_tasks(client) == []
        assert canvas.hub.connections == set()
    assert [c.closed for c in canvas.clients] == [True]


async def _forever(seconds: float) -> None:
    import asyncio

    await asyncio.Event().wait()


@pytest.mark.parametrize(("wrong_key", "status"), [("hook", 500), ("401", 401)])
def test_the_key_never_reaches_the_socket(wrong_key: str, status: int) -> None:
    # The stand-in wants another key: every request fails (as Leonardo answers it, or a plain 401), and the error's
    # message could carry what was sent.
    canvas = make_canvas(ServerConfig(require_token="some-other-key-entirely", wrong_key=wrong_key))
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.frame(drawing(1))
        error = page.until_type("error")
        page.until_stats(lambda s: s["errors"] == 1)
        page.params(prompt="again")
        page.until(lambda m: m["type"] == "error" and m is not error)
        html = client.get("/").text + client.get("/static/canvas.js").text
    assert error["status"] == status
    assert all(MARKER_KEY not in text for text in page.raw)
    assert MARKER_KEY not in html
    assert MARKER_KEY not in repr(canvas.config)


def test_a_failed_upscale_is_an_event_and_the_canvas_goes_on() -> None:
    canvas = make_canvas(ServerConfig(faults=Faults(script=["none", "rate_limit"], retry_after=4)))
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        ws.send_json({"type": "upscale"})
        error = page.until_type("error")
        stats = page.until_stats(lambda s: s["errors"] == 1)
        page.frame(drawing(2))
        page.until(lambda m: m["type"] == "result" and m["seq"] == 2)
    assert (error["kind"], error["status"], error["retry_after"]) == ("upscale", 429, 4.0)
    assert stats["spent"] == "0.0147"  # the refused upscale cost nothing
    paths = [r.path.rsplit("/", 1)[1] for r in canvas.requests()]
    assert paths == ["generations-lcm", "lcm-upscale", "generations-lcm"]


# The budget covers the whole connection: upscales and every session it opens (a session's own budget is fixed when
# it opens). Costs on the stand-in: a live request 0.0147, an upscale 0.0294.


def test_live_requests_after_an_upscale_stay_within_the_budget() -> None:
    canvas = make_canvas(budget="0.06")  # one live + one upscale (0.0441) leave room for one more live, not two
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        ws.send_json({"type": "upscale"})
        page.until_type("upscaled")
        page.result_of(drawing(2))
        page.frame(drawing(3))
        budget = page.until_type("budget")
        page.frame(drawing(4))  # its stats come after the budget event
        stats = page.until_stats(lambda s: s["frames"] == 4)
    assert (budget["spent"], stats["spent"], stats["budget_reached"]) == ("0.0588", "0.0588", True)
    assert "one more request (~0.0147 dollars) would pass it" in budget["message"]
    paths = [r.path.rsplit("/", 1)[1] for r in canvas.requests()]
    assert paths == ["generations-lcm", "lcm-upscale", "generations-lcm"]  # the third drawing was not sent


def test_an_upscale_that_would_pass_the_budget_is_refused_and_the_live_canvas_goes_on() -> None:
    canvas = make_canvas(budget="0.065")  # after one live + one upscale (0.0441): a live request fits, an upscale not
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        ws.send_json({"type": "upscale"})
        page.until_type("upscaled")
        ws.send_json({"type": "upscale"})
        refused = page.until_type("error")
        result = page.result_of(drawing(2))
        stats = page.until_stats(lambda s: s["spent"] == "0.0588")
    assert refused["kind"] == "upscale"
    assert refused["message"] == "an upscale (~0.0294 dollars) would pass the budget: spent 0.0441 of 0.065 dollars"
    assert result["cost"] == "0.0147"
    assert Decimal(stats["spent"]) <= Decimal("0.065")
    paths = [r.path.rsplit("/", 1)[1] for r in canvas.requests()]
    assert paths == ["generations-lcm", "lcm-upscale", "generations-lcm"]


def test_switching_operation_opens_no_session_the_budget_cannot_pay_for() -> None:
    canvas = make_canvas(budget="0.025")  # one 0.0147 request leaves 0.0103: not enough for another
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        page.params(operation="refine")
        budget = page.until_type("budget")
        page.frame(drawing(2))
        stats = page.until_stats(lambda s: s["frames"] == 2)
    assert budget["message"] == (
        "budget reached: spent 0.0147 of 0.025 dollars; one more request (~0.0147 dollars) would pass it;"
        " nothing more is sent"
    )
    assert (stats["spent"], stats["budget_reached"]) == ("0.0147", True)
    assert [r.path.rsplit("/", 1)[1] for r in canvas.requests()] == ["generations-lcm"]


def test_a_drawing_made_while_an_upscale_runs_is_sent_after_it() -> None:
    # The upscale waits at a gate the test opens, so the drawing surely arrives while it runs.
    gate = asyncio.Event()  # bound to the app's loop when first awaited there

    class Gated(ClosingClient):
        async def upscale(self, *args: Any, **kwargs: Any) -> Any:
            await gate.wait()
            return await super().upscale(*args, **kwargs)

    canvas = make_canvas(client_class=Gated, budget="1.00")
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        ws.send_json({"type": "upscale"})
        page.frame(drawing(2))
        held = page.until_stats(lambda s: s["frames"] == 2)
        assert client.portal is not None
        client.portal.call(gate.set)
        upscaled = page.until_type("upscaled")
        after = page.until_type("result")
    assert held["sent"] == 1  # the second drawing waited
    assert (upscaled["cost"], after["cost"]) == ("0.0294", "0.0147")
    paths = [r.path.rsplit("/", 1)[1] for r in canvas.requests()]
    assert paths == ["generations-lcm", "lcm-upscale", "generations-lcm"]
    assert sent_image(canvas.requests()[-1]) == drawing(2)


def test_an_upscale_waits_for_the_live_request_in_flight_and_then_weighs_the_budget() -> None:
    # The live request for the second drawing is held in flight; the upscale must not start before it is answered
    # (its cost counts), nor cancel it when the live session is reopened afterwards.
    held: list[asyncio.Event] = []
    entered = asyncio.Event()  # bound to the app's loop when first awaited there
    upscales: list[str] = []
    block = [False]

    class Gated(ClosingClient):
        async def generate(self, *args: Any, **kwargs: Any) -> Any:
            if block[0]:
                held.append(asyncio.Event())
                entered.set()
                await held[-1].wait()
            return await super().generate(*args, **kwargs)

        async def upscale(self, *args: Any, **kwargs: Any) -> Any:
            upscales.append("called")
            return await super().upscale(*args, **kwargs)

    async def release() -> None:
        held[0].set()

    canvas = make_canvas(client_class=Gated, budget="0.06")
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client, connect(client) as ws:
        page = Page(ws)
        page.result_of(drawing(1))
        block[0] = True
        page.frame(drawing(2))
        assert client.portal is not None
        client.portal.call(entered.wait)  # the live request is in flight
        ws.send_json({"type": "upscale"})
        ws.send_json({"type": "ping"})  # a round trip: the upscale has started when the answer to this arrives
        page.until(lambda m: m["type"] == "error" and "ping" in m["message"])
        before_release = list(upscales)
        client.portal.call(release)
        second = page.until_type("result")
        upscaled = page.until_type("upscaled")
        page.frame(drawing(3))
        budget = page.until_type("budget")
    assert before_release == []  # the upscale waited for the live request in flight
    assert (second["cost"], upscaled["cost"]) == ("0.0147", "0.0294")
    # ...and upscaled its output, the latest drawing's, not the output there was when the button was pressed
    assert sent_image(canvas.requests()[-1]) == pybase64.b64decode(second["image"].partition(",")[2])
    assert budget["spent"] == "0.0588"  # 0.0012 left: no session is opened for the third drawing
    paths = [r.path.rsplit("/", 1)[1] for r in canvas.requests()]
    assert paths == ["generations-lcm", "generations-lcm", "lcm-upscale"]


def test_closing_the_socket_during_an_upscale_with_a_drawing_held_leaves_no_task_and_sends_nothing() -> None:
    never = asyncio.Event()  # the upscale is still running when the tab closes

    class Stuck(ClosingClient):
        async def upscale(self, *args: Any, **kwargs: Any) -> Any:
            await never.wait()
            return await super().upscale(*args, **kwargs)

    canvas = make_canvas(client_class=Stuck)
    with TestClient(canvas.app, base_url="http://127.0.0.1:8765") as client:
        with connect(client) as ws:
            page = Page(ws)
            page.result_of(drawing(1))
            ws.send_json({"type": "upscale"})
            page.frame(drawing(2))  # held while the upscale runs
            page.until_stats(lambda s: s["frames"] == 2)
            assert "leonardo-canvas-upscale" in leftover_tasks(client)
        wait_closed(client, canvas.hub)
        assert leftover_tasks(client) == []
    assert [c.closed for c in canvas.clients] == [True]
    assert [r.path.rsplit("/", 1)[1] for r in canvas.requests()] == ["generations-lcm"]  # the held one never went
