"""Turns one benchmark run into a results JSON, a PNG chart and the tables of
docs/benchmarks.md, and checks every figure against the protocol's targets.

    python bench/report.py --python py.json --c c.jsonl --out bench/results/<date>.json \
        --png bench/results/<date>.png --doc docs/benchmarks.md --command "scripts/bench.sh" \
        [--previous bench/results/<earlier>.json] [--banner "..."]

Every table says which run its figures come from (date, mongo_odm commit, versions, counts).
With --previous, a task (or the memory, or an experiment) that this run did not measure is
taken from that earlier results file and marked "not re-measured since <date> (<commit>)".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from typing import Any, Dict, List, Optional, Tuple

SYNC_SYSTEMS = ["mongo_odm", "lightodm", "pymongo"]
ASYNC_TASKS = ["async_save", "async_get", "async_save_first_round"]
CODEC = [f"bson_{d}_{s}" for d in ("encode", "decode") for s in ("flat", "deep", "full")]
COLD = ["cold_pool", "cold_pool_3"]
# When every system's wall throughput is within this fraction of the best, the server (same
# cores) sets the pace, whatever each client spends.
SERVER_BOUND_SPREAD = 0.10
# Every task the harness has (bench/python/bench.py, bench/c/bench.c): one that neither this run
# nor --previous measured is listed as not measured.
PY_TASKS = ["small_create", "small_get", "small_find_filter", "small_update", "find_all_flat", "async_save",
            "async_get", "find_many", "insert_many", "large_create", "nested_find", "cold_pool", "cold_pool_3",
            "async_save_first_round", "bulk_mixed"] + [f"bson_{d}_{s}" for d in ("encode", "decode") for s in ("flat", "deep", "full")]
C_TASKS = ["small_create", "small_get", "small_find_filter", "small_update", "find_many", "insert_many",
           "large_create", "nested_find", "cold_pool", "cold_pool_3"]
# Names of the async systems in tables and the chart. ("pymongo" in an async task: a run from
# before issue 13, when the raw async peer was pymongo's PymongoSystem on motor.)
LABELS = {"lightodm": "lightodm (motor)", "motor": "raw motor", "pymongo_async": "raw AsyncMongoClient",
          "beanie": "Beanie 2", "pymongo": "raw motor (as 'pymongo')"}


def target(task: str) -> Tuple[str, str, str, Optional[float]]:
    """(peer, measure, comparison, bound) the protocol holds the task against. peer "best":
    the async peer with the least client CPU per op; bound None: reported, no target."""
    if task in ("small_create", "small_get", "small_find_filter", "small_update", "nested_find"):
        return "lightodm", "cpu", "<=", 0.5
    if task in ("find_many", "find_all_flat"):
        return "lightodm", "cpu", "<=", 0.7
    if task == "insert_many":
        return "lightodm", "cpu", "<=", 0.6
    if task in ("large_create",) + tuple(COLD):
        return "pymongo", "cpu", "<=", 1.0
    if task in ("async_save", "async_get"):
        return "best", "cpu", "<=", 0.5
    if task == "async_save_first_round":
        return "best", "cpu", "<=", None
    if task in CODEC:
        return "pymongo", "throughput", ">=", 1.0
    if task == "bulk_mixed":  # the bulk writer against the same operations one call each
        return "mongo_odm_one_call_each", "throughput", ">=", 1.0
    return "pymongo", "cpu", "<=", 1.0


def c_bound(task: str) -> float:
    return 1.0 if task in ("large_create",) + tuple(COLD) else 1.10


def meets(value: float, cmp: str, bound: float) -> bool:
    return value <= bound if cmp == "<=" else value >= bound


def fmt(v: Optional[float], digits: int = 1) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


# ---- loading and merging -----------------------------------------------------------------

def load_c(path: Optional[str]) -> Dict[str, Any]:
    tasks: Dict[str, Dict[str, Any]] = {}
    stream: Dict[str, Any] = {}
    meta: Dict[str, Any] = {}
    if not path or not os.path.exists(path):
        return {"tasks": tasks, "stream": stream, "meta": meta}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            if row["task"] == "stream":
                stream = row
            elif row["task"] == "meta":
                meta = row
            else:
                tasks.setdefault(row["task"], {})[row["system"]] = row
    return {"tasks": tasks, "stream": stream, "meta": meta}


def run_id(py: Dict[str, Any]) -> Dict[str, str]:
    return {"date": py.get("date", "?"), "commit": py.get("commit", "unknown")}


def merge_previous(py: Dict[str, Any], c: Dict[str, Any], previous: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Carries what this run did not measure over from an earlier results file, each item
    tagged with the run it comes from. Returns {section/name: source} of what was carried."""
    carried: Dict[str, Any] = {}
    if not previous:
        return carried
    prev_py, prev_c = previous.get("python", {}), previous.get("c", {})
    source = dict(run_id(prev_py))
    for task, res in prev_py.get("tasks", {}).items():
        if task not in py["tasks"]:  # not run, or failed, this time
            src = res.get("_source") if isinstance(res, dict) and "_source" in res else source
            py["tasks"][task] = dict(res, _source=src)
            carried[f"python/{task}"] = src
    for name, exp in prev_py.get("experiments", {}).items():
        if name not in py.setdefault("experiments", {}):
            src = exp.get("_source", source)
            py["experiments"][name] = dict(exp, _source=src)
            carried[f"experiment/{name}"] = src
    if not py.get("memory") and prev_py.get("memory"):
        py["memory"] = prev_py["memory"]
        py["_memory_source"] = prev_py.get("_memory_source", source)
        carried["memory"] = py["_memory_source"]
    for task, res in prev_c.get("tasks", {}).items():
        if task not in c["tasks"]:  # C rows are per system: each carries its source
            rows = {n: dict(row, _source=row.get("_source", source)) for n, row in res.items()}
            c["tasks"][task] = rows
            carried[f"c/{task}"] = next(iter(rows.values()))["_source"]
    if not c.get("stream") and prev_c.get("stream"):
        c["stream"] = dict(prev_c["stream"], _source=prev_c["stream"].get("_source", source))
    if not c.get("meta") and prev_c.get("meta"):
        c["meta"] = prev_c["meta"]
    return carried


