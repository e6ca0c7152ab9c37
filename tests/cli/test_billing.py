"""What may have been billed, on the command line: the summary and --json count the attempts of
unknown outcome, and each item's error says its outcome."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from leonardo_realtime_client import AsyncRealtimeCanvas
from leonardo_realtime_client._cli import cli
from leonardo_realtime_client._cli._env import CliEnv, Connection

from ..client.conftest import BASE_URL, make_jpeg, ok


def test_the_summary_and_json_count_what_may_have_been_billed(tmp_path: Path) -> None:
    answers: list[httpx.Response | Exception] = [
        httpx.ReadTimeout("slow"),  # sent, no answer: may have been billed
        httpx.Response(429, json={"error": "slow down", "code": "rate-limited"}),  # not processed
        ok(),
        httpx.Response(502, text="bad gateway"),  # may have been billed
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        next_answer = answers.pop(0)
        if isinstance(next_answer, Exception):
            raise next_answer
        return next_answer

    def factory(conn: Connection) -> AsyncRealtimeCanvas:
        return AsyncRealtimeCanvas(
            api_key=conn.api_key, base_url=BASE_URL, transport=httpx.MockTransport(answer), max_retries=0
        )

    for index in range(4):
        (tmp_path / f"in{index}.jpg").write_bytes(make_jpeg(color=(index * 40, 10, 10)))
    args = ["generate", str(tmp_path), "-p", "x", "-o", str(tmp_path / "out"), "-j", "1", "--json"]
    result = CliRunner().invoke(
        cli, args, obj=CliEnv(client_factory=factory), env={"LEONARDO_API_KEY": "sk-test-key-123456"}
    )
    assert result.exit_code == 1, result.output
    assert "2 attempts without a usable answer may have been billed too" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["possibly_billed_attempts"] == 2
    by_input = {Path(item["input"]).name: item for item in doc["items"]}
    assert [by_input[f"in{i}.jpg"]["possibly_billed_attempts"] for i in range(4)] == [1, 0, 0, 1]
    assert [(by_input[f"in{i}.jpg"]["error"] or {}).get("outcome") for i in range(4)] == [
        "unknown",
        "not_processed",
        None,
        "unknown",
    ]
    assert by_input["in1.jpg"]["error"]["may_have_been_billed"] is False


# -- issue 11, point 4a on the command line: a bomb or a truncated image is never written, exit 4 ------------------


def _bomb() -> bytes:
    import struct

    jpeg = make_jpeg((16, 16))
    at = jpeg.index(b"\xff\xc0") + 5
    return jpeg[:at] + struct.pack(">HH", 60000, 60000) + jpeg[at + 4 :]


def _run_with_answer(tmp_path: Path, image: bytes, output: str) -> tuple[int, str, dict[str, object]]:
    from ..client.conftest import data_url, job

    def factory(conn: Connection) -> AsyncRealtimeCanvas:
        answer = ok({"lcmGenerationJob": job(imageDataUrl=[data_url(image)])}, **{"x-request-id": "rid-7"})
        return AsyncRealtimeCanvas(
            api_key=conn.api_key, base_url=BASE_URL, transport=httpx.MockTransport(lambda r: answer), max_retries=0
        )

    (tmp_path / "in.jpg").write_bytes(make_jpeg())
    args = ["generate", str(tmp_path / "in.jpg"), "-p", "x", "-o", str(tmp_path / output), "--json"]
    result = CliRunner().invoke(cli, args, obj=CliEnv(client_factory=factory), env={"LEONARDO_API_KEY": "sk-k-1"})
    return result.exit_code, result.stderr, json.loads(result.stdout)


@pytest.mark.parametrize("output", ["out.jpg", "out.png"])
@pytest.mark.parametrize("kind", ["bomb", "truncated"])
def test_a_bomb_or_truncated_answer_is_an_api_error_and_nothing_is_written(
    tmp_path: Path, kind: str, output: str
) -> None:
    # The examples: exit 0 with an out.jpg Pillow refuses, exit 70 with -o out.png, exit 0 when truncated.
    image = _bomb() if kind == "bomb" else make_jpeg((64, 64))[:-100]
    code, stderr, doc = _run_with_answer(tmp_path, image, output)
    assert code == 4, stderr
    assert not (tmp_path / output).exists()
    error = doc["items"][0]["error"]  # type: ignore[index]
    assert error["type"] == "APIResponseError"
    assert ("60000x60000" if kind == "bomb" else "truncated JPEG") in error["message"]
    assert error["outcome"] == "processed"
    # The 200 was processed, so billed: the summary said "1 attempt of unknown outcome".
    assert "1 attempt without a usable answer may have been billed too" in stderr
    assert "unknown outcome" not in stderr


def test_a_good_answer_carries_its_request_id_into_the_json(tmp_path: Path) -> None:
    code, stderr, doc = _run_with_answer(tmp_path, make_jpeg((32, 32)), "out.png")
    assert code == 0, stderr
    assert doc["items"][0]["request_id"] == "rid-7"  # type: ignore[index]
    assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_transcoding_a_bomb_is_a_typed_error_not_pillows() -> None:
    from leonardo_realtime_client import APIResponseError
    from leonardo_realtime_client._cli._files import encode_for

    with pytest.raises(APIResponseError, match=r"cannot be written as \.png: DecompressionBombError"):
        encode_for(Path("x.png"), _bomb())


def test_a_returned_jpeg_with_damaged_exif_is_written_as_png_without_a_warning(tmp_path: Path) -> None:
    # Pillow's "Corrupt EXIF data" UserWarning was printed (and raised under -W error) while converting it.
    import struct

    jpeg = make_jpeg((32, 32))
    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff" + b"\x00" * 20
    image = jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + jpeg[2:]
    code, stderr, doc = _run_with_answer(tmp_path, image, "out.png")
    assert code == 0, stderr
    assert doc["ok"] is True
    assert (tmp_path / "out.png").read_bytes().startswith(b"\x89PNG")
    assert "EXIF" not in stderr
