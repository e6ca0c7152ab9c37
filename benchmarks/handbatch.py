"""A hand-written asyncio batch, the CLI batch's reference: what `leonardo-realtime generate FILES -o DIR -j N`
does, written the short way (httpx.AsyncClient, a semaphore, orjson, pybase64, no checks beyond the status).

``python -m benchmarks.handbatch BASE_URL API_KEY OUT_DIR CONCURRENCY PROMPT FILE...``
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import orjson
import pybase64


async def run(base_url: str, api_key: str, out_dir: Path, concurrency: int, prompt: str, files: list[str]) -> None:
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60.0) as client:

        async def one(name: str) -> None:
            async with gate:
                path = Path(name)
                data = path.read_bytes()  # noqa: ASYNC240 - read in the loop, as the CLI does
                url = "data:image/jpeg;base64," + pybase64.b64encode(data).decode("ascii")
                body = orjson.dumps({"imageDataUrl": url, "prompt": prompt})
                response = await client.post("/generations-lcm", content=body)
                response.raise_for_status()
                answer: str = orjson.loads(response.content)["lcmGenerationJob"]["imageDataUrl"][0]
                image = pybase64.b64decode(answer[answer.index(",") + 1 :], validate=True)
                (out_dir / f"{path.stem}-generate.jpg").write_bytes(image)

        await asyncio.gather(*(one(name) for name in files))


def main() -> None:
    base_url, api_key, out_dir, concurrency, prompt, *files = sys.argv[1:]
    asyncio.run(run(base_url, api_key, Path(out_dir), int(concurrency), prompt, files))


if __name__ == "__main__":
    main()
