"""`python -m benchmarks` (what `make bench` runs): every row side by side, then the results file.

Order: import times (fresh interpreters, no server running) → local server in a subprocess → CPU/latency
for each size (interleaved rounds) → peak memory of one 1024 round trip → Pillow-call check → the realtime
session benchmark (benchmarks/session_bench.py, when present) → RESULTS.md, results.json, chart.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import harness, importtime, machine, memory, report, transcode
from .rows import ROWS
from .serverproc import API_KEY, server_subprocess
from .testimages import SIZES, sample_jpeg

HERE = Path(__file__).resolve().parent


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds per size (default 20)")
    parser.add_argument("--per-round", type=int, default=25, help="requests per row per round (default 25)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per row first (default 5)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="image sizes, comma-separated")
    parser.add_argument("--rows", help="only these row keys, comma-separated (floors are always included)")
    parser.add_argument("--import-runs", type=int, default=25, help="fresh interpreters per import statement")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few rounds, results not written")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write the results files")
    parser.add_argument("--no-session", action="store_true", help="skip the realtime session benchmark")
    parser.add_argument("--out-dir", type=Path, default=HERE, help="where RESULTS.md etc. go (default benchmarks/)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.per_round, args.warmup, args.import_runs, args.no_write = 3, 5, 2, 5, True
    return args


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
    if args.rows:
        wanted = set(args.rows.split(",")) | {"floor-sync", "floor-async"}
        specs = [s for s in specs if s.key in wanted]
    results: dict[str, Any] = {
        "machine": machine.describe(),
        "settings": {"rounds": args.rounds, "per_round": args.per_round, "warmup": args.warmup, "sizes": sizes},
        "throughput": {},
    }
    print(f"import times ({args.import_runs} fresh interpreters each) …", flush=True)
    results["imports"] = importtime.measure_imports(args.import_runs)
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
        big = max(sizes)
        print(f"peak memory ({big}px) …", flush=True)
        results["memory"] = memory.measure_memory(specs, base_url=base_url, api_key=API_KEY, size=big)
        try:
            results["no_transcode"] = transcode.count_pillow_calls(base_url, API_KEY, jpegs[big], big)
        except ImportError as exc:
            results["no_transcode"] = {"pillow_calls": None, "skipped": str(exc)}
    if not args.no_session:
        print("realtime session benchmark (about 35 s, real time) …", flush=True)
        session, session_md, skipped = _session(args.quick)
        results["session"], results["session_markdown"], results["session_skipped"] = session, session_md, skipped
    results["elapsed_s"] = time.perf_counter() - started
    notes_path = HERE / "NOTES.md"
    notes = notes_path.read_text() if notes_path.exists() else None
    markdown = report.render_markdown(results, notes=notes)
    print()
    print(markdown)
    if not args.no_write:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / "RESULTS.md").write_text(markdown)
        (args.out_dir / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
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
