#!/usr/bin/env python3
"""Tables of a cold-start run (run.py's raw.jsonl): per mode and variant, spawn -> first 200 median,
nearest-rank p90 and min, VmHWM, and the per-round ratios to the Node anchors with the targets.

usage: python3 bench/coldstart/report.py results/NAME/raw.jsonl   (re-prints the tables)
Standard library only.
"""
import json, math, os, statistics, sys

BASELINE = "node-mods"
OTHER_ANCHORS = ("node-bundle", "node-min")
# Issue 9's targets against node-mods: time in modes free and pin0, peak memory in every mode.
TIME_TARGET, TIME_MODES, HWM_TARGET = 0.03, ("free", "pin0"), 0.1
MODE_ORDER = ("free", "pin0", "cold")


def nearest_rank(xs, q):
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def per_round_ratios(rows, variant, anchor, key):
    """variant / anchor within each round that has both (same round, same mode)."""
    base = {r["round"]: r[key] for r in rows if r["variant"] == anchor and r[key]}
    return [r[key] / base[r["round"]] for r in rows if r["variant"] == variant and r["round"] in base and r[key]]


def stats(rows, variant, size):
    vr = [r for r in rows if r["variant"] == variant]
    first = [r["first_ms"] for r in vr]
    hwm = [r["hwm_kb"] / 1024 for r in vr if r["hwm_kb"]]
    s = {"n": len(vr), "size_bytes": size, "first_median": statistics.median(first),
         "first_p90": nearest_rank(first, 0.9), "first_min": min(first),
         "listen_median": statistics.median(r["listen_ms"] for r in vr),
         "hwm_mb_median": statistics.median(hwm) if hwm else None, "ratio_vs": {},
         "stack_median": statistics.median(stack) if (stack := [r["stack_ms"] for r in vr if "stack_ms" in r]) else None}
    for anchor in (BASELINE,) + OTHER_ANCHORS:
        time_ratios = per_round_ratios(rows, variant, anchor, "first_ms")
        if time_ratios:
            hwm_ratios = per_round_ratios(rows, variant, anchor, "hwm_kb")
            s["ratio_vs"][anchor] = {"median": statistics.median(time_ratios), "p90": nearest_rank(time_ratios, 0.9),
                                     "hwm_median": statistics.median(hwm_ratios) if hwm_ratios else None}
    return s


def own_ratios(rows, per_variant):
    base = {r["round"]: r["first_ms"] for r in rows if r["variant"] == BASELINE}
    out = []
    for v in per_variant:
        rr = [(r["first_ms"] - r["stack_ms"]) / base[r["round"]] for r in rows
              if r["variant"] == v and "stack_ms" in r and r["round"] in base]
        if rr:
            per_variant[v]["own_ratio_median"] = statistics.median(rr)
            out.append(f"{v} {statistics.median(rr):.3f}")
    return out


def fmt(x, digits=3):
    return "–" if x is None else f"{x:.{digits}f}"


def summarize(rows, sizes):
    """(summary per mode and variant, markdown tables with a verdict per binary and target)."""
    modes = sorted({r["mode"] for r in rows}, key=lambda m: MODE_ORDER.index(m) if m in MODE_ORDER else 9)
    order = list(dict.fromkeys(r["variant"] for r in rows))
    summary, lines = {}, []
    for mode in modes:
        mr = [r for r in rows if r["mode"] == mode]
        lines += [f"\n### mode {mode} ({len({r['round'] for r in mr})} rounds)\n",
                  f"| variant | size MB | first 200 median ms | p90 | min | same request, warm stack, median ms "
                  f"| listen median ms | VmHWM MB "
                  f"| ratio vs {BASELINE} (median of per-round) | p90 of ratio | VmHWM ratio |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for v in order:
            if not any(r["variant"] == v for r in mr):
                continue
            s = summary.setdefault(mode, {})[v] = stats(mr, v, sizes.get(v))
            rb = s["ratio_vs"].get(BASELINE, {})
            size = f"{s['size_bytes'] / 1e6:.2f}" if s["size_bytes"] else "?"
            lines.append(f"| {v} | {size} | {s['first_median']:.2f} | {s['first_p90']:.2f} | {s['first_min']:.2f} "
                         f"| {fmt(s['stack_median'], 2)} "
                         f"| {s['listen_median']:.2f} | {fmt(s['hwm_mb_median'], 1)} | {fmt(rb.get('median'))} "
                         f"| {fmt(rb.get('p90'))} | {fmt(rb.get('hwm_median'))} |")
        own = own_ratios(mr, summary.get(mode, {}))
        if own:
            lines.append("\nfirst 200 minus the warm stack's time for the same request (the binary's own share), "
                         f"ratio vs {BASELINE} (median of per-round): " + ", ".join(own))
        for anchor in OTHER_ANCHORS:
            pairs = [f"{v} {s['ratio_vs'][anchor]['median']:.3f}" for v, s in summary.get(mode, {}).items()
                     if anchor in s["ratio_vs"] and v != anchor]
            if pairs:
                lines.append(f"\nratio vs {anchor} (median of per-round): " + ", ".join(pairs))
    lines += verdicts(summary)
    return summary, "\n".join(lines) + "\n"


def verdicts(summary):
    """One line per binary: the targets it meets and misses (only when node-mods ran)."""
    ours = [v for v in dict.fromkeys(v for m in summary.values() for v in m) if not v.startswith("node-")]
    out = []
    for v in ours:
        checks = []
        for mode, per in summary.items():
            r = per.get(v, {}).get("ratio_vs", {}).get(BASELINE)
            if not r:
                continue
            if mode in TIME_MODES:
                checks.append((f"{mode} {r['median']:.3f} ≤ {TIME_TARGET}", r["median"] <= TIME_TARGET))
            if r["hwm_median"] is not None:
                checks.append((f"VmHWM {mode} {r['hwm_median']:.3f} ≤ {HWM_TARGET}", r["hwm_median"] <= HWM_TARGET))
        if checks:
            out.append(f"- {v}: " + "; ".join(f"{text} {'met' if ok else 'MISSED'}" for text, ok in checks))
    return ["\n### targets vs node-mods\n"] + out if out else []


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    meta = os.path.join(os.path.dirname(sys.argv[1]), "summary.json")
    sizes = json.load(open(meta)).get("sizes", {}) if os.path.exists(meta) else {}
    print(summarize(rows, sizes)[1])


if __name__ == "__main__":
    main()
