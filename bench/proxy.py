"""A first visit through a compressing reverse proxy: nginx with the README's gzip lines.

Streamlit serves its static files (~9.5 MB of JavaScript, plotly 4.7 MB of it) uncompressed;
the README's deploying section compresses them at the reverse proxy. This measures what that
changes for a first visit (a fresh browser context: cold cache) to the Weekly review:

- the bytes the browser receives over HTTP (`encodedDataLength`: compressed size on the wire);
- navigation → the last websocket frame and → stable (as in bench/browser.py, and no HTTP
  request still on its way);

direct to the server and through nginx, on loopback and on an emulated office connection
(Chromium's network emulation: 10 Mbit/s down, 5 Mbit/s up, 40 ms latency: a busy
office Wi-Fi or 4G), where the bytes
are what a director waits for. nginx is Debian's (`apt install nginx-light`), run from a
temporary prefix with only what the deploying section shows (gzip, websocket upgrade, no
buffering). Medians and ranges; nothing is asserted.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.browser import ARGS, CHROMIUM, OBSERVER, QUIET_MS, Frames, _s, _stable, _summary, server
from bench.common import log, md_table
from bench.workbooks import sample_db

NGINX = os.environ.get("PULSE_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
# The README's lines (Deploying, "HTTPS in front"), without TLS: the same compression.
GZIP = """
    gzip on;
    gzip_comp_level 6;
    gzip_types text/css application/javascript application/json image/svg+xml;
"""
NETWORKS: dict[str, dict[str, Any] | None] = {
    "loopback": None,
    "10/5 Mbit/s, 40 ms": {"offline": False, "latency": 40, "downloadThroughput": 10e6 / 8,
                           "uploadThroughput": 5e6 / 8},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(listen: int, upstream: str) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
error_log stderr warn;
pid nginx.pid;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    {GZIP}
    server {{
        listen 127.0.0.1:{listen};
        location / {{
            proxy_pass {upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_buffering off;
        }}
        location /_stcore/stream {{
            proxy_pass {upstream}/_stcore/stream;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_read_timeout 86400;
            proxy_buffering off;
        }}
    }}
}}
"""


@contextmanager
def nginx(upstream: str) -> Iterator[str]:
    """nginx in front of upstream, from a temporary prefix → its URL, stopped on exit."""
    if not Path(NGINX).exists():
        raise RuntimeError(f"nginx not found at {NGINX}: apt install nginx-light (or set PULSE_NGINX)")
    prefix = Path(tempfile.mkdtemp(prefix="pulse-nginx-"))
    (prefix / "tmp").mkdir()
    port = _free_port()
    (prefix / "nginx.conf").write_text(_config(port, upstream), encoding="utf-8")
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", "nginx.conf", "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"nginx exited: {err}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(prefix, ignore_errors=True)


def _load(browser: Any, url: str, network: dict[str, Any] | None) -> dict[str, float]:
    """One cold-cache load of url: HTTP bytes on the wire, last frame, stable."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    ctx.add_init_script(OBSERVER)
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    if network:
        cdp.send("Network.emulateNetworkConditions", network)
    wire: dict[str, Any] = {"bytes": 0.0, "open": set(), "last": 0.0}

    def sent(e: dict[str, Any]) -> None:
        wire["open"].add(e["requestId"])

    def done(e: dict[str, Any]) -> None:
        wire["bytes"] += e.get("encodedDataLength", 0)
        wire["open"].discard(e["requestId"])
        wire["last"] = time.perf_counter()

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", done)
    cdp.on("Network.loadingFailed", done)
    frames = Frames(page)
    try:
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=180_000)
        # On a slow line the DOM may rest while plotly's chunk is still on its way: stable here
        # also waits for every HTTP request to finish, and counts from whichever came last.
        while True:
            dom = _stable(page, 0.0)
            calm = time.perf_counter() - wire["last"] >= QUIET_MS / 1000
            if not wire["open"] and calm:
                break
            page.wait_for_timeout(100)
        stable = max(dom, wire["last"] - t0)
        return {"last_frame_s": frames.last - t0, "stable_s": stable, "http_bytes": wire["bytes"]}
    finally:
        ctx.close()


def run(runs: int | None, quick: bool, profile: bool) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    runs = runs or (2 if quick else 5)
    rows, cases = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        with server(sample_db()) as direct, nginx(direct) as proxied:
            _load(browser, direct, None)  # the server's own first run: not timed
            for net_label, network in NETWORKS.items():
                for via, url in (("direct", direct), ("nginx gzip", proxied)):
                    log(f"proxy: {via} on {net_label}")
                    loads = [_load(browser, url, network) for _ in range(runs)]
                    frame = _summary([x["last_frame_s"] for x in loads])
                    stable = _summary([x["stable_s"] for x in loads])
                    mib = statistics.median(x["http_bytes"] for x in loads) / 2**20
                    cases.append({"case": f"{via}/{net_label}", "n": runs, "last_frame": frame, "stable": stable,
                                  "http_mib": mib})
                    rows.append([net_label, via, runs, f"{mib:.2f}", _s(frame), _s(stable)])
        browser.close()
    table = md_table(["network", "served", "n", "HTTP MiB on the wire", "navigation → last frame", "→ stable"], rows)
    return {"name": "proxy", "inputs": "the Weekly review on the sample, chromium 1920×1080, a fresh browser "
                                       "context (cold cache) per load; nginx with the README's gzip lines.",
            "cases": cases, "table": table}
