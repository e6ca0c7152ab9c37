"""`python -m benchmarks` (what `make bench` runs): every row side by side, then the results file.

Order: start-up in a clean venv (imports, `leonardo-realtime --help`) → the local server in a subprocess at
zero added latency: CPU/latency per size (interleaved rounds), small answers, peak allocated memory (1024 px),
peak resident memory (20 MB JPEG), Pillow-call check → the server with Nagle on (what TCP_NODELAY buys) → the
server with 200 ms latency: 16 and 64 concurrent calls, the CLI batch → `submit()` at 120 Hz → the realtime
session benchmark → RESULTS.md (with the previous run's targets beside this run's), results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import (
    cleanvenv,
    cli_batch,
    concurrency,
    harness,
    importtime,
    latency,
    machine,
    memory,
    report,
    rss,
    shrink,
    submit_bench,
    transcode,
)
from .rows import ROWS
from .serverproc import API_KEY, server_subprocess
from .testimages import SIZES, sample_jpeg

HERE = Path(__file__).resolve().parent


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rounds", type=int, default=12, help="interleaved rounds per size (default 12)")
    parser.add_argument("--per-round", type=int, default=20, help="requests per row per round (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per row first (default 5)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="image sizes, comma-separated")
    parser.add_argument(
        "--rows",
        default=",".join(DEFAULT_ROWS),
        help="row keys, comma-separated, or 'all' (floors are always included; default: floor, lean, ours, sdk)",
    )
    parser.add_argument("--import-runs", type=int, default=15, help="fresh interpreters per import statement")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few rounds, results not written")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write the results files")
    parser.add_argument("--no-session", action="store_true", help="skip the realtime session benchmark")
    parser.add_argument("--out-dir", type=Path, default=HERE, help="where RESULTS.md etc. go (default benchmarks/)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.per_round, args.warmup, args.import_runs, args.no_write = 3, 5, 2, 5, True
    return args


DEFAULT_ROWS = (
    "floor-sync",
    "lean-sync",
    "ours-sync",
    "sdk-sync",
    "floor-async",
    "lean-async",
    "ours-async",
    "sdk-async",
)
"""The rows `make bench` runs; `--rows all` adds the stdlib and generated-core rows."""


def _session(quick: bool) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(results, markdown, why-skipped) of benchmarks/session_bench.py, written by the session work."""
    try:
        module = importlib.import_module("benchmarks.session_bench")
    except ModuleNotFoundError as exc:
        if exc.name not in ("benchmarks.session_bench",):
            raise
        return None, None, "benchmarks/session_bench.py is not there yet"
    run = getattr(module, "run_session_benchmark", None)
    if run is None:
        return None, None, "benchmarks/session_bench.py has no run_session_benchmark()"
    # It runs its own in-process server with a fixed latency: staleness and waste are what it measures.
    results = run(quick=quick) if "quick" in inspect.signature(run).parameters else run()
    renderer = next(
        (
            getattr(module, name)
            for name in ("render_markdown", "render_table", "markdown_table")
            if hasattr(module, name)
        ),
        None,
    )
    markdown = renderer(results) if renderer is not None else None
    return (results if isinstance(results, dict) else {"result": repr(results)}), markdown, None


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.perf_counter()
    sizes = [int(s) for s in args.sizes.split(",")]
    specs = list(ROWS)
    if args.rows != "all":
        wanted = set(args.rows.split(",")) | {"floor-sync", "floor-async"}
        specs = [s for s in specs if s.key in wanted]
    results: dict[str, Any] = {
        "machine": machine.describe(),
        "settings": {"rounds": args.rounds, "per_round": args.per_round, "warmup": args.warmup, "sizes": sizes},
        "load": {"before": list(os.getloadavg())},
        "throughput": {},
    }
    phases: dict[str, float] = {}
    mark = [time.perf_counter()]

    def phase(name: str) -> None:
        now = time.perf_counter()
        phases[name] = now - mark[0]
        mark[0] = now

    results["phases_s"] = phases
    bin_dir = cleanvenv.ensure_clean_venv()
    results["clean_venv"] = cleanvenv.installed(bin_dir)
    print(f"start-up in {cleanvenv.CLEAN.name} ({args.import_runs} paired runs) …", flush=True)
    results["imports"] = importtime.measure_imports(args.import_runs, str(bin_dir / "python"))
    results["cli_startup"] = importtime.measure_cli_startup(max(5, args.import_runs * 2 // 3), bin_dir)
    phase("start-up (clean venv)")
    jpegs = {size: sample_jpeg(size) for size in sizes}
    with server_subprocess() as base_url, asyncio.Runner() as runner:
        print(f"local server: {base_url}", flush=True)
        for size in sizes:
            measured = harness.measure_size(
                specs,
                base_url=base_url,
                api_key=API_KEY,
                jpeg=jpegs[size],
                size=size,
                rounds=args.rounds,
                per_round=args.per_round,
                warmup=args.warmup,
                runner=runner,
            )
            results["throughput"][str(size)] = {key: row.to_json() for key, row in measured.items()}
            phase(f"CPU and latency, {size} px")
        print("small answers …", flush=True)
        results["small_answers"] = latency.measure_small_answers(base_url, jpegs[sizes[0]], requests=100)
        big = max(sizes)
        print(f"peak memory ({big}px, tracemalloc; 20 MB JPEG, resident) …", flush=True)
        results["memory"] = memory.measure_memory(specs, base_url=base_url, api_key=API_KEY, size=big)
        results["rss"] = rss.measure_rss(base_url, API_KEY)
        try:
            results["no_transcode"] = transcode.count_pillow_calls(base_url, API_KEY, jpegs[big], big)
        except ImportError as exc:
            results["no_transcode"] = {"pillow_calls": None, "skipped": str(exc)}
        phase("small answers, memory, Pillow check")
        print(f"shrink_inputs: a 1024 and a 2048 px canvas for a {shrink.OUTPUT} px picture …", flush=True)
        results["shrink"] = shrink.measure_shrink(base_url, API_KEY, rounds=2 if args.quick else 6)
        phase("shrink_inputs")
    with server_subprocess(nagle=True) as base_url:
        results["small_answers_nagle"] = latency.measure_small_answers(base_url, jpegs[sizes[0]], requests=20)
    phase("small answers, Nagle socket")
    with server_subprocess(latency=0.2) as base_url, asyncio.Runner() as runner:
        print("16 and 64 concurrent calls, 200 ms latency …", flush=True)
        results["concurrency"] = concurrency.measure_concurrency(
            base_url, API_KEY, jpegs[sizes[0]], sizes[0], per_task=3 if args.quick else 6, runner=runner
        )
        phase("16 and 64 concurrent calls")
        print("CLI batch against a hand-written batch (200 files, -j 8) …", flush=True)
        results["cli_batch"] = cli_batch.measure_cli_batch(
            base_url, API_KEY, jpegs[512], repeats=1 if args.quick else 6
        )  # 6 pairs: single pairs of whole processes range 0.8-1.4x on a shared machine (NOTES item 13)
        phase("CLI batch")
    print("RealtimeSession.submit() at 120 Hz …", flush=True)
    results["submit"] = submit_bench.measure_submit(1.0 if args.quick else 2.0)
    phase("submit() at 120 Hz")
    if not args.no_session:
        print("realtime session benchmark (about 35 s, real time) …", flush=True)
        session, session_md, skipped = _session(args.quick)
        results["session"], results["session_markdown"], results["session_skipped"] = session, session_md, skipped
        phase("realtime session")
    results["load"]["after"] = list(os.getloadavg())
    results["elapsed_s"] = time.perf_counter() - started
    notes_path = HERE / "NOTES.md"
    notes = notes_path.read_text() if notes_path.exists() else None
    latest = args.out_dir / "results.json"
    previous = json.loads(latest.read_text()) if latest.exists() and not args.no_write else None
    markdown = report.render_markdown(results, notes=notes, previous=previous)
    print()
    print(markdown)
    if not args.no_write:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        if latest.exists():  # the run before this one: RESULTS.md shows its targets beside these
            latest.replace(args.out_dir / "results-previous.json")
        (args.out_dir / "RESULTS.md").write_text(markdown)
        latest.write_text(json.dumps(results, indent=1, default=str) + "\n")
        chart = args.out_dir / "results.png"
        if report.write_chart(results, chart):
            print(f"wrote {chart}")
        else:  # no matplotlib: an older chart would disagree with the new tables
            chart.unlink(missing_ok=True)
        print(f"wrote {args.out_dir / 'RESULTS.md'} and results.json")
    print(f"bench took {results['elapsed_s']:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
