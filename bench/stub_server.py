"""The project's stand-in Gemini server (``tests.support.gemini_stub``) in a process of its own, so
its request handling neither shares a GIL with the measuring client nor skews its clock.

Prints ``READY <base_url>`` once listening, then reads commands on stdin, one a line, and answers
``OK`` to each (``totals`` first prints one line of JSON):

    ok <latency seconds> <width>x<height>   every request: wait, then answer an inverted photo of that size
    hang <seconds>                          every request: hold it that long (then answer ok)
    model <name> <behaviour JSON>           requests for that model (see ``behaviour``)
    totals                                  {"calls"|"disconnects"|"failures": {model: n}} since start

It serves until stdin closes. Requests are not kept (the stub records each body; a benchmark
sends thousands), only counted per model.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from tests.support.gemini_stub import Behaviour, GeminiStub, error, hang, mix, ok, storm

API_KEY = "bench-key"
# socketserver's default listen backlog is 5: with hundreds of workers calling at once, the
# connections past it would wait for SYN retransmits (1 s, 3 s, 7 s...) and be charged to us.
ThreadingHTTPServer.request_queue_size = 1024
OUTPUT_SIZE: list[tuple[int, int]] = [(64, 48)]


def behaviour(spec: dict[str, Any]) -> Behaviour:
    """``{"ok": 8}``, ``{"hang": 600}``, ``{"error": 503, "latency": 2}``,
    ``{"mix": [[0.85, {...}], [0.15, {...}]]}``, ``{"storm": {...}, "seconds": 180, "starting_in": 60,
    "otherwise": {...}}``."""
    if "ok" in spec:
        return ok(latency=float(spec["ok"]), output_size=OUTPUT_SIZE[0])
    if "hang" in spec:
        return ok(latency=float(spec["hang"]), output_size=OUTPUT_SIZE[0])
    if "error" in spec:
        return error(int(spec["error"]), latency=float(spec.get("latency", 0)))
    if "mix" in spec:
        return mix(*((float(share), behaviour(inner)) for share, inner in spec["mix"]))
    if "storm" in spec:
        return storm(
            behaviour(spec["storm"]),
            seconds=float(spec["seconds"]),
            starting_in=float(spec.get("starting_in", 0)),
            otherwise=behaviour(spec["otherwise"]) if "otherwise" in spec else None,
        )
    raise ValueError(f"unknown behaviour {spec!r}")


def _forget_requests(stub: GeminiStub, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        with stub._lock:
            stub.requests.clear()  # only the records; scripts, defaults and totals stay


def main() -> None:
    stub = GeminiStub(api_keys=[API_KEY]).start()
    stop = threading.Event()
    threading.Thread(target=_forget_requests, args=(stub, stop), daemon=True).start()
    print(f"READY {stub.base_url}", flush=True)
    try:
        for line in sys.stdin:
            words = line.split(maxsplit=2)
            if not words:
                continue
            try:
                if words[0] == "ok":
                    width, height = (int(v) for v in words[2].split("x"))
                    OUTPUT_SIZE[0] = (width, height)
                    stub.default = ok(latency=float(words[1]), output_size=(width, height))
                elif words[0] == "hang":
                    stub.default = hang(float(words[1]))
                elif words[0] == "model":
                    stub.set_model_default(words[1], behaviour(json.loads(words[2])))
                elif words[0] == "totals":
                    with stub._lock:
                        figures = {
                            "calls": stub.totals,
                            "disconnects": stub.disconnects,
                            "failures": stub.failures,
                            "failure_times": stub.failure_times,
                        }
                        print(json.dumps(figures), flush=True)
                else:
                    raise ValueError(f"unknown command {words[0]!r}")
            except (ValueError, KeyError, IndexError) as exc:
                print(f"ERROR {exc}", flush=True)
                continue
            print("OK", flush=True)
    finally:
        stop.set()
        stub.stop()


if __name__ == "__main__":
    main()
