"""Dashboard benchmark: a watched 1,000-node workflow. Prints figures, asserts nothing.

Starts `colonies server start` with its HTTP port, submits a workflow of N
nodes (LAYERS layers, each node depending on one node of the layer above),
opens its page in headless Chromium (Debian's, driven by Playwright), then
lets E executors work through it while the page watches, and measures:

  draw             time from navigation to the graph drawn
  stream           server-sent messages received (updates come batched, 250 ms)
  main thread      the page's worst delay of a 50 ms timer while updates arrive
  lag              from the last close to the page showing every node green

    python bench/dashboard.py [--nodes 1000] [--layers 20] [--executors 4]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like.client import Colonies
from pycolonies_like.core.errors import NoProcessAvailable
from pycolonies_like.signing import login_query
from server.testing import ServerProcess, bootstrap, free_port

CHROMIUM = os.environ.get("COLONIES_CHROMIUM", "/usr/bin/chromium")


def workflow(colonyname: str, executortype: str, nodes: int, layers: int) -> dict:
    width = max(nodes // layers, 1)
    specs = []
    for i in range(nodes):
        layer, pos = divmod(i, width)
        deps = [f"n{(layer - 1) * width + pos % width}"] if layer else []
        specs.append(
            {
                "nodename": f"n{i}",
                "funcname": "work",
                "conditions": {
                    "colonyname": colonyname,
                    "executortype": executortype,
                    "dependencies": deps,
                },
            }
        )
    return {"colonyname": colonyname, "functionspecs": specs}


def work(port: int, colonyname: str, key: str, stop: threading.Event) -> None:
    with Colonies("127.0.0.1", port) as client:
        while not stop.is_set():
            try:
                p = client.assign(colonyname, 1, key)
            except NoProcessAvailable:
                continue
            client.close(p.processid, [], key)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--layers", type=int, default=20)
    parser.add_argument("--executors", type=int, default=4)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    http_port = free_port()
    with (
        tempfile.TemporaryDirectory() as tmp,
        ServerProcess(tmp, args=["--http-port", str(http_port)]) as server,
    ):
        client = Colonies("127.0.0.1", server.port)
        keys = bootstrap(client, server.server_key, colonyname="bench", executors=args.executors)
        graph = client.submit_workflow(
            workflow("bench", keys.executortype, args.nodes, args.layers), keys.user_key
        )
        base = f"http://127.0.0.1:{http_port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"{base}/ui/login?{login_query(keys.user_key)}")
            page.wait_for_selector(".card")
            started = time.perf_counter()
            page.goto(f"{base}/ui/#/workflow/{graph.processgraphid}")
            page.wait_for_function(
                "n => document.querySelectorAll('#graph rect').length === n", arg=args.nodes
            )
            drawn = time.perf_counter() - started
            page.wait_for_timeout(300)  # the stream is open
            page.evaluate("""() => {
                window.benchLag = 0; window.benchMessages = 0;
                let last = performance.now();
                setInterval(() => {
                    const now = performance.now();
                    window.benchLag = Math.max(window.benchLag, now - last - 50);
                    last = now;
                }, 50);
                const es = live;  // the page's open stream
                es.addEventListener("message", () => { window.benchMessages += 1; });
            }""")
            stop = threading.Event()
            workers = [
                threading.Thread(target=work, args=(server.port, "bench", k, stop))
                for k in keys.executor_keys
            ]
            t0 = time.perf_counter()
            for w in workers:
                w.start()
            while client.get_processgraph(graph.processgraphid, keys.user_key).state != 2:
                time.sleep(0.05)
            finished = time.perf_counter()
            stop.set()
            page.wait_for_function(
                "n => document.querySelectorAll('#graph rect[data-state=\"2\"]').length === n",
                arg=args.nodes,
                timeout=60_000,
            )
            shown = time.perf_counter()
            lag = page.evaluate("window.benchLag")
            messages = page.evaluate("window.benchMessages")
            for w in workers:
                w.join()
            browser.close()
        client.close_channel()
    print(f"workflow: {args.nodes} nodes in {args.layers} layers, {args.executors} executors")
    print(f"draw                 {drawn * 1000:8.0f} ms")
    took = finished - t0
    print(f"run                  {took:8.1f} s  ({args.nodes / took:.0f} processes/s)")
    print(f"stream               {messages:8d} messages ({messages / (finished - t0):.1f}/s)")
    print(f"main thread          {lag:8.0f} ms worst timer delay while updating")
    print(f"lag                  {(shown - finished) * 1000:8.0f} ms from the end to all green")


if __name__ == "__main__":
    main()
