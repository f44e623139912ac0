#!/usr/bin/env python3
"""Side-by-side benchmark: studio::imaging::derivatives vs sharp's fastest form (raw-par, WebP).

Copies the shared harness (../shared/bench/thumbs beside the project root) to a temporary folder,
generates the 2048x2048 input there, installs sharp with `npm ci`, then per round and input runs
our `thumbs` binary and `node bench_sharp.mjs --variant raw-par --format webp`, alternating which
goes first. Each process does --warmup untimed and --iters timed requests and reports the CPU time
(user + system, all threads) of the timed ones; the CPU ratio is taken per round, and the medians
are printed as a markdown table with bytes and SSIM per size (the harness's quality.py) and peak RSS.

usage: python3 bench/thumbs/run.py [--rounds 5] [--iters 3] [--warmup 1] [--python PY]
       PY: a Python with numpy and Pillow (gen_inputs.py, quality.py), default /tmp/thumbs-venv/bin/python
Standard library only. Build first: cargo build --release -p studio-bench
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARNESS = os.path.join(os.path.dirname(ROOT), "shared", "bench", "thumbs")
THUMBS = os.path.join(ROOT, "target", "release", "thumbs")
INPUTS = ["sq1024", "land1344x768", "port768x1344", "sq2048"]

# bench_sharp.mjs reports wall time only; the copy also reports the process's CPU time per timed
# request (process.cpuUsage covers libvips' and libuv's threads). Each anchor must match once.
CPU_PATCH = [
    ("const totals = [], decs = [];", "const totals = [], decs = [];\nconst cpu0 = process.cpuUsage();"),
    ("const stem = path.basename", "const cpu = process.cpuUsage(cpu0);\nconst stem = path.basename"),
    ("rss_kb: +hwm,", "rss_kb: +hwm,\n  cpu_ms: (cpu.user + cpu.system) / 1000 / Math.max(1, args.iters),"),
]


def prepare(work, python):
    shutil.copytree(HARNESS, work, ignore=shutil.ignore_patterns("node_modules", ".venv", "results"))
    for root, dirs, files in os.walk(work):
        for name in dirs + files:
            os.chmod(os.path.join(root, name), 0o755 if name in dirs else 0o644)
    script = os.path.join(work, "node", "bench_sharp.mjs")
    text = open(script).read()
    for anchor, replacement in CPU_PATCH:
        if text.count(anchor) != 1:
            sys.exit(f"bench_sharp.mjs changed: anchor {anchor!r} not found exactly once")
        text = text.replace(anchor, replacement)
    open(script, "w").write(text)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=os.path.join(work, "node"), check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([python, "gen_inputs.py", "inputs"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=os.path.join(work, "inputs"), check=True)


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def commands(work, args, image):
    common = ["--iters", str(args.iters), "--warmup", str(args.warmup), image]
    sharp = ["node", os.path.join(work, "node", "bench_sharp.mjs"), "--variant", "raw-par", "--format", "webp"]
    return {"ours": [THUMBS] + common, "sharp": sharp + common}


def quality(work, python):
    """quality.py over one more run of each, writing the derivatives: {(cand, input, width): (bytes, ssim)}."""
    results = os.path.join(work, "results")
    for name in INPUTS:
        image = os.path.join(work, "inputs", name + ".png")
        for cand, cmd in commands(work, argparse.Namespace(iters=1, warmup=0), image).items():
            run_json(cmd + ["--out", os.path.join(results, "outputs", cand)])
    subprocess.run([python, "quality.py", "--results", results], cwd=work, check=True, stdout=subprocess.DEVNULL)
    rows = json.load(open(os.path.join(results, "quality.json")))
    return {(cand, r["input"], r["width"]): (r["bytes"], r["ssim"]) for cand, per in rows.items() for r in per}


def table(recs, q):
    lines = ["| input | sharp ms (CPU) | ours ms (CPU) | CPU ratio | bytes per size, sharp / ours | "
             "SSIM per size, sharp / ours | peak RSS MB, sharp / ours |", "|---|---|---|---|---|---|---|"]
    ratios = []
    for name in INPUTS:
        rounds = [r for r in recs if r["input"] == name]
        med = lambda cand, key: statistics.median(r[cand][key] for r in rounds)
        wall = lambda cand: statistics.median(t for r in rounds for t in r[cand]["total_ms"])
        ratio = statistics.median(r["ours"]["cpu_ms"] / r["sharp"]["cpu_ms"] for r in rounds)
        ratios.append(ratio)
        widths = sorted({w for (_, i, w) in q if i == name})
        size = "<br>".join(f"{w}: {q[('sharp', name, w)][0]} / {q[('ours', name, w)][0]}" for w in widths)
        ssim = "<br>".join(f"{w}: {q[('sharp', name, w)][1]:.4f} / {q[('ours', name, w)][1]:.4f}" for w in widths)
        rss = lambda cand: max(r[cand]["rss_kb"] for r in rounds) / 1024
        lines.append(f"| {name} | {wall('sharp'):.1f} ({med('sharp', 'cpu_ms'):.1f}) | "
                     f"{wall('ours'):.1f} ({med('ours', 'cpu_ms'):.1f}) | {ratio:.2f} | {size} | {ssim} | "
                     f"{rss('sharp'):.0f} / {rss('ours'):.0f} |")
    geomean = statistics.geometric_mean(ratios)
    return "\n".join(lines) + f"\n\nCPU ratio, geometric mean over the inputs: {geomean:.2f}\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--python", default="/tmp/thumbs-venv/bin/python")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (raw records, derivatives)")
    args = ap.parse_args()
    if not os.path.exists(THUMBS):
        sys.exit(f"{THUMBS} is missing: cargo build --release -p studio-bench")
    work = os.path.join(tempfile.mkdtemp(prefix="studio-bench-"), "thumbs")
    prepare(work, args.python)
    recs, started = [], time.time()
    for rnd in range(args.rounds):
        for k, name in enumerate(INPUTS):
            cmds = commands(work, args, os.path.join(work, "inputs", name + ".png"))
            order = ["ours", "sharp"] if (rnd + k) % 2 == 0 else ["sharp", "ours"]
            recs.append({"input": name, "round": rnd, **{cand: run_json(cmds[cand]) for cand in order}})
        print(f"round {rnd + 1}/{args.rounds} done, {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    with open(os.path.join(work, "raw.jsonl"), "w") as raw:
        raw.writelines(json.dumps(r) + "\n" for r in recs)
    print(table(recs, quality(work, args.python)))
    if args.keep:
        print(f"records and derivatives kept in {work}", file=sys.stderr)
    else:
        shutil.rmtree(os.path.dirname(work))


if __name__ == "__main__":
    main()
