"""What may have been billed, on the command line (issue 11, point 5): the summary and --json count the attempts of
unknown outcome, and each item's error says its outcome."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
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
    assert "2 attempts of unknown outcome may have been billed too" in result.stderr
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
