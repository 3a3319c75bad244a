"""Turns one benchmark run into bench/results/<date>.json, a PNG chart of the ratios and the
tables of docs/benchmarks.md, and checks every figure against the protocol's targets.

    python bench/report.py --python py.json --c c.jsonl --out bench/results/<date>.json \
        --png bench/results/<date>.png --doc docs/benchmarks.md --command "scripts/bench.sh"
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, Dict, List, Optional, Tuple

SINGLE = ["small_create", "small_get", "small_find_filter", "small_update", "large_create", "nested_find"]
MULTI = ["find_many", "insert_many"]
ASYNC = ["async_save", "async_get"]
CODEC = [f"bson_{d}_{s}" for d in ("encode", "decode") for s in ("flat", "deep", "full")]


def target(task: str) -> Tuple[str, str, float]:
    """(measure, comparison, bound) the protocol holds the task's ratio against."""
    if task in SINGLE:
        return "cpu", "<=", 0.5
    if task in MULTI:
        return "cpu", "<=", 0.7
    if task in ASYNC:
        return "throughput", ">=", 1.5
    if task in CODEC:
        return "throughput", ">=", 1.0
    return "cpu", "<=", 1.0


def meets(value: float, cmp: str, bound: float) -> bool:
    return value <= bound if cmp == "<=" else value >= bound


def load_c(path: Optional[str]) -> Dict[str, Any]:
    tasks: Dict[str, Dict[str, Any]] = {}
    stream: Dict[str, Any] = {}
    if not path or not os.path.exists(path):
        return {"tasks": tasks, "stream": stream}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            if row["task"] == "stream":
                stream = row
            else:
                tasks.setdefault(row["task"], {})[row["system"]] = row
    return {"tasks": tasks, "stream": stream}


def python_table(py: Dict[str, Any]) -> Tuple[List[str], List[Dict[str, Any]]]:
    rows, verdicts = [], []
    rows.append("| task | ops | mongo_odm ops/s | mongo_odm µs CPU/op | lightodm ops/s | lightodm µs CPU/op "
                "| pymongo ops/s | pymongo µs CPU/op | ratio (mongo_odm / peer) | target | met |")
    rows.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for task, res in py["tasks"].items():
        measure, cmp, bound = target(task)
        ratio = py["ratios"][task]
        value = ratio[measure]
        ok = meets(value, cmp, bound)
        cells = [task, str(res["mongo_odm"]["ops"])]
        for system in ("mongo_odm", "lightodm", "pymongo"):
            r = res.get(system)
            cells += [f"{r['ops_per_s']:.1f}", f"{r['cpu_us_per_op']:.1f}"] if r else ["—", "—"]
        label = "CPU" if measure == "cpu" else "throughput"
        cells += [f"{label} {value:.2f}x vs {ratio['peer']}", f"{cmp} {bound}", "yes" if ok else "**no**"]
        rows.append("| " + " | ".join(cells) + " |")
        verdicts.append({"task": task, "measure": measure, "ratio": value, "peer": ratio["peer"],
                         "target": f"{cmp} {bound}", "met": ok})
    return rows, verdicts


def c_table(c: Dict[str, Any]) -> Tuple[List[str], List[Dict[str, Any]]]:
    rows, verdicts = [], []
    if not c["tasks"]:
        return rows, verdicts
    rows.append("| task | ops | libmongo_odm ops/s | libmongo_odm µs CPU/op | libmongoc ops/s | libmongoc µs CPU/op "
                "| CPU ratio | target | met |")
    rows.append("|---|---|---|---|---|---|---|---|---|")
    for task, res in c["tasks"].items():
        odm, raw = res["libmongo_odm"], res["libmongoc"]
        ratio = odm["cpu_us_per_op"] / raw["cpu_us_per_op"]
        ok = ratio <= 1.10
        rows.append(f"| {task} | {odm['ops']} | {odm['ops_per_s']:.1f} | {odm['cpu_us_per_op']:.1f} | "
                    f"{raw['ops_per_s']:.1f} | {raw['cpu_us_per_op']:.1f} | {ratio:.2f}x | <= 1.10 | "
                    f"{'yes' if ok else '**no**'} |")
        verdicts.append({"task": f"c_{task}", "measure": "cpu", "ratio": ratio, "peer": "libmongoc",
                         "target": "<= 1.10", "met": ok})
    return rows, verdicts


def memory_table(py: Dict[str, Any], c: Dict[str, Any]) -> Tuple[List[str], List[Dict[str, Any]]]:
    rows = ["| system / path | documents | peak RSS growth (MiB) | target | met |", "|---|---|---|---|---|"]
    verdicts = []
    entries = [(k, v) for k, v in py.get("memory", {}).items()]
    if c.get("stream"):
        entries.append(("libmongo_odm C cursor", c["stream"]))
    for name, m in entries:
        ok = m["growth_mib"] < 64
        rows.append(f"| {name} | {m['docs']} | {m['growth_mib']:.1f} | < 64 | {'yes' if ok else '**no**'} |")
        if "mongo_odm" in name:
            verdicts.append({"task": f"stream {name}", "measure": "rss", "ratio": m["growth_mib"], "peer": "-",
                             "target": "< 64 MiB", "met": ok})
    return rows, verdicts


