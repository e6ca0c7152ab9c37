"""Turn one run's results (a JSON-able dict) into the Markdown results file and an optional PNG chart.

Over 500 lines because every section of RESULTS.md is rendered here, one function each, in the file's order.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

# Targets of issue 13 (and issue 7's, kept), ratios measured in the same run. "max": measured <= limit;
# "min": measured >= limit.
TARGET_OURS_VS_FLOOR = 1.10
TARGET_OURS_VS_SDK = 0.5
TARGET_IMPORT_EXTRA_MS = 30.0
TARGET_HELP_X_IMPORT_HTTPX = 1.3
TARGET_MEMORY_X_PAYLOAD = 3.0
TARGET_THROUGHPUT_X_HTTPX = 0.95
TARGET_REUSE = 0.90
TARGET_SMALL_ANSWER_MS = 5.0
TARGET_SUBMIT_US = 30.0
TARGET_CLI_BATCH_X_HAND = 1.15
TARGET_RSS_X_FLOOR = 1.0


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _row(results: dict[str, Any], size: int, key: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = results["throughput"].get(str(size), {}).get(key)
    if row is None or row.get("skipped"):
        return None
    return row


def ratio(results: dict[str, Any], size: int, key: str, other: str, metric: str = "cpu_ms") -> float | None:
    row, base = _row(results, size, key), _row(results, size, other)
    if row is None or base is None:
        return None
    return float(row[metric]) / float(base[metric])


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with its measured value, limit, direction and whether it was met (None: not measured)."""
    out: list[dict[str, Any]] = []

    def add(key: str, name: str, measured: float | None, limit: float, unit: str, direction: str = "max") -> None:
        met = None if measured is None else (measured <= limit if direction == "max" else measured >= limit)
        out.append(
            {
                "key": key,
                "target": name,
                "measured": measured,
                "limit": limit,
                "unit": unit,
                "dir": direction,
                "met": met,
            }
        )

    for size in sorted(int(s) for s in results["throughput"]):
        for mode in ("sync", "async"):
            add(
                f"cpu-{mode}-{size}",
                f"client CPU / floor, {mode}, {size} px",
                ratio(results, size, f"ours-{mode}", f"floor-{mode}"),
                TARGET_OURS_VS_FLOOR,
                "x",
            )
    conc = results.get("concurrency") or {}
    for n in sorted(conc, key=int):
        add(
            f"rps-{n}",
            f"{n} concurrent async calls, 200 ms latency: requests/s / httpx loop",
            _get(conc, n, "ratio"),
            TARGET_THROUGHPUT_X_HTTPX,
            "x",
            "min",
        )
        add(
            f"reuse-{n}",
            f"{n} concurrent async calls: share of requests reusing a connection",
            _get(conc, n, "ours", "reused"),
            TARGET_REUSE,
            "",
            "min",
        )
    add(
        "small-answer",
        "small-answer latency p50, local server, zero added latency",
        _get(results, "small_answers", "ours", "p50_ms"),
        TARGET_SMALL_ANSWER_MS,
        "ms",
    )
    imports = results.get("imports") or {}
    add(
        "import-bare",
        "`import leonardo_realtime_client` - `import httpx` (clean venv, paired)",
        imports.get("extra_over_httpx_ms"),
        TARGET_IMPORT_EXTRA_MS,
        "ms",
    )
    add(
        "import-clients",
        "`from leonardo_realtime_client import RealtimeCanvas, AsyncRealtimeCanvas` - `import httpx`",
        imports.get("clients_extra_over_httpx_ms"),
        TARGET_IMPORT_EXTRA_MS,
        "ms",
    )
    add(
        "cli-help",
        '`leonardo-realtime --help` / `python -c "import httpx"` (clean venv, paired)',
        _get(results, "cli_startup", "ratio"),
        TARGET_HELP_X_IMPORT_HTTPX,
        "x",
    )
    add(
        "submit",
        "`RealtimeSession.submit()` median at 120 Hz (distinct frames)",
        _get(results, "submit", "distinct", "median_us"),
        TARGET_SUBMIT_US,
        "µs",
    )
    add(
        "cli-batch",
        "CLI batch CPU / hand-written asyncio batch (200 files, -j 8, 200 ms latency)",
        _get(results, "cli_batch", "ratio"),
        TARGET_CLI_BATCH_X_HAND,
        "x",
    )
    rss = _get(results, "rss", "rows") or {}
    for mode in ("sync", "async"):
        ours, floor = _get(rss, f"ours-{mode}", "extra_bytes"), _get(rss, f"floor-{mode}", "extra_bytes")
        add(
            f"rss-{mode}",
            f"peak resident memory, 20 MB JPEG round trip, {mode}: ours / floor",
            None if ours is None or floor is None else ours / floor,
            TARGET_RSS_X_FLOOR,
            "x",
        )
    big = max((int(s) for s in results["throughput"]), default=1024)
    add(
        "sdk",
        f"ours sync CPU / leonardo-ai-sdk sync CPU ({big} px; issue 7)",
        ratio(results, big, "ours-sync", "sdk-sync"),
        TARGET_OURS_VS_SDK,
        "x",
    )
    memory = results.get("memory", {}).get("rows", {})
    for key in ("ours-sync", "ours-async"):
        add(
            f"tracemalloc-{key}",
            f"peak allocated (tracemalloc), {key}, x payload (issue 7)",
            memory.get(key, {}).get("extra_x_payload"),
            TARGET_MEMORY_X_PAYLOAD,
            "x",
        )
    transcode = results.get("no_transcode")
    if transcode is not None:
        add(
            "pillow",
            "Pillow calls while sending a JPEG as bytes / path (issue 7)",
            transcode.get("pillow_calls"),
            0,
            "calls",
        )
    return out


