"""Realtime session benchmark (issue 5): latest-wins session vs a sequential loop vs fire-everything.

A canvas produces inputs at ``rate_hz`` for ``duration`` seconds; the local server answers each request
after a fixed ``latency`` L (the in-process transport, real ``asyncio`` waits, real JPEG rendering in a
worker thread). Three ways to keep the canvas' picture up to date are run one after the other on the same
input schedule, each given the same grace period after the last input (2 L + 0.5 s) before it is stopped:

- **session**: ``RealtimeSession`` (latest wins, one request in flight, in-order delivery);
- **sequential**: a loop that awaits one request per input, in input order;
- **concurrent**: a request per input, all at once, showing each result unless a newer one is already shown.

Measured per strategy, from the inputs' times and the display log (when each result was put on screen):

- **staleness** of an input: from the input to the display of a result for it or a newer input
  (inputs never followed by such a display are counted as "never shown" instead);
- **age on screen** at t = 1 s, 2 s, …: how old the input behind the picture on screen is;
- **requests sent**, **results paid** (successful responses), **cost** (sum of ``result.cost``);
- **wasted**: paid results never put on screen (out of order, or arriving after the run) plus those
  replaced within ``min_dwell`` (100 ms) — flashed on screen too briefly to be seen. The last picture
  on screen stays, so it is never counted as wasted. The 100 ms is a chosen threshold, so a second
  figure needs none:
- **beyond one-at-a-time**: results paid beyond ⌈span / L⌉, the most a pipeline with one request in
  flight can put on screen between the first input and the run's last display (span). Those extra
  results buy a refresh faster than the latency, not a fresher input: each costs as much as one that
  moves the picture on by a whole L;
- **out of order**: displays of a result older than the one already shown (must be 0 for the session).

Run: ``python -m benchmarks.session_bench [--latency 0.25 --rate 30 --duration 10]``; exits 1 if a check of
the issue fails. ``make bench`` calls :func:`run_session_benchmark` and :func:`render_markdown`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from leonardo_realtime_client import AsyncRealtimeCanvas, LeonardoError, RealtimeResult
from leonardo_realtime_client._session import RealtimeSession, SessionError, SessionEvent, SessionResult
from leonardo_realtime_client._session_stats import percentile
from leonardo_realtime_client.server import Latency, LocalTransport, ServerConfig

__all__ = ["main", "render_markdown", "run_session_benchmark"]

PROMPT = "a watercolour castle on a hill at dusk"
API_KEY = "session-bench-key"  # the local server accepts any token


def _canvas_jpeg(size: int) -> bytes:
    try:
        from benchmarks.testimages import sample_jpeg
    except ImportError:  # run as a plain script from elsewhere
        import io

        from PIL import Image

        out = io.BytesIO()
        Image.linear_gradient("L").resize((size, size)).convert("RGB").save(out, "JPEG", quality=90)
        return out.getvalue()
    return sample_jpeg(size)


@attrs.define
class Run:
    """What one strategy did, on the clock of the run (seconds from its first input)."""

    name: str
    input_times: list[float] = attrs.Factory(list)
    displays: list[tuple[float, int]] = attrs.Factory(list)
    sent: int = 0
    paid: int = 0
    errors: int = 0
    out_of_order: int = 0
    cost: Decimal = Decimal(0)
    end: float = 0.0
    t0: float = 0.0

    def now(self) -> float:
        return time.monotonic() - self.t0

    def show(self, seq: int) -> None:
        if self.displays and seq <= self.displays[-1][1]:
            self.out_of_order += 1
        self.displays.append((self.now(), seq))

    def newest_shown(self) -> int:
        return self.displays[-1][1] if self.displays else -1

    def paid_for(self, result: RealtimeResult) -> None:
        self.paid += 1
        if result.cost is not None:
            self.cost += result.cost


async def _feed(run: Run, submit: Callable[[int], object], count: int, rate_hz: float) -> None:
    """Inputs on an absolute schedule (no drift): input i at i / rate_hz seconds."""
    run.t0 = time.monotonic()
    for seq in range(count):
        delay = run.t0 + seq / rate_hz - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        run.input_times.append(run.now())
        submit(seq)


async def _session(client: AsyncRealtimeCanvas, image: bytes, count: int, rate_hz: float, grace: float) -> Run:
    run = Run("session (latest wins)")
    seq_of: dict[str, int] = {}

    def on_event(event: SessionEvent[RealtimeResult]) -> None:
        if isinstance(event, SessionResult):
            run.show(seq_of[event.request_timestamp])
        elif isinstance(event, SessionError):
            run.errors += 1

    session: RealtimeSession[RealtimeResult] = RealtimeSession(
        client, "generate", prompt=PROMPT, on_event=on_event, max_buffered_events=0
    )
    async with session:

        def submit(seq: int) -> None:
            seq_of[session.submit(image)] = seq

        await _feed(run, submit, count, rate_hz)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(session.flush(), grace)
        run.end = run.now()
        stats = session.stats()
    run.sent, run.paid, run.cost = stats.sent, stats.delivered + stats.dropped_stale, stats.cost
    return run


async def _paid_call(run: Run, client: AsyncRealtimeCanvas, image: bytes, seq: int) -> bool:
    """One generate call for input ``seq``, counted in ``run`` as paid for or as an error; whether it succeeded."""
    try:
        result = await client.generate(image, prompt=PROMPT, request_timestamp=str(seq))
    except LeonardoError:
        run.errors += 1
        return False
    run.paid_for(result)
    return True


async def _sequential(client: AsyncRealtimeCanvas, image: bytes, count: int, rate_hz: float, grace: float) -> Run:
    run = Run("sequential (await each input)")
    queue: asyncio.Queue[int] = asyncio.Queue()

    async def worker() -> None:
        while True:
            seq = await queue.get()
            run.sent += 1
            if await _paid_call(run, client, image, seq):
                run.show(seq)

    task = asyncio.get_running_loop().create_task(worker())
    try:
        await _feed(run, queue.put_nowait, count, rate_hz)
        await asyncio.sleep(grace)  # the same grace as the others; its backlog is far longer
        run.end = run.now()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return run


async def _concurrent(client: AsyncRealtimeCanvas, image: bytes, count: int, rate_hz: float, grace: float) -> Run:
    run = Run("concurrent (send every input)")
    tasks: set[asyncio.Task[None]] = set()

    async def one(seq: int) -> None:
        # done right: an older result never replaces a newer one
        if await _paid_call(run, client, image, seq) and seq > run.newest_shown():
            run.show(seq)

    def submit(seq: int) -> None:
        run.sent += 1
        tasks.add(asyncio.get_running_loop().create_task(one(seq)))

    await _feed(run, submit, count, rate_hz)
    _, late = await asyncio.wait(tasks, timeout=grace)
    run.end = run.now()
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    return run


def _summarise(run: Run, *, latency: float, duration: float, min_dwell: float) -> dict[str, Any]:
    staleness: list[float] = []
    covered = 0
    for shown_at, seq in run.displays:
        while covered <= seq and covered < len(run.input_times):
            staleness.append(shown_at - run.input_times[covered])
            covered += 1
    never_shown_inputs = len(run.input_times) - covered
    dwell_ends = [t for t, _ in run.displays[1:]] + [None] if run.displays else []  # the last picture stays
    glimpses = sum(
        1 for (t, _), end in zip(run.displays, dwell_ends, strict=True) if end is not None and end - t < min_dwell
    )
    never_displayed = run.paid - len(run.displays)
    wasted = never_displayed + glimpses
    span = run.displays[-1][0] if run.displays else 0.0  # the run's clock starts at its first input
    need = math.ceil(span / latency - 1e-9) if run.displays else 0
    beyond = max(0, run.paid - need)
    ages: list[float | None] = []
    for second in range(1, int(duration) + 1):
        on_screen = [seq for t, seq in run.displays if t <= second]
        ages.append(second - run.input_times[on_screen[-1]] if on_screen else None)
    return {
        "strategy": run.name,
        "inputs": len(run.input_times),
        "requests_sent": run.sent,
        "results_paid": run.paid,
        "results_shown": len(run.displays),
        "never_displayed": never_displayed,
        "glimpses": glimpses,
        "wasted": wasted,
        "wasted_share": wasted / run.paid if run.paid else 0.0,
        "one_at_a_time_need": need,
        "beyond_one_at_a_time": beyond,
        "beyond_share": beyond / run.paid if run.paid else 0.0,
        "errors": run.errors,
        "cost": str(run.cost),
        "staleness_p50_s": percentile(staleness, 50),
        "staleness_p95_s": percentile(staleness, 95),
        "staleness_max_s": max(staleness, default=None),
        "inputs_never_shown": never_shown_inputs,
        "out_of_order": run.out_of_order,
        "age_on_screen_s": ages,
        "run_s": run.end,
    }


def _checks(rows: dict[str, dict[str, Any]], *, latency: float, duration: float) -> list[dict[str, Any]]:
    session, sequential, concurrent = rows["session"], rows["sequential"], rows["concurrent"]
    bound = 2 * latency * 1.2
    target = duration / latency
    p95 = session["staleness_p95_s"]
    ages = [a for a in sequential["age_on_screen_s"] if a is not None]
    return [
        {
            "check": f"session staleness p95 ≤ 2L + 20 % = {bound * 1000:.0f} ms",
            "value": f"{p95 * 1000:.0f} ms" if p95 is not None else "none",
            "ok": p95 is not None and p95 <= bound,
        },
        {
            "check": f"session requests within 10 % of duration / L = {target:.0f}",
            "value": str(session["requests_sent"]),
            "ok": abs(session["requests_sent"] - target) <= 0.1 * target,
        },
        {
            "check": "no result shown out of order (all three)",
            "value": ", ".join(str(r["out_of_order"]) for r in rows.values()),
            "ok": all(r["out_of_order"] == 0 for r in rows.values()),
        },
        {
            "check": "sequential: the picture on screen gets older and older",
            "value": " → ".join(f"{a:.1f} s" for a in ages[:: max(1, len(ages) // 4)]) if ages else "nothing shown",
            "ok": len(ages) >= 2 and all(b > a for a, b in itertools.pairwise(ages)) and ages[-1] > 2 * ages[0],
        },
        {
            "check": "concurrent: most of what it pays for is wasted",
            "value": f"{concurrent['wasted']} of {concurrent['results_paid']} ({concurrent['wasted_share']:.0%}); "
            f"beyond one-at-a-time: {concurrent['beyond_one_at_a_time']} ({concurrent['beyond_share']:.0%})",
            "ok": concurrent["wasted_share"] > 0.5,
        },
    ]


async def _run_all(latency: float, rate_hz: float, duration: float, min_dwell: float, size: int) -> dict[str, Any]:
    count = round(rate_hz * duration)
    grace = 2 * latency + 0.5
    image = _canvas_jpeg(size)
    transport = LocalTransport(ServerConfig(latency=Latency(fixed=latency)))
    rows: dict[str, dict[str, Any]] = {}
    async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=transport.base_url, transport=transport) as client:
        await client.generate(image, prompt=PROMPT)  # warm up: imports, thread pool, first render
        for key, strategy in (("session", _session), ("sequential", _sequential), ("concurrent", _concurrent)):
            run = await strategy(client, image, count, rate_hz, grace)
            rows[key] = _summarise(run, latency=latency, duration=duration, min_dwell=min_dwell)
    checks = _checks(rows, latency=latency, duration=duration)
    return {
        "config": {
            "latency_s": latency,
            "rate_hz": rate_hz,
            "duration_s": duration,
            "inputs": count,
            "grace_s": grace,
            "min_dwell_s": min_dwell,
            "image_px": size,
            "transport": "in-process LocalTransport, real asyncio latency",
        },
        "strategies": rows,
        "checks": checks,
        "passed": all(c["ok"] for c in checks),
    }


def run_session_benchmark(
    latency: float = 0.25,
    rate_hz: float = 30,
    duration: float = 10.0,
    *,
    quick: bool = False,
    min_dwell: float = 0.1,
    image_size: int = 512,
) -> dict[str, Any]:
    """Run the three strategies in real time (about 3 * (duration + 2 L + 0.5) s) and return plain data.

    ``quick`` shortens the run to 3 s of input (a smoke test; the checks are less meaningful). It makes
    its own in-process server with the given latency, so it takes no base URL.
    """
    if quick:
        duration = min(duration, 3.0)
    return asyncio.run(_run_all(latency, rate_hz, duration, min_dwell, image_size))


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:.0f} ms"


def render_markdown(results: dict[str, Any]) -> str:
    """The results as Markdown: the comparison table, the age-on-screen table and the checks."""
    cfg = results["config"]
    rows = results["strategies"]
    lines = [
        f"Local server with fixed latency L = {cfg['latency_s'] * 1000:.0f} ms, {cfg['inputs']} inputs at "
        f"{cfg['rate_hz']:g} Hz for {cfg['duration_s']:g} s ({cfg['image_px']} px JPEG), each strategy stopped "
        f"{cfg['grace_s']:g} s after the last input. Wasted = paid for but never shown (out of order or too late), "
        f"or shown for less than {cfg['min_dwell_s'] * 1000:.0f} ms before a newer result replaced it. "
        "Beyond 1-at-a-time = results paid beyond ⌈span / L⌉, the most one request in flight can show between "
        "the first input and the last display: no threshold, they buy a refresh faster than L, not a fresher input.",
        "",
        f"| strategy | requests sent | results paid | never shown | shown < {cfg['min_dwell_s'] * 1000:.0f} ms "
        "| wasted | beyond 1-at-a-time | cost ($) "
        "| staleness p50 | p95 | max | inputs never shown | out of order |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows.values():
        lines.append(
            f"| {row['strategy']} | {row['requests_sent']} | {row['results_paid']} | {row['never_displayed']} "
            f"| {row['glimpses']} | {row['wasted']} ({row['wasted_share']:.0%}) "
            f"| {row['beyond_one_at_a_time']} ({row['beyond_share']:.0%}) | {row['cost']} "
            f"| {_ms(row['staleness_p50_s'])} "
            f"| {_ms(row['staleness_p95_s'])} | {_ms(row['staleness_max_s'])} | {row['inputs_never_shown']} "
            f"| {row['out_of_order']} |"
        )
    seconds = range(1, len(next(iter(rows.values()))["age_on_screen_s"]) + 1)
    lines += [
        "",
        "Age of the picture on screen (time since the input it shows), sampled each second:",
        "",
        "| strategy | " + " | ".join(f"{s} s" for s in seconds) + " |",
        "|---|" + "--:|" * len(seconds),
    ]
    for row in rows.values():
        ages = " | ".join(_ms(a) for a in row["age_on_screen_s"])
        lines.append(f"| {row['strategy']} | {ages} |")
    lines += ["", "| check | value | |", "|---|---|---|"]
    for check in results["checks"]:
        lines.append(f"| {check['check']} | {check['value']} | {'pass' if check['ok'] else 'FAIL'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.session_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.25, help="server latency L in seconds (default 0.25)")
    parser.add_argument("--rate", type=float, default=30.0, help="inputs per second (default 30)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of input (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 s of input: a smoke run")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON too")
    args = parser.parse_args(argv)
    results = run_session_benchmark(args.latency, args.rate, args.duration, quick=args.quick)
    print(render_markdown(results))
    if args.json:
        import json

        print(json.dumps(results, indent=1))
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
