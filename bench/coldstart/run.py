#!/usr/bin/env python3
"""Cold start of every api/ binary: spawn -> first authenticated 200, beside the Node anchors.

The method of the shared harness (../shared/bench/coldstart/run_bench.py beside the project root):
each round spawns every variant once, in an order rotated by one per round and per mode, as a fresh
process on a fresh free port; the driver tries connect() every --poll-ms, sends one GET with
`Connection: close` once connected and reads the whole answer, until the first 200; then it reads
VmHWM from /proc/PID/status and SIGKILLs. Modes free, pin0 (the child on CPU 0 by inherited
affinity, the driver on CPU 1) and cold (the function's own files evicted from the page cache with
posix_fadvise(DONTNEED) before each spawn); --warmup untimed spawns per variant and mode first;
ratios per round against node-mods, reported as their median and nearest-rank p90.

What differs from the shared driver's `--extra`: our functions refuse its short JWT_SECRET and its
made-up user, and check the session in the database. So this driver starts the local stack
(studio-local: stand-ins over a real PostgreSQL), registers, verifies and logs in a user, and gives
each binary only the environment a deployed function gets (`studio-local function-env URL`) and a
real request: the first 200 includes a round trip through the PostgREST stand-in to PostgreSQL,
where Node's anchor only verifies its JWT. The Node anchors are the shared harness's own variants
(imported from it by path) with its environment, token and path; without --node only ours run.

usage: python3 bench/coldstart/run.py [--rounds 30] [--modes free,pin0,cold] [--node [--work DIR]] [--only A,B]
         [--bin-dir target/release] [--local target/release/studio-local] [--results DIR]
       python3 bench/coldstart/run.py --stack URL --function-env FILE ...   (a stack already running)
Build first: cargo build --release --locked -p studio-api --bins -p studio-local. Standard library only.
"""
import argparse, json, os, signal, socket, subprocess, sys, tempfile, time

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import anchors  # noqa: E402
from report import summarize  # noqa: E402
from stack import ROOT, Session, Stack, free_port, raw_get  # noqa: E402

# (binary, request target as the deployed function receives it after vercel.json's rewrites, credential)
FUNCTIONS = [
    ("generate", "/api/generate?_path=quota", "session"),
    ("gallery", "/api/gallery", "session"),
    ("templates", "/api/templates", "session"),
    ("auth", "/api/auth?_path=profile", "session"),
    ("cron-reset", "/api/cron/reset", "cron"),
]


def shown(value):
    """A path inside the project as written from its root (results are committed), anything else as is."""
    if isinstance(value, str) and os.path.isabs(value) and value.startswith(ROOT + os.sep):
        return os.path.relpath(value, ROOT)
    return value


def our_variants(bin_dir, function_env, session, stack_port):
    out = []
    for name, path, credential in FUNCTIONS:
        exe = os.path.abspath(os.path.join(bin_dir, name))
        if not os.path.exists(exe):
            sys.exit(f"{exe} is missing: cargo build --release --locked -p studio-api --bins")
        bearer = session.token if credential == "session" else lambda: function_env["CRON_SECRET"]
        out.append(dict(label=name, argv=[exe], port_env="VERCEL_DEV_PORT", env=dict(function_env),
                        path=path, bearer=bearer, files=[exe], size=os.path.getsize(exe), expect=None,
                        stack_port=stack_port))
    return out


def fresh_requests(vs):
    """Our requests with a current access token (anchors keep the shared driver's fixed one)."""
    for v in vs:
        if "bearer" in v:
            v["request"] = raw_get(v["path"], v["bearer"]())


