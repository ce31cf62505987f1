#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn one bench/run results folder into results.md, results.csv and the
CSV files the gnuplot scripts read. Targets are printed, never asserted: a
missed target is a MISSED row, not a failure. What does fail (exit 1) is a
section whose own checks failed (no packets back, flows on one backend, a
flow seen on two backends), so a broken run cannot pass for a slow one.

usage: report.py RESULTS_DIR
"""
import csv
import json
import os
import statistics
import sys

d = sys.argv[1]
failures = []
out_rows = []   # section, item, value, unit, target, verdict


def path(name):
    return os.path.join(d, name)


def read_csv(name):
    if not os.path.exists(path(name)) or os.path.getsize(path(name)) == 0:
        return None
    with open(path(name)) as f:
        return list(csv.DictReader(f))


def row(section, item, value, unit, target="", verdict=""):
    out_rows.append(dict(section=section, item=item, value=value, unit=unit, target=target, verdict=verdict))


def check(value, limit, higher_is_better):
    if value is None:
        return "not measured"
    ok = value >= limit if higher_is_better else value <= limit
    return "met" if ok else "MISSED"


md = ["# sluice benchmark results", ""]
md += open(path("machine.txt")).read().rstrip().splitlines() + [""]

# ---- 1. DPDK over memif -----------------------------------------------------
points = []
if os.path.exists(path("dpdk_points.jsonl")):
    points = [json.loads(x) for x in open(path("dpdk_points.jsonl")) if x.strip()]
groups = {}
for p in points:
    groups.setdefault((p["peer"], p["method"], p["traffic"], p["flows"], p["size"]), []).append(p)
med = {}
for k, ps in groups.items():
    med[k] = statistics.median(p["rx_pps"] for p in ps) / 1e6
    for p in ps:
        if p["rx_ours"] <= 0:
            failures.append(f"dpdk {k}: no packets came back")
        if p["peer"] == "sluiced" and p["n_backends"] < min(2, p["flows"]):
            failures.append(f"dpdk {k}: flows reached {p['n_backends']} backend(s)")
        if p["flows_split"]:
            failures.append(f"dpdk {k}: {p['flows_split']} flows seen on two backends")
        if p["peer_exit"] not in (0, 143):
            failures.append(f"dpdk {k}: {p['peer']} exited with status {p['peer_exit']}")


def ceiling(flows, size):
    return med.get(("testpmd", "io", "ack", flows, size))


if med:
    md += ["## 1. DPDK throughput over memif (one worker lcore)", "",
           "Median of the repetitions; `spread` is min–max. Ratio: to testpmd io over the same link at "
           "the same flows and size (SYN rows: to the established rate of the same method at 100k flows).", "",
           "| peer | method | traffic | flows | size B | reps | Mpps (median) | spread | ratio | loss % | flow-table evictions |",
           "|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|"]
    flows_csv = ["flows testpmd sluiced"]
    sizes_csv = ["size testpmd sluiced"]
    for k in sorted(med, key=lambda k: (k[2], k[1] != "io", k[1], k[3], k[4])):
        peer, method, traffic, flows, size = k
        ps = groups[k]
        rates = [p["rx_pps"] / 1e6 for p in ps]
        if traffic == "ack":
            base = ceiling(flows, size)
        else:
            base = med.get(("sluiced", method, "ack", 100000, size)) or med.get(("sluiced", method, "ack", 1000, size))
        ratio = med[k] / base if base and peer == "sluiced" else None
        ev = [p["lb_stats"].get("flow_evictions") for p in ps if isinstance(p.get("lb_stats"), dict)]
        ev = [e for e in ev if e is not None]
        md.append(f"| {peer} | {method} | {traffic} | {flows} | {size} | {len(ps)} | {med[k]:.2f} | "
                  f"{min(rates):.2f}–{max(rates):.2f} | {'' if ratio is None else f'{ratio:.2f}'} | "
                  f"{statistics.median(p['loss'] for p in ps) * 100:.3f} | {'' if not ev else int(statistics.median(ev))} |")
        row("dpdk", f"{peer} {method} {traffic} flows={flows} size={size}", f"{med[k]:.3f}", "Mpps")
    for f in (1, 1000, 100000, 1000000):
        if ("sluiced", "gue", "ack", f, 64) in med:
            flows_csv.append(f"{f} {ceiling(f, 64) or 'NaN'} {med[('sluiced', 'gue', 'ack', f, 64)]}")
    for s in (64, 512, 1500):
        if ("sluiced", "gue", "ack", 100000, s) in med:
            sizes_csv.append(f"{s} {ceiling(100000, s) or 'NaN'} {med[('sluiced', 'gue', 'ack', 100000, s)]}")
    # A plot needs at least one point: a header-only file would make gnuplot fail.
    for name, lines in (("plot_flows.dat", flows_csv), ("plot_sizes.dat", sizes_csv)):
        if len(lines) > 1:
            open(path(name), "w").write("\n".join(lines) + "\n")
    md.append("")
    est = med.get(("sluiced", "gue", "ack", 100000, 64)) or med.get(("sluiced", "gue", "ack", 1000, 64))
    ceil = ceiling(100000, 64) or ceiling(1000, 64)
    r = est / ceil if est and ceil else None
    row("target", "DPDK 64 B, 100k established, / testpmd io", "" if r is None else f"{r:.2f}", "x",
        ">= 0.85", check(r, 0.85, True))
    syn = med.get(("sluiced", "gue", "syn", 10000000, 64)) or med.get(("sluiced", "gue", "syn", 5000, 64))
    r = syn / est if syn and est else None
    row("target", "DPDK SYN flood / established (gue, 64 B)", "" if r is None else f"{r:.2f}", "x",
        ">= 0.5", check(r, 0.5, True))

# ---- 2. pipeline --------------------------------------------------------------
pipe = read_csv("pipeline.csv")
if pipe:
    names = dict(parse="parse", vip="VIP lookup", hash="flow hash", maglev="Maglev slot", flow_hit="flow-table hit",
                 flow_miss="flow-table miss+insert", encap="encapsulation", burst_est="whole burst, established",
                 burst_new="whole burst, new flows")
    md += ["## 2. Worker pipeline, per stage (ipv4-gue, net of the restore baseline)", "",
           "| flows | " + " | ".join(names.values()) + " |", "|---:|" + "---:|" * len(names)]
    bars = ["stage ns cycles"]
    flows_seen = sorted({int(r["flows"]) for r in pipe if r["variant"] == "ipv4-gue"})
    for f in flows_seen:
        cells = []
        for st in names:
            r = [x for x in pipe if x["variant"] == "ipv4-gue" and int(x["flows"]) == f and x["stage"] == st]
            cells.append(f"{float(r[0]['net_ns']):.1f} ns / {float(r[0]['net_cycles']):.0f} cyc" if r else "")
            if r and f == (100000 if 100000 in flows_seen else flows_seen[-1]):
                bars.append(f"\"{names[st]}\" {float(r[0]['net_ns']):.2f} {float(r[0]['net_cycles']):.1f}")
        md.append(f"| {f} | " + " | ".join(cells) + " |")
    open(path("plot_stages.dat"), "w").write("\n".join(bars) + "\n")
    md.append("")
    est = [x for x in pipe if x["variant"] == "ipv4-gue" and x["stage"] == "burst_est"]
    worst = max((float(x["net_ns"]) for x in est), default=None)
    row("target", "pipeline established, worst flow count (ipv4-gue)", "" if worst is None else f"{worst:.1f}",
        "ns/pkt", "<= 30", check(worst, 30, False))

# ---- 3. XDP -----------------------------------------------------------------
xdp = read_csv("xdp.csv")
if xdp:
    md += ["## 3. XDP balancer, BPF_PROG_TEST_RUN (repeat = 1, trivial program subtracted)", "",
           "| case | runs | median ns | p10 | p90 | minus | net ns |", "|---|---:|---:|---:|---:|---|---:|"]
    for x in xdp:
        md.append(f"| {x['case']} | {x['runs']} | {x['median_ns']} | {x['p10_ns']} | {x['p90_ns']} | {x['baseline']} | {x['net_ns']} |")
    md.append("")
    lim = dict(established=50, new=120, nonvip=20)
    for x in xdp:
        if x["case"] in lim:
            row("target", f"XDP {x['case']} net", x["net_ns"], "ns", f"<= {lim[x['case']]}",
                check(float(x["net_ns"]), lim[x["case"]], False))
elif os.path.exists(path("xdp.skipped")):
    md += ["## 3. XDP balancer", "", "Skipped: " + open(path("xdp.skipped")).read().strip(), ""]

# ---- 4. control plane -------------------------------------------------------------
mag = read_csv("maglev.csv")
if mag:
    md += ["## 4. Control plane: Maglev", "",
           "| N | M | build ms (median) | max/mean entries | moved % removing 1 of N | optimum % |",
           "|---:|---:|---:|---:|---:|---:|"]
    dat = ["N m65537 m655373"]
    byn = {}
    for m in mag:
        md.append(f"| {m['n']} | {m['m']} | {float(m['build_ms_median']):.3f} | {float(m['max_over_mean']):.4f} | "
                  f"{float(m['moved_pct']):.2f} | {float(m['optimum_pct']):.2f} |")
        byn.setdefault(int(m["n"]), {})[int(m["m"])] = float(m["build_ms_median"])
    for n in sorted(byn):
        dat.append(f"{n} {byn[n].get(65537, 'NaN')} {byn[n].get(655373, 'NaN')}")
    open(path("plot_maglev.dat"), "w").write("\n".join(dat) + "\n")
    md.append("")
    b = [float(m["build_ms_median"]) for m in mag if m["n"] == "1000" and m["m"] == "65537"]
    row("target", "Maglev build N=1000 M=65537", f"{b[0]:.3f}" if b else "", "ms", "<= 1.5",
        check(b[0] if b else None, 1.5, False))
    dm = [float(m["moved_pct"]) for m in mag if m["n"] == "100" and m["m"] == "65537"]
    row("target", "Maglev disruption removing 1 of 100", f"{dm[0]:.2f}" if dm else "", "%", "<= 1.6",
        check(dm[0] if dm else None, 1.6, False))
fo = read_csv("failover.csv")
if fo:
    us = [int(x["publish_us"]) for x in fo]
    vis = [int(x["visible_ms"]) for x in fo]
    md += ["### Failed probe to new table live", "",
           f"{fo[0]['backends']} backends, M = {fo[0]['table_size']}, TCP probes every 100 ms, fall = 1; "
           f"{len(fo)} backends killed one at a time.", "",
           "| victim | probe verdict → table live (µs) | kill → visible on the control socket (ms) |", "|---|---:|---:|"]
    md += [f"| {x['victim']} | {x['publish_us']} | {x['visible_ms']} |" for x in fo]
    md.append("")
    row("control", "failed probe -> new table live (median)", f"{statistics.median(us):.0f}", "us")
    row("control", "listener killed -> change visible (median)", f"{statistics.median(vis):.0f}", "ms")

# ---- 5. memory ------------------------------------------------------------------
mt = read_csv("memory_table.csv")
ms = read_csv("memory_sluiced.csv")
if mt or ms:
    md += ["## 5. Memory", ""]
if mt:
    md += ["| flows.entries | table MiB | bytes per entry | sizeof(struct sl_flow_entry) |", "|---:|---:|---:|---:|"]
    md += [f"| {m['entries']} | {int(m['table_bytes']) / 1048576:.1f} | {m['bytes_per_entry']} | {m['entry_struct_bytes']} |" for m in mt]
    md.append("")
    one_m = [m for m in mt if m["entries"] == "1048576"]
    if one_m:
        row("memory", "flow table bytes per entry (1M)", one_m[0]["bytes_per_entry"], "B")
if ms:
    md += ["sluiced, one worker lcore, net_null port, after start-up:", "",
           "| flows.entries | VmRSS MiB | hugepage MiB | 2 MiB pages |", "|---:|---:|---:|---:|"]
    md += [f"| {m['entries']} | {int(m['vmrss_kib']) / 1024:.1f} | {int(m['hugetlb_kib']) / 1024:.1f} | {m['hugepages_used']} |" for m in ms]
    md.append("")
    if len(ms) == 2:
        delta = (int(ms[1]["hugetlb_kib"]) + int(ms[1]["vmrss_kib"]) - int(ms[0]["hugetlb_kib"]) - int(ms[0]["vmrss_kib"])) / 1024
        row("memory", f"sluiced footprint growth {ms[0]['entries']} -> {ms[1]['entries']} entries", f"{delta:.1f}", "MiB")
        row("memory", f"sluiced hugepages at {ms[1]['entries']} entries", f"{int(ms[1]['hugetlb_kib']) / 1024:.1f}", "MiB")

# ---- targets and the unified CSV -----------------------------------------------
md += ["## Targets (printed, never asserted)", "", "| target | measured | unit | goal | verdict |", "|---|---:|---|---|---|"]
md += [f"| {r['item']} | {r['value']} | {r['unit']} | {r['target']} | {r['verdict']} |" for r in out_rows if r["section"] == "target"]
md.append("")
if os.path.exists(path("load.txt")):
    md += ["Load average (1/5/15 min) at each section start: " + "; ".join(open(path("load.txt")).read().split("\n")).strip("; "), ""]
for f in failures:
    md.append(f"**FAILED CHECK:** {f}")
with open(path("results.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=["section", "item", "value", "unit", "target", "verdict"])
    w.writeheader()
    w.writerows(out_rows)
open(path("results.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
for f in failures:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
