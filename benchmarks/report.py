"""Turn one run's results (a JSON-able dict) into the Markdown results file and an optional PNG chart."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

# Targets of issue 7 (ratios measured in the same run).
TARGET_OURS_VS_FLOOR = 1.2
TARGET_OURS_VS_SDK = 0.5
TARGET_IMPORT_EXTRA_MS = 30.0
TARGET_MEMORY_X_PAYLOAD = 3.0


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


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 7 with its measured value, its limit and whether it was met (None: not measured)."""
    size = max(int(s) for s in results["throughput"]) if results["throughput"] else 1024
    out: list[dict[str, Any]] = []

    def add(name: str, measured: float | None, limit: float, unit: str) -> None:
        met = None if measured is None else measured <= limit
        out.append({"target": name, "measured": measured, "limit": limit, "unit": unit, "met": met})

    add(
        f"ours sync CPU / sync floor ({size}px)",
        ratio(results, size, "ours-sync", "floor-sync"),
        TARGET_OURS_VS_FLOOR,
        "x",
    )
    add(
        f"ours async CPU / async floor ({size}px)",
        ratio(results, size, "ours-async", "floor-async"),
        TARGET_OURS_VS_FLOOR,
        "x",
    )
    add(
        f"ours sync CPU / SDK sync CPU ({size}px)",
        ratio(results, size, "ours-sync", "sdk-sync"),
        TARGET_OURS_VS_SDK,
        "x",
    )
    extra = results.get("imports", {}).get("extra_over_httpx_ms")
    add("import leonardo_realtime_client - import httpx (median of paired runs)", extra, TARGET_IMPORT_EXTRA_MS, "ms")
    memory = results.get("memory", {}).get("rows", {})
    memory_size = results.get("memory", {}).get("size", "?")
    for key in ("ours-sync", "ours-async"):
        value = memory.get(key, {}).get("extra_x_payload")
        add(f"peak extra memory, {key} ({memory_size}px)", value, TARGET_MEMORY_X_PAYLOAD, "x payload")
    transcode = results.get("no_transcode")
    if transcode is not None:
        calls = transcode.get("pillow_calls")
        out.append(
            {
                "target": "JPEG bytes / path never decoded or re-encoded (Pillow calls during ours-sync)",
                "measured": calls,
                "limit": 0,
                "unit": "calls",
                "met": None if calls is None else calls == 0,
            }
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


def _imports_md(imports: dict[str, Any]) -> list[str]:
    lines = [
        f"{imports['runs']} fresh interpreters per statement, alternating, the import statement timed inside the "
        "process, bytecode cached (as after `pip install`). In this environment `import httpx` also loads its "
        "CLI (`httpx._main`: click, rich, pygments) because those are installed.",
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
    extra = imports.get("extra_over_httpx_ms")
    if extra is not None:
        lines += ["", f"Extra over `import httpx`, median of the paired differences: {extra:.1f} ms."]
    heavy = imports.get("heavy_loaded")
    if heavy is not None:
        lines += ["", f"Heavy modules loaded by `import leonardo_realtime_client`: {', '.join(heavy) or 'none'}."]
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


def _targets_md(results: dict[str, Any]) -> list[str]:
    lines = ["| target | measured | limit | met |", "|---|---:|---:|---|"]
    for t in targets(results):
        measured = t["measured"]
        shown = "not measured" if measured is None else f"{measured:.2f} {t['unit']}"
        if t["met"] is None:
            verdict = "—"
        elif t["met"]:
            verdict = "yes"
        else:
            over = measured - t["limit"]
            verdict = f"**no**, over by {over:.2f} {t['unit']}"
        lines.append(f"| {t['target']} | {shown} | {t['limit']} {t['unit']} | {verdict} |")
    return lines


def row_labels(results: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for rows in results["throughput"].values():
        for row in rows.values():
            labels[row["key"]] = f"{row['label']} ({'async' if row['async'] else 'sync'})"
    return labels


def render_markdown(results: dict[str, Any], *, notes: str | None = None) -> str:
    lines = ["# Benchmark results (`make bench`)", "", *_machine_md(results["machine"], results["settings"]), ""]
    lines += ["## Targets (issue 7)", "", *_targets_md(results), ""]
    lines += ["## Client CPU and latency per round trip", "", *_throughput_md(results), ""]
    if results.get("imports"):
        lines += ["## Import time", "", *_imports_md(results["imports"]), ""]
    if results.get("memory"):
        lines += ["## Peak memory", "", *_memory_md(results["memory"], row_labels(results)), ""]
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


def render_readme_summary(results: dict[str, Any]) -> str:
    """The short version quoted in README.md (1024 px rows, targets, machine)."""
    machine = results["machine"]
    size = max(int(s) for s in results["throughput"])
    lines = [
        f"Measured {machine['date']} on {machine['cpu']} ({machine['cores']} cores), {machine['python']}, "
        f"httpx {machine['versions']['httpx']}, orjson {machine['versions']['orjson']}, "
        f"pybase64 {machine['versions']['pybase64']}: client CPU per {size}x{size} JPEG round trip (bytes in, "
        "bytes out) against the local server on 127.0.0.1, keep-alive, ratios to the floor of the same run.",
        "",
        "| mode | row | client CPU ms | x floor | p50 latency ms | peak memory x payload |",
        "|---|---|---:|---:|---:|---:|",
    ]
    memory = results.get("memory", {}).get("rows", {})
    for row in results["throughput"][str(size)].values():
        if row.get("skipped"):
            continue
        floor = "floor-async" if row["async"] else "floor-sync"
        label = f"**{row['label']}**" if row["group"] == "ours" else row["label"]
        mem = memory.get(row["key"], {}).get("extra_x_payload")
        lines.append(
            f"| {'async' if row['async'] else 'sync'} | {label} | {row['cpu_ms']:.2f} "
            f"| {_fmt(ratio(results, size, row['key'], floor))} | {row['p50_ms']:.2f} | {_fmt(mem, 1)} |"
        )
    lines += ["", *_targets_md(results)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.report [--readme]``: re-render RESULTS.md (or print the README summary) from
    benchmarks/results.json without measuring again (e.g. after editing NOTES.md)."""
    import argparse
    import json

    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=main.__doc__)
    parser.add_argument("--results", type=Path, default=here / "results.json")
    parser.add_argument("--readme", action="store_true", help="print the README summary instead")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    if args.readme:
        print(render_readme_summary(results))
        return
    notes = here / "NOTES.md"
    markdown = render_markdown(results, notes=notes.read_text() if notes.exists() else None)
    (args.results.parent / "RESULTS.md").write_text(markdown)
    print(f"wrote {args.results.parent / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