def evict(files):
    for f in files:
        fd = os.open(f, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def proc_status(pid):
    vals = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmHWM:", "VmRSS:", "Threads:")):
                    k, v = line.split(":", 1)
                    vals[k] = int(v.split()[0])
    except OSError:
        pass
    return vals


def http_get(port, payload, timeout):
    """One attempt: None if nothing listens yet, else (connect_ns, status, body)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        try:
            s.connect(("127.0.0.1", port))
        except (ConnectionRefusedError, ConnectionResetError):
            return None
        t_conn = time.perf_counter_ns()
        s.sendall(payload)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else 0
        return t_conn, status, data.split(b"\r\n\r\n", 1)[-1]


def one_spawn(v, pin, poll_s, limit_s=30.0):
    port = free_port()
    env = dict(v["env"], **{v["port_env"]: str(port)})
    if pin is not None:
        os.sched_setaffinity(0, {pin})
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(v["argv"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    if pin is not None:
        os.sched_setaffinity(0, set(range(os.cpu_count())) - {pin} or {pin})
    t_listen = None
    try:
        while True:
            r = http_get(port, v["request"], timeout=limit_s)
            now = time.perf_counter_ns()
            if r is not None and t_listen is None:
                t_listen = r[0]
            if r is not None and r[1] == 200:
                st = proc_status(p.pid)
                if v["expect"] and json.loads(r[2]).get("variant") != v["expect"]:
                    raise RuntimeError(f"{v['argv']}: answered as another variant: {r[2][:200]!r}")
                return {"listen_ms": (t_listen - t0) / 1e6, "first_ms": (now - t0) / 1e6,
                        "hwm_kb": st.get("VmHWM"), "rss_kb": st.get("VmRSS"), "threads": st.get("Threads")}
            if r is not None:
                raise RuntimeError(f"{v['label']}: status {r[1]} body {r[2][:300]!r}")
            if p.poll() is not None:
                raise RuntimeError(f"{v['label']} exited with {p.returncode} before answering")
            if (now - t0) / 1e9 > limit_s:
                raise RuntimeError(f"{v['label']}: no answer in {limit_s} s")
            time.sleep(poll_s)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait()
        os.sched_setaffinity(0, set(range(os.cpu_count())))


def stack_time(v):
    """The same request served by the stack's own, warm handlers in-process, on a new connection: what
    the first 200 contains of stand-in and database work, not of the binary's start."""
    t0 = time.perf_counter_ns()
    r = http_get(v["stack_port"], v["request"], timeout=30)
    if r is None or r[1] != 200:
        raise RuntimeError(f"the stack answered {v['label']}'s request with {r and r[1]}")
    return (time.perf_counter_ns() - t0) / 1e6


def measure(vs, modes, rounds, warmup, poll_s, raw):
    pins = {"free": None, "pin0": 0, "cold": None}
    fresh_requests(vs)
    for mode in modes:  # warm the page cache and the loader's caches; also checks every variant's 200
        for v in vs:
            for _ in range(warmup):
                one_spawn(v, pins[mode], poll_s)
    rows, started = [], time.time()
    for rnd in range(rounds):
        fresh_requests(vs)
        for mode in modes:
            k = (rnd + modes.index(mode)) % len(vs)
            for v in vs[k:] + vs[:k]:
                if mode == "cold":
                    evict(v["files"])
                rec = dict(one_spawn(v, pins[mode], poll_s), round=rnd, mode=mode, variant=v["label"])
                if v.get("stack_port"):
                    rec["stack_ms"] = stack_time(v)
                rows.append(rec)
                raw.write(json.dumps(rec) + "\n")
                raw.flush()
        print(f"round {rnd + 1}/{rounds} done ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
    return rows


def loads(triple):
    return ", ".join(f"{x:.2f}" for x in triple)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--modes", default="free,pin0,cold")
    ap.add_argument("--poll-ms", type=float, default=0.25)
    ap.add_argument("--warmup", type=int, default=2, help="untimed spawns per variant and mode first")
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, "target", "release"), help="where the api/ binaries are")
    ap.add_argument("--local", default=os.path.join(ROOT, "target", "release", "studio-local"))
    ap.add_argument("--stack", help="base URL of a stack already running (then --function-env is needed)")
    ap.add_argument("--function-env", help="file of NAME=VALUE lines for the binaries (with --stack)")
    ap.add_argument("--only", default="", help="comma list of variant labels to run (e.g. cron-reset,node-mods)")
    ap.add_argument("--node", action="store_true", help="add the shared harness's Node 24 anchors")
    ap.add_argument("--work", help="scratch folder for Node and its packages (kept; reused when given again)")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "coldstart", "results", "latest"))
    a = ap.parse_args()
    modes = [m for m in a.modes.split(",") if m]
    if not set(modes) <= {"free", "pin0", "cold"}:
        ap.error("modes are free, pin0, cold")

    stack = None
    if a.stack:
        if not a.function_env:
            ap.error("--stack needs --function-env")
        url = a.stack.rstrip("/")
        with open(a.function_env) as f:
            function_env = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    else:
        if not os.path.exists(a.local):
            sys.exit(f"{a.local} is missing: cargo build --release --locked -p studio-local")
        stack = Stack(a.local)
        url, function_env = stack.url, stack.function_env()
    try:
        vs = our_variants(a.bin_dir, function_env, Session(url), int(url.rsplit(":", 1)[1]))
        info = {}
        if a.node:
            work = os.path.abspath(a.work or tempfile.mkdtemp(prefix="studio-coldstart-"))
            print(f"Node scratch folder: {work}", file=sys.stderr)
            anchors.prepare_node(work)
            harness = anchors.load_harness()
            vs += anchors.node_variants(harness, work)
            info = harness.env_info(work, ["24"])
        if a.only:
            vs = [v for v in vs if v["label"] in a.only.split(",")]
        os.makedirs(a.results, exist_ok=True)
        load_before, started = os.getloadavg(), time.time()
        with open(os.path.join(a.results, "raw.jsonl"), "w") as raw:
            rows = measure(vs, modes, a.rounds, a.warmup, a.poll_ms / 1000, raw)
    finally:
        if stack:
            stack.stop()
    sizes = {v["label"]: v["size"] for v in vs}
    summary, table = summarize(rows, sizes)
    meta = {"args": {k: shown(v) for k, v in vars(a).items() if k not in ("work", "results")}, "env": info,
            "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
            "seconds": round(time.time() - started), "sizes": sizes, "summary": summary}
    with open(os.path.join(a.results, "summary.json"), "w") as f:
        json.dump(meta, f, indent=1)
    with open(os.path.join(a.results, "summary.md"), "w") as f:
        f.write(f"# api/ cold start ({a.rounds} rounds, poll {a.poll_ms} ms)\n\nenv: {json.dumps(info)}\n"
                f"load average (1, 5, 15 min) before / after: {loads(load_before)} / {loads(meta['loadavg_after'])}\n{table}")
    print(table)


if __name__ == "__main__":
    main()