def chart(py: Dict[str, Any], c: Dict[str, Any], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, values, colors, bounds = [], [], [], []
    for task in py["tasks"]:
        measure, cmp, bound = target(task)
        ratio = py["ratios"][task]
        # Plot everything as "cost relative to the peer": CPU ratio, or 1/throughput ratio.
        value = ratio["cpu"] if measure == "cpu" else 1.0 / ratio["throughput"]
        limit = bound if measure == "cpu" else 1.0 / bound
        labels.append(f"{task} (vs {ratio['peer']})")
        values.append(value)
        bounds.append(limit)
        colors.append("#2b8a3e" if value <= limit else "#c92a2a")
    for task, res in c["tasks"].items():
        value = res["libmongo_odm"]["cpu_us_per_op"] / res["libmongoc"]["cpu_us_per_op"]
        labels.append(f"C {task} (vs libmongoc)")
        values.append(value)
        bounds.append(1.10)
        colors.append("#2b8a3e" if value <= 1.10 else "#c92a2a")
    fig, ax = plt.subplots(figsize=(10, 0.38 * len(labels) + 1.5))
    y = range(len(labels))
    ax.barh(list(y), values, color=colors)
    for i, b in enumerate(bounds):
        ax.plot([b, b], [i - 0.4, i + 0.4], color="black", linewidth=1.5)
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.set_yticks(list(y))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("cost relative to the peer (client CPU per op, or 1 / throughput); black tick = target; lower is better")
    ax.set_title(title, fontsize=10)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.2f}", va="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", required=True)
    ap.add_argument("--c")
    ap.add_argument("--out", required=True)
    ap.add_argument("--png", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--command", default="scripts/bench.sh")
    args = ap.parse_args()

    with open(args.python) as f:
        py = json.load(f)
    c = load_c(args.c)
    py_rows, py_verdicts = python_table(py)
    c_rows, c_verdicts = c_table(c)
    mem_rows, mem_verdicts = memory_table(py, c)
    verdicts = py_verdicts + c_verdicts + mem_verdicts
    combined = {"python": py, "c": c, "verdicts": verdicts}
    with open(args.out, "w") as f:
        json.dump(combined, f, indent=1)
    m = py["machine"]
    title = f"mongo_odm vs peers, {py['date'][:10]}, {m.get('cpu', '?')} x{m.get('cpus')}"
    chart(py, c, args.png, title)

    text = ["## Python: mongo_odm vs lightodm 0.2.0 vs raw pymongo", ""] + py_rows
    if c_rows:
        text += ["", "## C: libmongo_odm model API vs plain libmongoc", ""] + c_rows
    text += ["", "## Memory: streaming tweet-sized documents", ""] + mem_rows
    failures = py.get("failures", {})
    if failures:
        text += ["", "## Tasks that did not complete", ""]
        text += [f"- `{task}`: {error}" for task, error in failures.items()]
    print("\n".join(text))
    met = sum(v["met"] for v in verdicts)
    print(f"\ntargets met: {met} of {len(verdicts)}")

    if args.doc:
        cfg = py["config"]
        versions = ", ".join(f"{k} {v}" for k, v in py.get("versions", {}).items())
        png_rel = os.path.relpath(args.png, os.path.dirname(os.path.abspath(args.doc)))
        doc = [
            "# Benchmarks",
            "",
            "How much a user gains or loses with mongo_odm against what they would use instead, on the",
            "same machine, the same server and the same data, in the same run (protocol:",
            "`../shared/spec/benchmarks.md`). Reproduce with:",
            "",
            "```sh",
            args.command,
            "```",
            "",
            f"Latest run: {py['date']} on {m.get('platform')}, {m.get('cpu', '?')}, {m.get('cpus')} CPUs, "
            f"{m.get('memory_kib', 0) // 1024} MiB RAM; Python {m.get('python')}; {versions}. Server: "
            f"{cfg['server']}. Medians of {cfg['iterations']} iterations after {cfg['warmup']} warm-up, systems "
            "alternating iteration by iteration. Client CPU is the benchmark process's user+system time "
            "(all threads) per op; the server's share of the 2 cores is not in it.",
            "",
            f"![ratios]({png_rel})",
            "",
        ] + text + [
            "",
            f"Targets met: {met} of {len(verdicts)}. Raw numbers: `{os.path.relpath(args.out)}`.",
            "",
        ]
        notes_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "NOTES.md")
        if os.path.exists(notes_path):
            with open(notes_path) as f:
                doc += ["", f.read()]
        with open(args.doc, "w") as f:
            f.write("\n".join(doc))


if __name__ == "__main__":
    main()
