#!/usr/bin/env python3
"""The local stack for the cold-start driver: studio-local on free ports, the environment a deployed
function gets against it, and a signed-in user's access token made through the API itself."""
import json, os, re, signal, socket, subprocess, sys, tempfile, time
import urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, body=None, token=None, timeout=30):
    """One JSON request to the stack: (status, parsed body)."""
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                 method="GET" if body is None else "POST")
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Stack:
    """studio-local on free ports (with its private PostgreSQL cluster), stopped with SIGTERM."""

    def __init__(self, local):
        self.local = local
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "DATABASE_URL")}
        env.update(PORT=str(port), STUDIO_DB_PORT=str(free_port()))
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([local], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        while True:
            try:
                if call(f"{self.url}/__outbox.json", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.log.seek(0)
                sys.exit(f"studio-local did not start:\n{self.log.read().decode(errors='replace')[-3000:]}")
            time.sleep(0.2)

    def function_env(self):
        out = subprocess.run([self.local, "function-env", self.url], check=True, capture_output=True, text=True)
        return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def raw_get(path, token):
    """The benchmark's one request: a GET with a bearer credential, the connection closed after it."""
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Connection: close\r\n\r\n").encode()


class Session:
    """A user registered, verified from the mail in the Resend stand-in's outbox, and logged in. Access
    tokens live 15 minutes, and a full run takes longer: `token()` logs in again after 5."""

    PASSWORD = "kopi-tubruk-pagi-hari"

    def __init__(self, url):
        self.url, self.email = url, f"coldstart-{time.time_ns()}@example.com"
        status, body = call(f"{url}/api/auth/register", {"email": self.email, "password": self.PASSWORD,
                                                          "name": "Cold Start"})
        if status != 202:
            sys.exit(f"register: {status} {body}")
        mail = next(m for m in call(f"{url}/__outbox.json")[1] if self.email in m["to"])
        token = re.search(r"token=([A-Za-z0-9_-]+)", mail.get("text") or "").group(1)
        status, body = call(f"{url}/api/auth/verify-email", {"token": token})
        if status != 200:
            sys.exit(f"verify-email: {status} {body}")
        self.access, self.at = None, 0.0

    def token(self):
        if time.time() - self.at > 300:
            status, body = call(f"{self.url}/api/auth/login",
                                {"email": self.email, "password": self.PASSWORD, "transport": "body"})
            if status != 200:
                sys.exit(f"login: {status} {body}")
            self.access, self.at = body["data"]["access_token"], time.time()
        return self.access
