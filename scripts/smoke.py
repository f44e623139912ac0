#!/usr/bin/env python3
"""Smoke test of a running studio: a deployment (or `cargo run -p studio-local`) given its URL.

Checks, without an account and without changing anything: the app's files and their security
headers, the public API routes, that private routes refuse the anonymous with the error envelope,
the share page, and that the cron refuses a missing or wrong secret (and runs with the right one,
when given: a run only does the day's maintenance, which is safe at any time).

usage: python3 scripts/smoke.py https://your-app.vercel.app [--cron-secret SECRET] [--no-headers]
       --no-headers: skip the security headers vercel.json adds (the local dev server does not)
Standard library only. Exit status 0 when every check passes, 1 otherwise.
"""
import argparse, json, sys, urllib.error, urllib.request

SECURITY_HEADERS = {
    "strict-transport-security": "max-age=",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'self'",
}


def fetch(url, method="GET", headers=None, body=None):
    """(status, headers with lower-case names, body bytes), for every status."""
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as answer:
        return answer.code, {k.lower(): v for k, v in answer.headers.items()}, answer.read()


def envelope(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


class Checks:
    def __init__(self):
        self.failed = 0

    def expect(self, name, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""))
        self.failed += 0 if ok else 1


def app_files(base, checks, with_headers):
    for path, kind in [("/", "text/html"), ("/manifest.webmanifest", "json"), ("/sw.js", "javascript"),
                       ("/offline.html", "text/html")]:
        status, headers, _ = fetch(base + path)
        content_type = headers.get("content-type", "")
        checks.expect(f"GET {path} answers 200 {kind}", status == 200 and kind in content_type,
                      f"{status} {content_type}")
        if with_headers:
            missing = [name for name, value in SECURITY_HEADERS.items() if value not in headers.get(name, "")]
            checks.expect(f"GET {path} carries the security headers", not missing, f"missing or wrong: {missing}")


def public_api(base, checks):
    status, _, body = fetch(base + "/api/templates")
    data = (envelope(body) or {}).get("data")
    checks.expect("GET /api/templates lists templates", status == 200 and bool(data), f"{status} {body[:200]!r}")
    status, _, body = fetch(base + "/api/gallery/public?limit=1")
    answer = envelope(body) or {}
    checks.expect("GET /api/gallery/public answers a page", status == 200 and isinstance(answer.get("data"), list),
                  f"{status} {body[:200]!r}")
    status, headers, _ = fetch(base + "/s/not-a-real-share-link-token-000000")
    checks.expect("GET /s/{unknown token} is a 404 page", status == 404 and "text/html" in headers.get("content-type", ""),
                  f"{status}")


def private_api(base, checks):
    json_body = {"Content-Type": "application/json"}
    for method, path, body in [("GET", "/api/gallery", None), ("GET", "/api/auth/profile", None),
                               ("GET", "/api/generate/quota", None),
                               ("POST", "/api/generate", b'{"prompt": "smoke test"}')]:
        status, _, answer = fetch(base + path, method, json_body if body else None, body)
        code = ((envelope(answer) or {}).get("error") or {}).get("code")
        checks.expect(f"{method} {path} refuses the anonymous with 401 UNAUTHORIZED",
                      status == 401 and code == "UNAUTHORIZED", f"{status} {answer[:200]!r}")


def cron(base, checks, secret):
    url = base + "/api/cron/reset"
    for name, headers in [("no secret", {}), ("a wrong secret", {"Authorization": "Bearer wrong-secret-for-smoke"})]:
        status, _, _ = fetch(url, headers=headers)
        checks.expect(f"the cron refuses {name} with 401", status == 401, f"{status}")
    if secret:
        status, _, body = fetch(url, headers={"Authorization": f"Bearer {secret}"})
        answer = envelope(body) or {}
        checks.expect("the cron runs with the secret", status == 200 and answer.get("success") is True,
                      f"{status} {body[:300]!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--cron-secret")
    parser.add_argument("--no-headers", action="store_true")
    args = parser.parse_args()
    base, checks = args.url.rstrip("/"), Checks()
    app_files(base, checks, not args.no_headers)
    public_api(base, checks)
    private_api(base, checks)
    cron(base, checks, args.cron_secret)
    print(f"{checks.failed} failed" if checks.failed else "every check passed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