def stale(item: Dict[str, Any]) -> str:
    src = item.get("_source") if isinstance(item, dict) else None
    if not src:
        return "this run"
    return f"**not re-measured since {src['date'][:10]} ({src['commit']})**"


# ---- ratios ----------------------------------------------------------------------------------

def ratio_of(task: str, res: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """mongo_odm against the task's peer: {peer, measure, value, cmp, bound, met}."""
    peer, measure, cmp, bound = target(task)
    odm = res.get("mongo_odm")
    if not odm:
        return None
    if peer == "best":
        peers = {n: r for n, r in res.items() if n != "mongo_odm" and isinstance(r, dict) and "cpu_us_per_op" in r}
        if not peers:
            return None
        peer = min(peers, key=lambda n: peers[n]["cpu_us_per_op"])
    other = res.get(peer)
    if not other:
        return None
    if measure == "cpu":
        value = odm["cpu_us_per_op"] / other["cpu_us_per_op"]
    else:
        value = odm["ops_per_s"] / other["ops_per_s"]
    met = meets(value, cmp, bound) if bound is not None else None
    return {"peer": peer, "measure": measure, "value": value, "cmp": cmp, "bound": bound, "met": met}


def server_note(res: Dict[str, Any]) -> Tuple[str, bool]:
    """Whether the server set the wall throughput: every system within SERVER_BOUND_SPREAD of
    the best ops/s while their client CPU per op differs, or no client process busy even half
    of one core (its event loop mostly waiting for replies)."""
    rows = {n: r for n, r in res.items() if isinstance(r, dict) and "ops_per_s" in r}
    if len(rows) < 2:
        return "", False
    tput = [r["ops_per_s"] for r in rows.values()]
    cpu = [r["cpu_us_per_op"] for r in rows.values()]
    spread = (max(tput) - min(tput)) / max(tput)
    cpu_x = max(cpu) / min(cpu)
    # client CPU per op / wall time per op: the share of one core the client process used
    busy = [r["cpu_us_per_op"] / 1e6 * r["ops_per_s"] for r in rows.values()]
    text = (f"wall throughput spread {spread * 100:.0f}% while client CPU per op differs {cpu_x:.1f}x; "
            f"client processes busy {min(busy) * 100:.0f}-{max(busy) * 100:.0f}% of one core")
    reasons = []
    if spread <= SERVER_BOUND_SPREAD and cpu_x >= 1.2:
        reasons.append(f"every system within {SERVER_BOUND_SPREAD * 100:.0f}% of the best throughput whatever its CPU")
    if max(busy) < 0.5:
        reasons.append("no client process used half a core: they mostly wait for the server, which shares "
                       "the machine's cores, so wall throughput says little about the clients")
    if reasons:
        text = "**server-bound** (" + "; ".join(reasons) + "): " + text
    return text, bool(reasons)


# ---- tables ----------------------------------------------------------------------------------

def counts_line(py: Dict[str, Any]) -> str:
    counts = py.get("config", {}).get("counts") or {k: py.get("config", {}).get(k) for k in ("ops", "write_ops", "scan_ops", "stream_docs")}
    return ", ".join(f"{k}={v}" for k, v in counts.items() if v is not None)


def python_table(py: Dict[str, Any]) -> Tuple[List[str], List[Dict[str, Any]]]:
    rows = ["| task | ops | mongo_odm ops/s | mongo_odm µs CPU/op | lightodm ops/s | lightodm µs CPU/op "
            "| pymongo ops/s | pymongo µs CPU/op | ratio (mongo_odm / peer) | target | met | measured |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    verdicts = []
    for task, res in py["tasks"].items():
        if task in ASYNC_TASKS:
            continue
        r = ratio_of(task, res)
        odm = res.get("mongo_odm", {})
        ops = str(odm.get("ops", "?")) + (f" {odm['unit']}s" if odm.get("unit") not in (None, "op") else "")
        cells = [task, ops]
        for system in SYNC_SYSTEMS:
            x = res.get(system)
            cells += [fmt(x["ops_per_s"]), fmt(x["cpu_us_per_op"])] if x else ["—", "—"]
        if r:
            label = "CPU" if r["measure"] == "cpu" else "throughput"
            cells += [f"{label} {r['value']:.2f}x vs {r['peer']}", f"{r['cmp']} {r['bound']}",
                      "yes" if r["met"] else "**no**"]
            verdicts.append({"task": task, "measure": r["measure"], "ratio": r["value"], "peer": r["peer"],
                             "target": f"{r['cmp']} {r['bound']}", "met": r["met"], "measured": stale(res)})
        else:
            cells += ["—", "—", "—"]
        cells.append(stale(res))
        rows.append("| " + " | ".join(cells) + " |")
    return rows, verdicts


def async_table(py: Dict[str, Any]) -> Tuple[List[str], List[Dict[str, Any]], List[str]]:
    tasks = [t for t in ASYNC_TASKS if t in py["tasks"]]
    if not tasks:
        return [], [], []
    systems: List[str] = []
    for t in tasks:
        for n in py["tasks"][t]:
            if n not in systems and n != "_source":
                systems.append(n)
    head = "| task | ops | " + " | ".join(f"{LABELS.get(n, n)} µs CPU/op (ops/s)" for n in systems)
    rows = [head + " | ratio (mongo_odm / best peer) | target | met | measured |",
            "|---|---|" + "---|" * len(systems) + "---|---|---|---|"]
    verdicts, notes = [], []
    for t in tasks:
        res = py["tasks"][t]
        cells = [t, str(res.get("mongo_odm", {}).get("ops", "?"))]
        for n in systems:
            x = res.get(n)
            cells.append(f"{fmt(x['cpu_us_per_op'])} ({fmt(x['ops_per_s'])})" if x else "—")
        r = ratio_of(t, res)
        if r:
            cells += [f"CPU {r['value']:.2f}x vs {LABELS.get(r['peer'], r['peer'])}",
                      f"{r['cmp']} {r['bound']}" if r["bound"] is not None else "— (reported)",
                      ("yes" if r["met"] else "**no**") if r["met"] is not None else "—"]
            if r["met"] is not None:
                verdicts.append({"task": t, "measure": "cpu", "ratio": r["value"], "peer": r["peer"],
                                 "target": f"{r['cmp']} {r['bound']}", "met": r["met"], "measured": stale(res)})
        else:
            cells += ["—", "—", "—"]
        cells.append(stale(res))
        rows.append("| " + " | ".join(cells) + " |")
        if t == "async_save_first_round":
            later = [f"{LABELS.get(n, n)} {fmt(res[n].get('later_cpu_us_per_op'))} µs/op "
                     f"({fmt(res[n].get('later_ops_per_s'))} ops/s)" for n in systems if n in res]
            notes.append("- `async_save_first_round`, later rounds of the same processes: " + "; ".join(later) + ".")
        else:
            text, _ = server_note(res)
            if text:
                notes.append(f"- `{t}`: {text}.")
    return rows, verdicts, notes


def cold_table(py: Dict[str, Any], c: Dict[str, Any]) -> List[str]:
    rows = ["| task | system | threads x ops | client CPU ms (median) | wall ms | µs CPU/op | of which connect, CPU ms | measured |",
            "|---|---|---|---|---|---|---|---|"]
    n = 0
    for t in COLD:
        res = py["tasks"].get(t)
        if res:
            for name in SYNC_SYSTEMS:
                x = res.get(name)
                if not x:
                    continue
                connect = statistics.median(x["connect_cpu_s"]) * 1e3 if x.get("connect_cpu_s") else None
                rows.append(f"| {t} | {name} | {x.get('threads', '?')} x {x.get('ops_per_thread', '?')} | "
                            f"{fmt(x.get('cpu_ms'))} | {fmt(x.get('wall_ms'))} | {fmt(x['cpu_us_per_op'])} | "
                            f"{fmt(connect)} | {stale(res)} |")
                n += 1
        cres = c["tasks"].get(t)
        if cres:
            for name in ("libmongo_odm", "libmongoc"):
                x = cres.get(name)
                if not x:
                    continue
                rows.append(f"| C {t} | {name} | {x['ops']} ops | {fmt(x['cpu_s'] * 1e3)} | {fmt(x['wall_s'] * 1e3)} | "
                            f"{fmt(x['cpu_us_per_op'])} | — | {stale(x)} |")
                n += 1
    return rows if n else []


def coalesce_table(py: Dict[str, Any]) -> List[str]:
    exp = py.get("experiments", {}).get("coalesce_aget")
    if not exp:
        return []
    rows = [f"{exp['ops']} concurrent gets by _id ({stale(exp)}). {exp['what']}.", "",
            "| system / variant | ops/s | µs CPU/op | throughput vs individual | CPU vs individual |",
            "|---|---|---|---|---|"]
    base: Dict[str, Dict[str, Any]] = {}
    for label, x in exp["results"].items():
        system = label.split("/")[0]
        if label.endswith("/individual"):
            base[system] = x
    for label, x in exp["results"].items():
        b = base.get(label.split("/")[0])
        rows.append(f"| {label} | {fmt(x['ops_per_s'])} | {fmt(x['cpu_us_per_op'])} | "
                    f"{x['ops_per_s'] / b['ops_per_s']:.2f}x | {x['cpu_us_per_op'] / b['cpu_us_per_op']:.2f}x |"
                    if b else f"| {label} | {fmt(x['ops_per_s'])} | {fmt(x['cpu_us_per_op'])} | — | — |")
    return rows


def c_ratios(c: Dict[str, Any]):
    """(task, libmongo_odm's result, libmongoc's, CPU ratio, its bound) of each C task both measured."""
    for task, res in c["tasks"].items():
        odm, raw = res.get("libmongo_odm"), res.get("libmongoc")
        if odm and raw:
            yield task, odm, raw, odm["cpu_us_per_op"] / raw["cpu_us_per_op"], c_bound(task)


def c_table(c: Dict[str, Any]) -> Tuple[List[str], List[Dict[str, Any]]]:
    rows, verdicts = [], []
    if not c["tasks"]:
        return rows, verdicts
    rows.append("| task | ops | libmongo_odm ops/s | libmongo_odm µs CPU/op | libmongoc ops/s | libmongoc µs CPU/op "
                "| CPU ratio | target | met | measured |")
    rows.append("|---|---|---|---|---|---|---|---|---|---|")
    for task, odm, raw, ratio, bound in c_ratios(c):
        ok = ratio <= bound
        rows.append(f"| {task} | {odm['ops']} | {fmt(odm['ops_per_s'])} | {fmt(odm['cpu_us_per_op'])} | "
                    f"{fmt(raw['ops_per_s'])} | {fmt(raw['cpu_us_per_op'])} | {ratio:.2f}x | <= {bound:.2f} | "
                    f"{'yes' if ok else '**no**'} | {stale(odm)} |")
        verdicts.append({"task": f"c_{task}", "measure": "cpu", "ratio": ratio, "peer": "libmongoc",
                         "target": f"<= {bound:.2f}", "met": ok, "measured": stale(odm)})
    return rows, verdicts


def memory_table(py: Dict[str, Any], c: Dict[str, Any]) -> Tuple[List[str], List[Dict[str, Any]]]:
    rows = ["| system / path | documents | peak RSS growth (MiB) | target | met | measured |", "|---|---|---|---|---|---|"]
    verdicts = []
    py_src = {"_source": py["_memory_source"]} if py.get("_memory_source") else {}
    entries = [(k, v, py_src) for k, v in py.get("memory", {}).items()]
    if c.get("stream"):
        entries.append(("libmongo_odm C cursor", c["stream"], c["stream"]))
    for name, m, src in entries:
        ok = m["growth_mib"] < 64
        rows.append(f"| {name} | {m['docs']} | {m['growth_mib']:.1f} | < 64 | {'yes' if ok else '**no**'} | {stale(src)} |")
        if "mongo_odm" in name:
            verdicts.append({"task": f"stream {name}", "measure": "rss", "ratio": m["growth_mib"], "peer": "-",
                             "target": "< 64 MiB", "met": ok, "measured": stale(src)})
    return rows, verdicts


# ---- chart ------------------------------------------------------------------------------------

def chart(py: Dict[str, Any], c: Dict[str, Any], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, values, colors, bounds, hatches = [], [], [], [], []
    for task, res in py["tasks"].items():
        r = ratio_of(task, res)
        if not r:
            continue
        # Everything as "cost relative to the peer": CPU ratio, or 1 / throughput ratio.
        value = r["value"] if r["measure"] == "cpu" else 1.0 / r["value"]
        limit = None if r["bound"] is None else (r["bound"] if r["measure"] == "cpu" else 1.0 / r["bound"])
        peer = LABELS.get(r["peer"], r["peer"]) if task in ASYNC_TASKS else r["peer"]
        labels.append(f"{task} (vs {'best: ' if task in ASYNC_TASKS else ''}{peer})" + (" *" if "_source" in res else ""))
        values.append(value)
        bounds.append(limit)
        colors.append("#868e96" if limit is None else ("#2b8a3e" if value <= limit else "#c92a2a"))
        hatches.append("//" if "_source" in res else "")
    for task, odm, raw, value, limit in c_ratios(c):
        labels.append(f"C {task} (vs libmongoc)" + (" *" if "_source" in odm else ""))
        values.append(value)
        bounds.append(limit)
        colors.append("#2b8a3e" if value <= limit else "#c92a2a")
        hatches.append("//" if "_source" in odm else "")

    async_tasks = [t for t in ASYNC_TASKS if t in py["tasks"]]
    n_panels = 2 if async_tasks else 1
    heights = [0.34 * len(labels) + 1.5] + ([3.6] if async_tasks else [])
    fig, axes = plt.subplots(n_panels, 1, figsize=(11, sum(heights) + 0.5),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    ax = axes[0][0]
    y = list(range(len(labels)))
    bars = ax.barh(y, values, color=colors)
    for bar, h in zip(bars, hatches):
        bar.set_hatch(h)
    for i, b in enumerate(bounds):
        if b is not None:
            ax.plot([b, b], [i - 0.4, i + 0.4], color="black", linewidth=1.5)
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlim(left=min([0.1] + [v * 0.8 for v in values]))  # bars start at a fixed point of the log axis
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("mongo_odm's cost relative to the peer: client CPU per op, or 1 / throughput (log scale)\n"
                  "black tick = target; grey = no target; * hatched = not re-measured in this run", fontsize=7)
    ax.set_title(title, fontsize=9)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.2f}", va="center", fontsize=6)

    if async_tasks:
        ax2 = axes[1][0]
        systems: List[str] = []
        for t in async_tasks:
            for n in py["tasks"][t]:
                if n not in systems and n != "_source":
                    systems.append(n)
        width = 0.8 / len(systems)
        palette = ["#1971c2", "#e8590c", "#868e96", "#2f9e44", "#9c36b5", "#f08c00"]
        for k, n in enumerate(systems):
            xs = [i + (k - (len(systems) - 1) / 2) * width for i in range(len(async_tasks))]
            vals = [py["tasks"][t].get(n, {}).get("cpu_us_per_op", 0) for t in async_tasks]
            ax2.bar(xs, vals, width=width, label=LABELS.get(n, n), color=palette[k % len(palette)])
            for x, v, t in zip(xs, vals, async_tasks):
                tput = py["tasks"][t].get(n, {}).get("ops_per_s")
                if tput:
                    ax2.text(x, v, f"{tput:.0f}/s", ha="center", va="bottom", fontsize=5, rotation=90)
        ax2.set_xticks(list(range(len(async_tasks))))
        ax2.set_xticklabels(async_tasks, fontsize=8)
        ax2.set_yscale("log")
        top = max(r.get("cpu_us_per_op", 0) for t in async_tasks for n, r in py["tasks"][t].items() if isinstance(r, dict))
        ax2.set_ylim(bottom=10, top=top * 6)  # bars start at 10 µs on the log axis; room for the labels
        ax2.set_ylabel("client µs CPU per op (log)", fontsize=8)
        ax2.set_title("async peers: client CPU per op (bars) and wall ops/s (labels); lower is better", fontsize=8)
        ax2.legend(fontsize=7, ncol=len(systems), loc="upper center")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# ---- main --------------------------------------------------------------------------------------

def run_header(py: Dict[str, Any], c: Dict[str, Any]) -> List[str]:
    m = py.get("machine", {})
    cfg = py.get("config", {})
    v = dict(py.get("versions", {}))
    if c.get("meta"):
        v["libmongoc"] = c["meta"].get("libmongoc")
    versions = ", ".join(f"{k} {val}" for k, val in v.items())
    load = py.get("load", {})
    load_text = ""
    if load.get("start"):
        load_text = f" Load average (1/5/15 min) at the start: {', '.join(f'{x:.2f}' for x in load['start'])}"
        if load.get("end"):
            load_text += f"; at the end: {', '.join(f'{x:.2f}' for x in load['end'])}"
        load_text += " (others share the machine)."
    return [
        f"**Run {py.get('date', '?')}** ({py.get('label') or 'full'} run), mongo_odm commit `{py.get('commit', 'unknown')}`, "
        f"on {m.get('platform')}, {m.get('cpu', '?')}, {m.get('cpus')} CPUs, {m.get('memory_kib', 0) // 1024} MiB RAM. "
        f"Versions: {versions}. Server: {cfg.get('server', '?')}.{load_text}",
        "",
        f"Counts: {counts_line(py)}; medians of {cfg.get('iterations')} iterations after {cfg.get('warmup', 1)} "
        "warm-up, systems alternating iteration by iteration (cold_pool and the first round: a fresh process per "
        "system and iteration). Client CPU is the benchmark process's user+system time (all threads) per op; the "
        "server's share of the 2 cores is not in it. Every figure below is from this run unless its row says "
        "\"not re-measured since\".",
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", required=True)
    ap.add_argument("--c")
    ap.add_argument("--out", required=True)
    ap.add_argument("--png", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--previous", help="an earlier results file: what this run did not measure is taken from it")
    ap.add_argument("--banner", default="", help="a line put first in the document (e.g. for a quick run)")
    ap.add_argument("--command", default="scripts/bench.sh")
    args = ap.parse_args()

    with open(args.python) as f:
        py = json.load(f)
    py.setdefault("experiments", {})
    c = load_c(args.c)
    previous = None
    if args.previous and os.path.exists(args.previous):  # read before --out (maybe the same file) is written
        with open(args.previous) as f:
            previous = json.load(f)
    carried = merge_previous(py, c, previous)

    py_rows, py_verdicts = python_table(py)
    as_rows, as_verdicts, as_notes = async_table(py)
    cold_rows = cold_table(py, c)
    co_rows = coalesce_table(py)
    c_rows, c_verdicts = c_table(c)
    mem_rows, mem_verdicts = memory_table(py, c)
    verdicts = py_verdicts + as_verdicts + c_verdicts + mem_verdicts
    combined = {"python": py, "c": c, "verdicts": verdicts, "carried": carried}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(combined, f, indent=1)
    m = py.get("machine", {})
    title = (f"mongo_odm vs peers, run {py.get('date', '?')[:10]} ({py.get('label') or 'full'}), commit "
             f"{py.get('commit', '?')}, {m.get('cpu', '?')} x{m.get('cpus')}")
    chart(py, c, args.png, title)

    run_tag = f"run {py.get('date', '?')[:10]}, commit `{py.get('commit', 'unknown')}`"
    text = [f"## Python: mongo_odm vs lightodm 0.2.0 vs raw pymongo ({run_tag})", ""] + py_rows
    if as_rows:
        text += ["", f"## Async: mongo_odm vs lightodm+motor, raw motor, raw AsyncMongoClient, Beanie 2 ({run_tag})", "",
                 "Concurrent `asave()` / `aget()` with `asyncio.gather`. The target compares mongo_odm with the "
                 "async peer of least client CPU per op. `async_save_first_round`: the first round in a fresh "
                 "process, connect included (see How to read).", ""] + as_rows + [""] + as_notes
    if cold_rows:
        text += ["", f"## New processes: cold_pool, SCRAM on ({run_tag})", ""] + cold_rows
    if co_rows:
        text += ["", f"## Experiment: coalescing concurrent aget() into `$in` queries ({run_tag})", ""] + co_rows
    if c_rows:
        text += ["", f"## C: libmongo_odm model API vs plain libmongoc ({run_tag}"
                 + (f", libmongoc {c['meta'].get('libmongoc')}" if c.get("meta") else "") + ")", ""] + c_rows
    text += ["", f"## Memory: streaming tweet-sized documents ({run_tag})", ""] + mem_rows
    failures = py.get("failures", {})
    if failures:
        text += ["", "## Tasks that did not complete", ""]
        text += [f"- `{task}`: {error}" for task, error in failures.items()]
    if carried:
        text += ["", "## Not re-measured in this run", ""]
        text += [f"- `{k}`: figures from {v['date'][:10]} ({v['commit']})" for k, v in carried.items()]
    missing = [f"python/{t}" for t in PY_TASKS if t not in py["tasks"]] + \
        [f"c/{t}" for t in C_TASKS if t not in c["tasks"]] + \
        (["experiment/coalesce_aget"] if "coalesce_aget" not in py.get("experiments", {}) else [])
    if missing:
        text += ["", "## Not measured (no figures in this run or the one it carries over from)", ""]
        text += [f"- `{k}`" for k in missing]
    print("\n".join(text))
    met = sum(bool(v["met"]) for v in verdicts)
    print(f"\ntargets met: {met} of {len(verdicts)}")

    if args.doc:
        png_rel = os.path.relpath(args.png, os.path.dirname(os.path.abspath(args.doc)))
        doc = ([args.banner, ""] if args.banner else []) + [
            "# Benchmarks",
            "",
            "How much a user gains or loses with mongo_odm against what they would use instead, on the",
            "same machine, the same server and the same data, in the same run (the Protocol section",
            "below says how). Reproduce with:",
            "",
            "```sh",
            args.command,
            "```",
            "",
        ] + run_header(py, c) + [
            "",
            f"![ratios]({png_rel})",
            "",
        ] + text + [
            "",
            f"Targets met: {met} of {len(verdicts)}. Raw numbers: `{os.path.relpath(args.out)}`.",
            "",
        ]
        # The protocol and the notes are included (MyST), not copied: one text, in bench/.
        for name in ("PROTOCOL.md", "NOTES.md"):
            path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
            if os.path.exists(path):
                rel = os.path.relpath(path, os.path.dirname(os.path.abspath(args.doc)))
                doc += ["", f"```{{include}} {rel}", "```"]
        os.makedirs(os.path.dirname(os.path.abspath(args.doc)), exist_ok=True)
        with open(args.doc, "w") as f:
            f.write("\n".join(doc))


if __name__ == "__main__":
    main()
