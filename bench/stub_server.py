"""The project's stand-in Gemini server (``tests.support.gemini_stub``) in a process of its own, so
its request handling neither shares a GIL with the measuring client nor skews its clock.

Prints ``READY <base_url>`` once listening, then reads commands on stdin, one a line, and answers
``OK`` to each:

    ok <latency seconds> <width>x<height>   every request: wait, then answer an inverted photo of that size
    hang <seconds>                          every request: hold it that long (then answer ok)

It serves until stdin closes. Requests are not kept (the stub records each body; a benchmark
sends thousands).
"""

from __future__ import annotations

import sys
import threading
from http.server import ThreadingHTTPServer

from tests.support.gemini_stub import GeminiStub, hang, ok

API_KEY = "bench-key"
# socketserver's default listen backlog is 5: with hundreds of workers calling at once, the
# connections past it would wait for SYN retransmits (1 s, 3 s, 7 s...) and be charged to us.
ThreadingHTTPServer.request_queue_size = 1024


def _forget_requests(stub: GeminiStub, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        stub.reset()  # only the records and scripted queues; ``default`` stays


def main() -> None:
    stub = GeminiStub(api_keys=[API_KEY]).start()
    stop = threading.Event()
    threading.Thread(target=_forget_requests, args=(stub, stop), daemon=True).start()
    print(f"READY {stub.base_url}", flush=True)
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "ok":
                width, height = (int(v) for v in words[2].split("x"))
                stub.default = ok(latency=float(words[1]), output_size=(width, height))
            elif words[0] == "hang":
                stub.default = hang(float(words[1]))
            else:
                print(f"ERROR unknown command {words[0]!r}", flush=True)
                continue
            print("OK", flush=True)
    finally:
        stop.set()
        stub.stop()


if __name__ == "__main__":
    main()
