"""The four MCP tools through the SDK's own in-memory client session, on the local stand-in.

Over 500 lines because each tool's cases share one in-memory session and stand-in; split by tool when one grows.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp.types import CallToolResult, ImageContent, TextContent

from leonardo_realtime_client import encode_data_url
from leonardo_realtime_client._generated.constraints import OPERATIONS
from leonardo_realtime_client._mcp._schema import SKIPPED_FIELDS, TOOL_OPERATIONS, argument_name
from leonardo_realtime_client.server import Faults, LocalTransport, ServerConfig

from .conftest import MakeHarness, decode_jpeg, mask_file

pytestmark = pytest.mark.anyio


def _images(result: CallToolResult) -> list[ImageContent]:
    return [block for block in result.content if isinstance(block, ImageContent)]


def _text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def _arguments(tool: str, sketch: Path, **extra: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {"image": str(sketch), "prompt": "a lighthouse at dusk"}
    if tool == "inpaint":
        arguments["mask"] = str(mask_file(sketch.with_name("mask.png")))
    return arguments | extra


# ------------------------------------------------------------------------------------------------------------------
# Schemas


async def test_tools_are_listed_with_the_spec_limits(make_harness: MakeHarness) -> None:
    harness = make_harness()
    async with harness.client() as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == {"generate", "refine", "inpaint", "upscale"}
    generate = tools["generate"].input_schema
    assert generate["properties"]["guidance"]["minimum"] == 0.5
    assert generate["properties"]["guidance"]["maximum"] == 20
    assert generate["properties"]["guidance"]["type"] == "number"
    assert generate["properties"]["style"]["enum"][:2] == ["ANIME", "CINEMATIC"]
    assert "VIBRANT" in generate["properties"]["style"]["enum"]
    assert generate["properties"]["width"]["enum"] == [512, 640, 1024]
    assert generate["properties"]["steps"] == {
        "type": "integer",
        "minimum": 4,
        "maximum": 16,
        "description": "The number of steps to use for the generation. Must be between 4 and 16.",
    }
    assert generate["required"] == ["image", "prompt"]
    assert generate["additionalProperties"] is False
    assert tools["inpaint"].input_schema["required"] == ["image", "mask", "prompt"]
    assert "white" in tools["inpaint"].input_schema["properties"]["mask"]["description"]
    upscale = tools["upscale"].input_schema["properties"]
    assert (upscale["refine_strength"]["minimum"], upscale["refine_strength"]["maximum"]) == (0.5, 0.9)
    assert upscale["refine_creative"]["type"] == "boolean"
    # Nobody is asked for base64: the image arguments take a path, a data URL or a result id.
    assert "base64 format" not in json.dumps(generate["properties"]["image"])
    for tool in tools.values():
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is False
        assert tool.annotations.idempotent_hint is False
        assert tool.output_schema is not None


async def test_every_schema_limit_is_the_tables(make_harness: MakeHarness) -> None:
    """Generated, not typed: each property's type, range, enum and description is the constraints table's."""
    harness = make_harness()
    async with harness.client() as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for tool, operation_id in TOOL_OPERATIONS.items():
        properties = tools[tool].input_schema["properties"]
        fields = {n: r for n, r in OPERATIONS[operation_id]["fields"].items() if n not in SKIPPED_FIELDS}
        assert set(properties) == {argument_name(n) for n in fields}
        for json_name, rule in fields.items():
            prop = properties[argument_name(json_name)]
            if json_name.endswith("DataUrl"):
                continue
            assert prop["type"] == rule["type"]
            assert prop.get("minimum") == rule["minimum"], (tool, json_name)
            assert prop.get("maximum") == rule["maximum"], (tool, json_name)
            expected_enum = rule["enum"] or rule["choices"]
            assert prop.get("enum") == (list(expected_enum) if expected_enum else None), (tool, json_name)
            assert prop.get("description", "") == rule["description"]


async def test_open_world_unless_local(make_harness: MakeHarness) -> None:
    for local in (True, False):
        harness = make_harness(local=local)
        async with harness.client() as client:
            tools = (await client.list_tools()).tools
        assert {tool.annotations.open_world_hint for tool in tools if tool.annotations} == {not local}


# ------------------------------------------------------------------------------------------------------------------
# Calls


@pytest.mark.parametrize("tool", ["generate", "refine", "inpaint", "upscale"])
async def test_each_tool_returns_a_jpeg_labelled_image_jpeg(make_harness: MakeHarness, tool: str) -> None:
    harness = make_harness()
    async with harness.client() as client:
        result = await client.call_tool(tool, _arguments(tool, harness.sketch, seed=7))
    assert result.is_error is False, _text(result)
    (block,) = _images(result)
    assert block.mime_type == "image/jpeg"
    data = base64.b64decode(block.data)
    image = decode_jpeg(data)
    assert image.format == "JPEG"
    structured = result.structured_content
    assert isinstance(structured, dict)
    assert structured["id"] == f"{tool}-1"
    assert structured["cost"] is not None
    assert Decimal(structured["cost"]) > 0
    assert structured["cost_unit"] == "DOLLARS"
    assert structured["request_timestamp"]
    assert structured["request_timestamp"].isdigit()
    (saved,) = structured["images"]
    assert saved["mime_type"] == "image/jpeg"
    assert await anyio.Path(saved["path"]).read_bytes() == data
    assert Path(saved["path"]).parent == harness.output
    assert (saved["width"], saved["height"]) == image.size
    expected_size = (1024, 1024) if tool == "upscale" else (512, 512)
    assert image.size == expected_size
    if tool == "upscale":
        assert structured["generation_ids"]
        assert structured["generated_image_id"]
    assert harness.seen[-1].body["requestTimestamp"] == structured["request_timestamp"]
    assert harness.seen[-1].body["seed"] == 7


async def test_the_mime_type_is_sniffed_not_assumed(make_harness: MakeHarness, tmp_path: Path) -> None:
    """A result that is not a JPEG is labelled with what its bytes are (the SDK's Image would say image/png)."""
    from leonardo_realtime_client._mcp._calls import ToolOutcome
    from leonardo_realtime_client._mcp._server import to_call_tool_result

    webp = tmp_path / "x.webp"
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(webp, format="WEBP")
    harness = make_harness()
    saved = harness.calls.store.save("generate", (webp.read_bytes(),))
    assert saved[0].mime_type == "image/webp"
    assert saved[0].path.suffix == ".webp"
    outcome = ToolOutcome(False, "ok", {}, ((webp.read_bytes(), saved[0].mime_type),))
    (block,) = _images(to_call_tool_result(outcome))
    assert block.mime_type == "image/webp"


async def test_results_chain_by_id_without_bytes(make_harness: MakeHarness) -> None:
    harness = make_harness()
    async with harness.client() as client:
        first = await client.call_tool("generate", _arguments("generate", harness.sketch))
        second = await client.call_tool("refine", {"image": "generate-1", "prompt": "sharper"})
        third = await client.call_tool("upscale", {"image": "refine-1", "prompt": "crisp"})
    assert [r.is_error for r in (first, second, third)] == [False, False, False], _text(third)
    generated = base64.b64decode(_images(first)[0].data)
    refined = base64.b64decode(_images(second)[0].data)
    # The stand-in received exactly the earlier results' bytes (JPEG goes out unchanged).
    assert harness.seen[1].body["imageDataUrl"] == encode_data_url(generated)
    assert harness.seen[2].body["imageDataUrl"] == encode_data_url(refined)
    assert third.structured_content is not None
    assert third.structured_content["id"] == "upscale-1"
    assert third.structured_content["totals"]["calls"] == 3


@pytest.mark.parametrize("blocker", ["file", "file-in-parent"])
async def test_a_paid_result_that_cannot_be_saved_still_comes_back(make_harness: MakeHarness, blocker: str) -> None:
    """The output folder became unusable while the server ran: the call was paid, so its image is not dropped."""
    harness = make_harness()
    folder = harness.output if blocker == "file" else harness.output.parent / "gone" / "out"
    harness.calls.store.folder = folder
    blocking = folder if blocker == "file" else folder.parent
    blocking.parent.mkdir(parents=True, exist_ok=True)
    if blocking.is_dir():
        blocking.rmdir()
    blocking.write_bytes(b"in the way")
    async with harness.client() as client:
        result = await client.call_tool("generate", _arguments("generate", harness.sketch))
    assert result.is_error is True
    assert [r.status for r in harness.seen] == [200]
    (image,) = _images(result)
    assert image.mime_type == "image/jpeg"
    assert decode_jpeg(base64.b64decode(image.data)).size == (512, 512)
    assert "could not be saved (returned in this answer only: no file, no id)" in _text(result)
    assert result.structured_content["error"]["sent"] is True
    assert harness.calls.store.ids() == []


async def test_a_saved_path_and_a_data_url_work_as_images(make_harness: MakeHarness) -> None:
    harness = make_harness()
    async with harness.client() as client:
        first = await client.call_tool("generate", _arguments("generate", harness.sketch))
        assert first.structured_content is not None
        path = first.structured_content["images"][0]["path"]
        by_path = await client.call_tool("refine", {"image": path, "prompt": "again"})
        url = encode_data_url(await anyio.Path(path).read_bytes())
        by_url = await client.call_tool("refine", {"image": url, "prompt": "again"})
    assert by_path.is_error is False
    assert by_url.is_error is False
    assert harness.seen[1].body["imageDataUrl"] == harness.seen[2].body["imageDataUrl"] == url


async def test_files_are_never_replaced_across_runs(make_harness: MakeHarness) -> None:
    """Two servers writing into one folder in the same second both keep their files."""
    first, second = make_harness(), make_harness()
    for harness in (first, second):
        async with harness.client() as client:
            result = await client.call_tool("generate", _arguments("generate", harness.sketch))
            assert result.is_error is False
    assert len(list(first.output.glob("*.jpg"))) == 2


# ------------------------------------------------------------------------------------------------------------------
# Errors a model can act on


async def test_a_validation_error_lists_every_problem_and_sends_nothing(make_harness: MakeHarness) -> None:
    harness = make_harness()
    arguments = {
        "image": str(harness.sketch),
        "prompt": "x",
        "guidance": 999,
        "steps": 100,
        "style": "POSTER",
        "width": 777,
        "strength": "lots",
    }
    async with harness.client() as client:
        result = await client.call_tool("generate", arguments)
    assert result.is_error is True
    assert harness.seen == []
    assert isinstance(result.structured_content, dict)
    error = result.structured_content["error"]
    assert error["type"] == "ValidationError"
    assert error["sent"] is False
    found = {v["argument"]: (v["value"], v["allowed"]) for v in error["violations"]}
    expected = {
        "guidance": (999, "a number from 0.5 to 20"),
        "strength": ("lots", "a number from 0.1 to 1"),  # the validator may add why (the type is the problem)
        "style": ("POSTER", "one of ANIME, CINEMATIC"),
        "steps": (100, "an integer from 4 to 16"),
        "width": (777, "one of 512, 640, 1024"),
    }
    assert set(found) == set(expected)
    for argument, (value, allowed) in expected.items():
        assert found[argument][0] == value
        assert found[argument][1].startswith(allowed), (argument, found[argument])
    text = _text(result)
    assert "5 invalid arguments for generate; nothing was sent" in text
    assert "guidance=999: a number from 0.5 to 20" in text


async def test_image_problems_come_in_the_same_list(make_harness: MakeHarness, tmp_path: Path) -> None:
    harness = make_harness()
    small_mask = mask_file(tmp_path / "small-mask.png", size=(64, 64))
    lying = "data:image/png;base64," + base64.b64encode(b"\xff\xd8\xff\xe0 not really").decode()
    async with harness.client() as client:
        missing = await client.call_tool(
            "inpaint", {"image": str(tmp_path / "nope.png"), "mask": "generate-9", "prompt": "p", "steps": 3}
        )
        wrong_size = await client.call_tool(
            "inpaint", {"image": str(harness.sketch), "mask": str(small_mask), "prompt": "p"}
        )
        bad_url = await client.call_tool("refine", {"image": lying})
        web = await client.call_tool("upscale", {"image": "https://example.com/cat.jpg", "prompt": "p"})
    assert harness.seen == []
    problems = {v["argument"]: v["allowed"] for v in missing.structured_content["error"]["violations"]}
    assert set(problems) == {"image", "mask", "steps"}
    assert "no such file" in problems["image"]
    assert str(tmp_path / "nope.png") in problems["image"]
    assert "no result with this id" in problems["mask"]
    assert "none yet" in problems["mask"]
    (size_problem,) = wrong_size.structured_content["error"]["violations"]
    assert size_problem["argument"] == "mask"
    assert "64" in size_problem["allowed"]
    assert "512" in size_problem["allowed"]
    url_problems = {v["argument"] for v in bad_url.structured_content["error"]["violations"]}
    assert url_problems == {"image", "prompt"}  # a lying label, and the required prompt missing
    (web_problem,) = web.structured_content["error"]["violations"]
    assert web_problem["allowed"].startswith("URLs are not fetched")


@pytest.mark.parametrize(
    ("tool", "arguments", "missing"),
    [
        ("upscale", {"prompt": "p"}, {"image"}),
        ("inpaint", {"prompt": "p"}, {"image", "mask"}),
        ("inpaint", {"image": None, "mask": None, "prompt": "p"}, {"image", "mask"}),  # null is "not given"
        ("generate", {}, {"image"}),
    ],
)
async def test_a_missing_image_asks_for_what_the_tool_takes(
    make_harness: MakeHarness, tool: str, arguments: dict[str, Any], missing: set[str]
) -> None:
    """Not the spec's 'a string' (its base64 data URL), but a path, a data URL or a result id."""
    harness = make_harness()
    async with harness.client() as client:
        result = await client.call_tool(tool, arguments)
    assert harness.seen == []
    found = {v["argument"]: v["allowed"] for v in result.structured_content["error"]["violations"]}
    for name in missing:
        assert found[name] == "required: a file path, a data URL or the id of an earlier result"
    assert f"{sorted(missing)[0]}=None: required: a file path" in _text(result)


async def test_numbers_given_as_text_are_accepted(make_harness: MakeHarness) -> None:
    """Hosts sometimes send numbers as strings: converted like the CLI does, still range-checked."""
    harness = make_harness()
    async with harness.client() as client:
        ok = await client.call_tool("generate", _arguments("generate", harness.sketch, steps="8", guidance="7.5"))
        bad = await client.call_tool("generate", _arguments("generate", harness.sketch, steps="80"))
    assert ok.is_error is False
    assert (harness.seen[0].body["steps"], harness.seen[0].body["guidance"]) == (8, 7.5)
    assert bad.is_error is True
    assert len(harness.seen) == 1


async def test_a_429_is_a_tool_error_with_its_retry_after(make_harness: MakeHarness) -> None:
    harness = make_harness(ServerConfig(faults=Faults(script=["rate_limit"], retry_after=3)))
    async with harness.client() as client:
        limited = await client.call_tool("generate", _arguments("generate", harness.sketch))
        after = await client.call_tool("generate", _arguments("generate", harness.sketch))
    assert limited.is_error is True
    error = limited.structured_content["error"]
    assert error["type"] == "RateLimitError"
    assert (error["status"], error["retry_after"], error["sent"]) == (429, 3, True)
    assert error["code"]
    assert "retry after 3 s" in _text(limited)
    assert after.is_error is False  # the server goes on
    assert [r.status for r in harness.seen] == [429, 200]


@pytest.mark.parametrize(
    ("fault", "kind", "status", "billed"),
    [
        ("server_error", "InternalServerError", 500, True),  # sent, and nothing says it was not processed
        ("unavailable", "InternalServerError", 503, False),  # 503 with Retry-After: not processed
        ("rate_limit", "RateLimitError", 429, False),
        ("drop", "APIConnectionError", None, True),  # the answer was lost after the request was sent
    ],
)
async def test_other_api_errors_are_typed_tool_errors(
    make_harness: MakeHarness, fault: str, kind: str, status: int | None, billed: bool
) -> None:
    harness = make_harness(ServerConfig(faults=Faults(script=[fault])), budget=Decimal("1"))
    async with harness.client() as client:
        result = await client.call_tool("refine", _arguments("refine", harness.sketch))
    assert result.is_error is True
    error = result.structured_content["error"]
    assert (error["type"], error.get("status"), error["sent"]) == (kind, status, True)
    assert error["possibly_billed"] is billed
    text = _text(result)
    assert ("may have been processed and billed" in text) is billed
    assert ("a retry is safe" in text) is not billed
    assert error["retryable"] is True  # each of these may pass later


def _answer(status: int, body: dict[str, Any]) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


def _refused_connection(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


@pytest.mark.parametrize(
    ("transport", "kind", "status", "hint"),
    [
        # Leonardo answers a bad key with this 500; the stand-in does too (wrong_key="hook", its default).
        (LocalTransport(ServerConfig(require_token="another")), "AuthenticationError", 500, "key was refused"),
        (LocalTransport(ServerConfig(require_token="another", wrong_key="401")), "AuthenticationError", 401, "key"),
        (_answer(404, {"error": "not found", "code": "not-found"}), "NotFoundError", 404, "--base-url"),
        (_answer(400, {"error": "bad prompt", "code": "bad-request"}), "BadRequestError", 400, "change them"),
        (_answer(403, {"error": "no", "code": "forbidden"}), "PermissionDeniedError", 403, "ask the user"),
        (_answer(413, {"error": "too big"}), "RequestTooLargeError", 413, "smaller image"),
    ],
)
async def test_an_error_that_would_fail_again_is_not_called_safe_to_retry(
    make_harness: MakeHarness, transport: httpx.AsyncBaseTransport, kind: str, status: int, hint: str
) -> None:
    harness = make_harness(transport=transport, local=False)
    async with harness.client() as client:
        result = await client.call_tool("generate", _arguments("generate", harness.sketch))
    assert result.is_error is True
    error = result.structured_content["error"]
    assert (error["type"], error["status"], error["sent"]) == (kind, status, True)
    assert (error["possibly_billed"], error["retryable"]) == (False, False)
    text = _text(result)
    assert hint in text
    assert "a retry is safe" not in text
    assert "the same call would fail again" in text


async def test_a_connection_refused_was_not_sent(make_harness: MakeHarness) -> None:
    harness = make_harness(transport=httpx.MockTransport(_refused_connection), local=False, max_retries=2)
    async with harness.client() as client:
        result = await client.call_tool("upscale", _arguments("upscale", harness.sketch))
    error = result.structured_content["error"]
    assert (error["type"], error["sent"], error["possibly_billed"], error["retryable"]) == (
        "APIConnectionError",
        False,
        False,
        True,
    )
    assert "a retry is safe" in _text(result)


# ------------------------------------------------------------------------------------------------------------------
# Budget


async def test_a_call_that_could_pass_the_budget_is_refused(make_harness: MakeHarness) -> None:
    harness = make_harness(budget=Decimal("0.03"))  # the stand-in charges 0.0147 per 512x512 generate
    async with harness.client() as client:
        results = [await client.call_tool("generate", _arguments("generate", harness.sketch)) for _ in range(3)]
    assert [r.is_error for r in results] == [False, False, True]
    assert len(harness.seen) == 2  # the refused call was not sent
    error = results[2].structured_content["error"]
    assert error["type"] == "BudgetExceeded"
    assert error["sent"] is False
    assert (error["spent"], error["estimate"], error["budget"], error["unit"]) == (
        "0.0294",
        "0.0147",
        "0.03",
        "DOLLARS",
    )
    assert "budget reached" in _text(results[2])
    assert results[1].structured_content["totals"]["remaining"] == "0.0006"


async def test_the_budget_estimates_each_operation_by_its_own_cost(make_harness: MakeHarness) -> None:
    harness = make_harness(budget=Decimal("0.05"))
    async with harness.client() as client:
        generated = await client.call_tool("generate", _arguments("generate", harness.sketch))  # 0.0147
        upscaled = await client.call_tool("upscale", {"image": "generate-1", "prompt": "p"})  # est. 0.0147, paid 0.0294
        again = await client.call_tool("upscale", {"image": "generate-1", "prompt": "p"})  # est. 0.0294: 0.0735 > 0.05
        refined = await client.call_tool("refine", {"image": "generate-1", "prompt": "p"})  # est. 0.0294: 0.0735 > 0.05
    assert [generated.is_error, upscaled.is_error, again.is_error, refined.is_error] == [False, False, True, True]
    assert len(harness.seen) == 2


async def test_without_a_budget_the_total_still_runs(make_harness: MakeHarness) -> None:
    harness = make_harness()
    async with harness.client() as client:
        for _ in range(2):
            result = await client.call_tool("generate", _arguments("generate", harness.sketch))
    totals = result.structured_content["totals"]
    assert totals == {
        "calls": 2,
        "spent": {"DOLLARS": "0.0294"},
        "possibly_billed": "0",
        "budget": None,
        "budget_unit": "DOLLARS",
        "remaining": None,
    }


async def test_a_misspelt_argument_is_named_not_dropped(make_harness: MakeHarness) -> None:
    """The SDK's argument model would drop an unknown name silently, and the call would go out without it."""
    harness = make_harness()
    async with harness.client() as client:
        result = await client.call_tool("generate", _arguments("generate", harness.sketch, guidence=5, stlye="ANIME"))
    assert result.is_error is True
    assert harness.seen == []
    violations = result.structured_content["error"]["violations"]
    assert {v["argument"] for v in violations} == {"guidence", "stlye"}
    assert all(v["allowed"].startswith("unknown argument; known: image, prompt, guidance") for v in violations)


async def test_errors_and_results_both_match_the_published_output_schema(make_harness: MakeHarness) -> None:
    """Hosts may check structuredContent against outputSchema even for isError results: both shapes conform."""
    from jsonschema import Draft202012Validator

    harness = make_harness(ServerConfig(faults=Faults(script=["rate_limit"], retry_after=2)), budget=Decimal("0.01"))
    async with harness.client() as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        results = [
            await client.call_tool("generate", _arguments("generate", harness.sketch, steps=99)),  # invalid
            await client.call_tool("generate", _arguments("generate", harness.sketch)),  # 429
            await client.call_tool("generate", _arguments("generate", harness.sketch)),  # ok, 0.0147 > 0.01 budget
            await client.call_tool("generate", _arguments("generate", harness.sketch)),  # refused
        ]
    assert [r.is_error for r in results] == [True, True, False, True]
    schema = tools["generate"].output_schema
    assert schema is not None
    validator = Draft202012Validator(schema)
    for result in results:
        assert validator.is_valid(result.structured_content), list(validator.iter_errors(result.structured_content))
    kinds = [r.structured_content["error"]["type"] for r in results if r.is_error]
    assert kinds == ["ValidationError", "RateLimitError", "BudgetExceeded"]
