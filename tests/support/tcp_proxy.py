"""A TCP forwarder to put between the stack and a dependency (PostgreSQL, S3): stopping it is an
outage that no other test run on this machine notices, and ``go_silent`` one that accepts
connections and never answers."""

from __future__ import annotations

import socket
import threading

from tests.support.stack import free_port


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._open: list[socket.socket] = []
        self._stopped = threading.Event()
        self._silent = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if self._stopped.is_set():  # accepted just as it was stopped: refuse it all the same
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self._silent.is_set():  # silent: what is sent is swallowed, nothing comes back
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def go_silent(self) -> None:
        """Keep accepting connections (open ones too) but never forward a byte either way."""
        self._silent.set()

    def stop(self) -> None:
        """Refuse new connections and cut the open ones."""
        self._stopped.set()
        try:  # close() alone does not wake the accept() blocked in the other thread
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._server.close()
        for sock in self._open:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