def _machine_md(machine: dict[str, Any], settings: dict[str, Any]) -> list[str]:
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
    return [
        f"- Date: {machine['date']}; commit {machine['commit']}",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"{machine['platform']}",
        f"- Python: {machine['python']}",
        f"- Versions: {versions}",
        f"- Method: {settings['rounds']} interleaved rounds x {settings['per_round']} requests per row and size "
        f"(after {settings['warmup']} warm-up requests); server: the project's local server in a subprocess on "
        "127.0.0.1, zero added latency, keep-alive. CPU = median over rounds of `time.process_time()` per request "
        "in the benchmark process (client only); latency over every request.",
    ]


def _throughput_md(results: dict[str, Any]) -> list[str]:
    lines = [
        "| size | mode | row | client CPU ms/req (IQR) | x floor | p50 ms | p95 ms | p50 x floor |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for size, rows in results["throughput"].items():
        for row in rows.values():
            mode = "async" if row["async"] else "sync"
            if row.get("skipped"):
                lines.append(f"| {size} | {mode} | {row['label']} | skipped: {row['skipped']} | | | | |")
                continue
            floor = "floor-async" if row["async"] else "floor-sync"
            low, high = row["cpu_ms_iqr"]
            cpu_ratio = ratio(results, int(size), row["key"], floor)
            p50_ratio = ratio(results, int(size), row["key"], floor, "p50_ms")
            label = f"**{row['label']}**" if row["group"] == "ours" else row["label"]
            lines.append(
                f"| {size} | {mode} | {label} | {row['cpu_ms']:.3f} ({low:.3f}-{high:.3f}) | {_fmt(cpu_ratio)} "
                f"| {row['p50_ms']:.3f} | {row['p95_ms']:.3f} | {_fmt(p50_ratio)} |"
            )
    return lines


def _memory_md(memory: dict[str, Any], labels: dict[str, str]) -> list[str]:
    lines = [
        f"One {memory['size']}px round trip (JPEG {memory['jpeg_bytes'] / 1024:.0f} KiB, base64 payload "
        f"{memory['base64_payload_bytes'] / 1024:.0f} KiB) in a fresh subprocess, tracemalloc, median of 5; the "
        "returned image is held at the peak. tracemalloc counts allocations, including `orjson`'s worst-case "
        "reservations: `orjson.dumps` of the 270 KiB data URL reserves ~4 MiB (~15x) and keeps it as its "
        "result; `orjson.loads` of the answer briefly reserves ~3.5 MiB (~13x). *Retained* = still allocated "
        "after the result is dropped, before the cyclic GC runs.",
        "",
        "| row | peak extra KiB | peak x payload | retained before GC x payload |",
        "|---|---:|---:|---:|",
    ]
    for key, row in memory["rows"].items():
        if "skipped" in row:
            lines.append(f"| {labels.get(key, key)} | skipped: {row['skipped']} | | |")
            continue
        lines.append(
            f"| {labels.get(key, key)} | {row['extra_bytes'] / 1024:.0f} | {row['extra_x_payload']:.2f} "
            f"| {row['retained_x_payload']:.2f} |"
        )
    return lines


def _verdict(t: dict[str, Any]) -> str:
    if t["met"] is None:
        return "not measured"
    if t["met"]:
        return "yes"
    miss = t["measured"] - t["limit"] if t["dir"] == "max" else t["limit"] - t["measured"]
    return f"**no** ({'over' if t['dir'] == 'max' else 'under'} by {miss:.2f} {t['unit']})".replace(" )", ")")


def _shown(t: dict[str, Any] | None) -> str:
    if t is None or t["measured"] is None:
        return "—"
    value = t["measured"]
    return f"{value:.0%}" if t["unit"] == "" else f"{value:.2f} {t['unit']}"


def _targets_md(results: dict[str, Any], previous: dict[str, Any] | None = None) -> list[str]:
    if previous is None:
        lines = ["| target | measured | limit | met |", "|---|---:|---:|---|"]
    else:
        prev_date = previous["machine"]["date"]
        lines = [
            f"| target | this run | met | previous run ({prev_date}) | met | limit |",
            "|---|---:|---|---:|---|---:|",
        ]
    before = {t["key"]: t for t in targets(previous)} if previous is not None else {}
    for t in targets(results):
        sign = "≤" if t["dir"] == "max" else "≥"
        limit = f"{sign} {t['limit']:.0%}" if t["unit"] == "" else f"{sign} {t['limit']} {t['unit']}"
        if previous is None:
            lines.append(f"| {t['target']} | {_shown(t)} | {limit} | {_verdict(t)} |")
        else:
            old = before.get(t["key"])
            lines.append(
                f"| {t['target']} | {_shown(t)} | {_verdict(t)} | {_shown(old)} "
                f"| {_verdict(old) if old else '—'} | {limit} |"
            )
    return lines


def row_labels(results: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for rows in results["throughput"].values():
        for row in rows.values():
            labels[row["key"]] = f"{row['label']} ({'async' if row['async'] else 'sync'})"
    return labels


def _load_md(results: dict[str, Any]) -> list[str]:
    load = results.get("load")
    if not load:
        return []
    before, after = load["before"], load["after"]
    return [
        f"- Machine load (`uptime` load averages 1/5/15 min, {results['machine']['cores']} cores): "
        f"{before[0]:.2f} / {before[1]:.2f} / {before[2]:.2f} at the start, "
        f"{after[0]:.2f} / {after[1]:.2f} / {after[2]:.2f} at the end"
        + (
            " — **loaded**: other work shared the cores, so absolute times are inflated; ratios are measured "
            "side by side and hold better."
            if max(before[0], after[0]) > 0.5 * results["machine"]["cores"]
            else ""
        ),
        f"- `make bench` took {results['elapsed_s']:.0f} s (wall clock, this run)"
        + (
            ": " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in results["phases_s"].items()) + "."
            if results.get("phases_s")
            else "."
        ),
    ]


def _concurrency_md(conc: dict[str, Any]) -> list[str]:
    lines = [
        "Local server in a subprocess with 200 ms added latency; N tasks share one client, each sending back to "
        "back after one untimed warm-up round (`benchmarks/concurrency.py`). *httpx loop*: a hand-written "
        "`httpx.AsyncClient()` with httpx's default pool; *ours*: `AsyncRealtimeCanvas` with its default pool "
        "(`_pool.py`). Median of the repeats.",
        "",
        "| concurrent | row | requests | requests/s | x httpx loop | new connections | reused | client CPU ms/req |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sorted(conc, key=int):
        rows = conc[n]
        for name, label in (("httpx", "hand-written httpx loop"), ("ours", "**AsyncRealtimeCanvas**")):
            row = rows[name]
            x = f"{rows['ratio']:.2f}" if name == "ours" else "1.00"
            lines.append(
                f"| {n} | {label} | {row['requests']} | {row['requests_per_s']:.0f} | {x} | {row['connects']:.0f} "
                f"| {row['reused']:.0%} | {row['cpu_ms_per_req']:.2f} |"
            )
    return lines


def _small_md(small: dict[str, Any], nagle: dict[str, Any] | None) -> list[str]:
    lines = [
        "A small answer (the server refusing a wrong key: ~100-200 bytes of JSON after a normal 512 px request), "
        f"{small['requests']} calls per row, alternating (`benchmarks/latency.py`).",
        "",
        "| server socket | row | p50 ms | p95 ms |",
        "|---|---|---:|---:|",
    ]
    runs = [("TCP_NODELAY on (now)", small)] + ([("Nagle on (before issue 13)", nagle)] if nagle else [])
    for socket_label, data in runs:
        for name, label in (("ours", "RealtimeCanvas"), ("httpx", "httpx.Client")):
            lines.append(f"| {socket_label} | {label} | {data[name]['p50_ms']:.2f} | {data[name]['p95_ms']:.2f} |")
    return lines


def _startup_md(imports: dict[str, Any], cli: dict[str, Any] | None, installed: list[str] | None) -> list[str]:
    lines = [
        "In `.venv-bench-clean`: this checkout installed with its runtime dependencies only"
        + (f" ({', '.join(installed)})" if installed else "")
        + f". {imports['runs']} fresh interpreters per statement, alternating, the statement timed inside the "
        "process, bytecode cached. Every public name loads on first use, so the bare import loads almost nothing; "
        "the second statement is what using a client costs.",
        "",
        "| import | median ms | min ms |",
        "|---|---:|---:|",
    ]
    names = {
        "httpx": "`import httpx`",
        "leonardo_realtime_client": "`import leonardo_realtime_client`",
        "clients": "`from leonardo_realtime_client import RealtimeCanvas, AsyncRealtimeCanvas`",
    }
    for key, label in names.items():
        value = imports["median_ms"].get(key)
        if value is None:
            lines.append(f"| {label} | {imports['failed'].get(key, '—')} | |")
        else:
            lines.append(f"| {label} | {value:.1f} | {imports['min_ms'][key]:.1f} |")
    lines += [
        "",
        "Extra over `import httpx`, median of the paired differences: bare import "
        f"{_fmt(imports.get('extra_over_httpx_ms'), 1)} ms; clients "
        f"{_fmt(imports.get('clients_extra_over_httpx_ms'), 1)} ms.",
    ]
    if cli and "ratio" in cli:
        lines += [
            "",
            f"Whole processes, {cli['runs']} paired runs: `leonardo-realtime --help` "
            f"{cli['median_ms']['cli_help']:.0f} ms, "
            f'`python -c "import httpx"` {cli["median_ms"]["python_import_httpx"]:.0f} ms; median ratio '
            f"{cli['ratio']:.2f}x.",
        ]
        if "ratio_generate_help" in cli:  # runs before 2026-11-30 15:40 UTC measured the group's --help only
            lines[-1] += (
                f" `leonardo-realtime generate --help` {cli['median_ms']['cli_generate_help']:.0f} ms, "
                f"median ratio {cli['ratio_generate_help']:.2f}x."
            )
    return lines


def _submit_md(submit: dict[str, Any]) -> list[str]:
    lines = [
        f"`benchmarks/submit_bench.py`: {submit['frames']} frames at {submit['rate_hz']:.0f} Hz into a "
        "`RealtimeSession` on `AsyncRealtimeCanvas` + the in-process local server (200 ms latency), each "
        "`submit()` timed alone.",
        "",
        "| frames | median µs | p95 µs | sent | coalesced | identical (not sent) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in ("distinct", "identical"):
        row = submit[name]
        lines.append(
            f"| {name} | {row['median_us']:.1f} | {row['p95_us']:.1f} | {row['sent']} | {row['coalesced']} "
            f"| {row['identical']} |"
        )
    return lines


def _batch_md(batch: dict[str, Any]) -> list[str]:
    return [
        f"{batch['files']} files of 512 px, `-j {batch['concurrency']}`, local server with 200 ms latency; each "
        "batch is its own process (start-up and imports included, bytecode cached as after `pip install`); "
        "CPU = user + system time of the process, "
        "median of the paired runs, alternating which goes first (`benchmarks/cli_batch.py`).",
        "",
        "| batch | CPU s | wall s |",
        "|---|---:|---:|",
        f"| `leonardo-realtime generate … -j {batch['concurrency']}` | {batch['cli']['cpu_s']:.2f} "
        f"| {batch['cli']['wall_s']:.1f} |",
        f"| hand-written asyncio + httpx batch | {batch['hand']['cpu_s']:.2f} | {batch['hand']['wall_s']:.1f} |",
        "",
        f"Ratio (median of paired runs): {batch['ratio']:.2f}x.",
    ]


def _rss_md(rss: dict[str, Any], labels: dict[str, str]) -> list[str]:
    lines = [
        f"One round trip with a {rss['jpeg_bytes'] / 1e6:.1f} MB JPEG "
        f"(base64 payload {rss['base64_payload_bytes'] / 1e6:.1f} MB), "
        "each row in a fresh process; extra = peak resident memory (VmHWM, reset before the call) minus the "
        "resident memory just before; median of 3 (`benchmarks/rss.py`).",
        "",
        "| row | extra resident MB | x payload |",
        "|---|---:|---:|",
    ]
    for key, row in rss["rows"].items():
        if "extra_bytes" not in row:
            lines.append(f"| {labels.get(key, key)} | {row.get('skipped', 'skipped')} | |")
            continue
        lines.append(f"| {labels.get(key, key)} | {row['extra_bytes'] / 1e6:.1f} | {row['extra_x_payload']:.2f} |")
    return lines


_UPLINK_MBIT = 20.0
"""The uplink the shrink table computes upload times for (a typical home or office upload)."""


def _shrink_md(shrink: dict[str, Any]) -> list[str]:
    output = shrink["output_px"]
    lines = [
        f"A canvas snapshot larger than the picture asked for ({output} px), sent by `RealtimeCanvas.generate` "
        "as it is and with `shrink_inputs=True`; local server, zero added latency, interleaved rounds "
        "(`benchmarks/shrink.py`). Not a target: the issue's optional opt-in, measured. Over loopback an upload "
        "costs almost nothing, so what the smaller body saves on a real network is the bytes column; the last "
        f"column is *computed* from it for a {_UPLINK_MBIT:g} Mbit/s uplink, not measured.",
        "",
        f"| canvas | row | request body bytes | client CPU ms | p50 ms (loopback) | upload, {_UPLINK_MBIT:g} Mbit/s |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for key, value in shrink.items():
        if not isinstance(value, dict):
            continue
        for name, label in (("as_is", "as it is (JPEG byte-identical)"), ("shrunk", "`shrink_inputs=True`")):
            row = value[name]
            upload_ms = row["body_bytes"] * 8 / (_UPLINK_MBIT * 1e6) * 1e3
            cells = [f"{row['body_bytes']:,}", f"{row['cpu_ms']:.2f}", f"{row['p50_ms']:.2f}", f"{upload_ms:.0f} ms"]
            lines.append(f"| {key} px | {label} | " + " | ".join(cells) + " |")
        ratios = [value["bytes_ratio"], value["cpu_ratio"], value["p50_ratio"], value["bytes_ratio"]]
        lines.append(f"| {key} px | shrunk / as it is | " + " | ".join(f"{r:.2f} x" for r in ratios) + " |")
    return lines


def render_markdown(
    results: dict[str, Any], *, notes: str | None = None, previous: dict[str, Any] | None = None
) -> str:
    lines = ["# Benchmark results (`make bench`)", "", *_machine_md(results["machine"], results["settings"])]
    lines += [*_load_md(results), ""]
    lines += ["## Targets (issue 13, and issue 7's kept)", ""]
    if previous is not None:
        lines += [
            "Two runs on the same day: this one and the one before it (`results-previous.json`). Ratios are "
            "measured side by side within each run.",
            "",
        ]
    lines += [*_targets_md(results, previous), ""]
    lines += ["## Client CPU and latency per round trip", "", *_throughput_md(results), ""]
    labels = row_labels(results)
    if results.get("concurrency"):
        lines += ["## Many calls at once", "", *_concurrency_md(results["concurrency"]), ""]
    if results.get("small_answers"):
        lines += ["## Small answers", "", *_small_md(results["small_answers"], results.get("small_answers_nagle")), ""]
    if results.get("imports"):
        lines += [
            "## Start-up",
            "",
            *_startup_md(results["imports"], results.get("cli_startup"), results.get("clean_venv")),
            "",
        ]
    if results.get("submit"):
        lines += ["## `RealtimeSession.submit()`", "", *_submit_md(results["submit"]), ""]
    if results.get("cli_batch"):
        lines += ["## Command-line batch", "", *_batch_md(results["cli_batch"]), ""]
    if results.get("shrink"):
        lines += ["## Shrinking a larger canvas (`shrink_inputs`, opt-in)", "", *_shrink_md(results["shrink"]), ""]
    if results.get("rss"):
        lines += ["## Peak resident memory, 20 MB JPEG", "", *_rss_md(results["rss"], labels), ""]
    if results.get("memory"):
        lines += ["## Peak allocated memory (tracemalloc)", "", *_memory_md(results["memory"], labels), ""]
    if results.get("session_markdown"):
        lines += ["## Realtime session", "", results["session_markdown"].strip(), ""]
    elif results.get("session_skipped"):
        lines += ["## Realtime session", "", f"Not run: {results['session_skipped']}", ""]
    if notes:
        lines += [notes.strip(), ""]
    return "\n".join(lines)


def write_chart(results: dict[str, Any], path: Path) -> bool:
    """A grouped bar chart of client CPU per request; False (and nothing written) without matplotlib."""
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
    except ImportError:
        return False
    matplotlib.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")
    sizes = list(results["throughput"])
    labels = row_labels(results)
    keys = [k for k in labels if any(_row(results, int(s), k) for s in sizes)]
    fig, ax = plt.subplots(figsize=(12, 5))
    width = 0.8 / max(len(keys), 1)
    colours = plt.get_cmap("tab20").colors
    for i, key in enumerate(keys):
        values = [(_row(results, int(s), key) or {}).get("cpu_ms", 0.0) for s in sizes]
        ax.bar([j + i * width for j in range(len(sizes))], values, width, label=labels[key], color=colours[i % 20])
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(sizes))], [f"{s}px" for s in sizes])
    ax.set_ylabel("client CPU ms per round trip")
    ax.set_title("Client CPU per round trip (lower is better)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def render_readme_summary(results: dict[str, Any], previous: dict[str, Any] | None = None) -> str:
    """The short version quoted in README.md: every target with the spread over the two runs, and durations."""
    runs = [results] if previous is None else [previous, results]
    per_run = [{t["key"]: t for t in targets(r)} for r in runs]
    dates = " and ".join(r["machine"]["date"] for r in runs)
    durations = " and ".join(f"{r['elapsed_s']:.0f} s" for r in runs)
    machine = results["machine"]
    lines = [
        f"Measured {dates} on {machine['cpu']} ({machine['cores']} cores, shared with other work: see the load in "
        f"RESULTS.md), {machine['python']}; `make bench` took {durations}. Ratios are measured side by side "
        "within a run; the spread is over the runs.",
        "",
        "| target | measured (spread over the runs) | limit | met |",
        "|---|---:|---:|---|",
    ]
    for t in targets(results):
        values = [run[t["key"]]["measured"] for run in per_run if run.get(t["key"], {}).get("measured") is not None]
        if not values:
            shown = "—"
        elif t["unit"] == "":
            shown = " to ".join(dict.fromkeys(f"{v:.0%}" for v in sorted(values)))
        else:
            shown = " to ".join(dict.fromkeys(f"{v:.2f}" for v in sorted(values))) + f" {t['unit']}"
        verdicts = [run[t["key"]]["met"] for run in per_run if t["key"] in run]
        met = (
            "yes" if all(v is True for v in verdicts) else ("no" if all(v is False for v in verdicts) else "in one run")
        )
        sign = "≤" if t["dir"] == "max" else "≥"
        limit = f"{sign} {t['limit']:.0%}" if t["unit"] == "" else f"{sign} {t['limit']} {t['unit']}"
        lines.append(f"| {t['target']} | {shown} | {limit} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.report [--readme]``: re-render RESULTS.md (or print the README summary) from
    benchmarks/results.json and results-previous.json without measuring again (e.g. after editing NOTES.md)."""
    import argparse
    import json

    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=main.__doc__)
    parser.add_argument("--results", type=Path, default=here / "results.json")
    parser.add_argument("--readme", action="store_true", help="print the README summary instead")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    previous_path = args.results.with_name("results-previous.json")
    previous = json.loads(previous_path.read_text()) if previous_path.exists() else None
    if args.readme:
        print(render_readme_summary(results, previous))
        return
    notes = here / "NOTES.md"
    markdown = render_markdown(results, notes=notes.read_text() if notes.exists() else None, previous=previous)
    (args.results.parent / "RESULTS.md").write_text(markdown)
    print(f"wrote {args.results.parent / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
