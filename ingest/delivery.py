"""Whether the booth is still there to receive its answer.

A booth whose own timeout is shorter than the wait hangs up (closes its connection) and prints
the original photo; the answer it never reads used to be logged as ``ingest POST 200``. Under
gunicorn the request's client socket is in the WSGI environ (``gunicorn.socket``): a peek at it
tells a connection the booth closed (end of stream, or a reset) from one that is only quiet. A
booth never sends more after its request, so any other answer means it is still waiting.
"""

from __future__ import annotations

import select
import socket

from django.http import HttpRequest, HttpResponse

# The peer closed its end (Linux reports POLLRDHUP for a FIN), or the connection broke.
CLOSED_EVENTS = getattr(select, "POLLRDHUP", 0) | select.POLLHUP | select.POLLERR
# nginx's "client closed request": what the access log and the request log say for such a booth.
BOOTH_DISCONNECTED_STATUS = 499


def booth_hung_up(request: HttpRequest) -> bool:
    """True when the booth's connection is closed (only known under gunicorn; False elsewhere).

    A poll with no wait, not a read: the socket may have a timeout, and a read would wait it out."""
    sock = request.META.get("gunicorn.socket")
    if not isinstance(sock, socket.socket) or sock.fileno() < 0:
        return False
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN | CLOSED_EVENTS)
    events = sum(mask for _, mask in poller.poll(0))
    return bool(events & CLOSED_EVENTS)


def booth_disconnected_response(*, job_id: str) -> HttpResponse:
    """What is 'sent' to a booth that hung up: nothing it will read; the status says so in the logs."""
    response = HttpResponse(status=BOOTH_DISCONNECTED_STATUS, reason="Client Closed Request")
    response["X-Job-Id"] = job_id
    response["Cache-Control"] = "no-store"
    return response
