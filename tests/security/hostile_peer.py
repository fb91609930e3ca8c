"""A destination that misbehaves on purpose, on a loopback port: what our outbound calls must survive.

``HostilePeer(mode)`` answers every request the way ``mode`` says and records what it received:

- ``redirect``: ``GET`` lookups find nothing; any ``POST`` gets a 307 to ``redirect_to`` (another local
  service), which a client following redirects would re-post the body to;
- ``drip-headers`` / ``drip-body``: the status line and headers, or the body after prompt headers, one byte
  every ``interval`` seconds (``drip_total`` bytes in all: far longer than any deadline);
- ``flood``: ``200`` and an endless body, 64 KiB at a time;
- ``reflect``: lookups find nothing; a ``POST`` gets a 400 whose body repeats the request's headers and body
  (credentials included), padded to ``pad`` bytes; except, with ``targets_ok``, creating a target (201) and,
  with ``token``, asking for an API token (200, that token). ``reflect-json``: a 401 with them as JSON
  ``detail``; ``huge-field-errors``: Hermes' validation, refusing a field with a ``pad``-character reason;
- ``liar``: claims to be one of ours with an id that is no UUID, and answers lookups with a "target id" that is
  a path, and bulk datums with counts it cannot have (``liar-counts``: finds target 7, then lies in counts);
- ``recorder``: a plain service that answers 201 ``{"id": 1}`` to anything (the redirect's target).

``sent`` counts the bytes written and ``cut_off`` is set when the client hung up before the answer was
complete; ``received`` lists ``(method, path, headers, body)``.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HostilePeer:
    def __init__(self, mode: str, *, redirect_to: str = "", interval: float = 0.25, drip_total: int = 400,
                 pad: int = 0, targets_ok: bool = False, token: str = ""):
        self.mode = mode
        self.redirect_to = redirect_to
        self.interval = interval
        self.drip_total = drip_total
        self.pad = pad
        self.targets_ok = targets_ok
        self.token = token
        self.received: list[tuple[str, str, dict, bytes]] = []
        self.sent = 0
        self.cut_off = threading.Event()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                peer.received.append((self.command, self.path, dict(self.headers), body))
                try:
                    getattr(peer, "_" + peer.mode.replace("-", "_"))(self, body)
                except (BrokenPipeError, ConnectionResetError):
                    peer.cut_off.set()

            do_GET = do_POST = do_PATCH = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "HostilePeer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # Answers

    def _write(self, handler, data: bytes) -> None:
        handler.wfile.write(data)
        handler.wfile.flush()
        self.sent += len(data)

    def _json(self, handler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        head = (f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n")
        self._write(handler, head.encode() + data)

    def _recorder(self, handler, body: bytes) -> None:
        self._json(handler, 201, {"id": 1, "note": "the recorder stored what it was sent"})

    def _redirect(self, handler, body: bytes) -> None:
        if handler.command == "GET":
            self._json(handler, 200, {"count": 0, "results": []})
            return
        head = f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {self.redirect_to}api/targets/\r\nContent-Length: 0\r\n\r\n"
        self._write(handler, head.encode())

    def _drip(self, handler, data: bytes) -> None:
        for byte in data[:self.drip_total]:
            self._write(handler, bytes([byte]))
            time.sleep(self.interval)

    def _drip_headers(self, handler, body: bytes) -> None:
        padding = "X-Padding: " + "p" * self.drip_total + "\r\n"
        self._drip(handler, f"HTTP/1.1 200 OK\r\n{padding}Content-Length: 2\r\n\r\n{{}}".encode())

    def _drip_body(self, handler, body: bytes) -> None:
        self._write(handler, f"HTTP/1.1 200 OK\r\nContent-Length: {self.drip_total}\r\n\r\n".encode())
        self._drip(handler, b"x" * self.drip_total)

    def _flood(self, handler, body: bytes) -> None:
        self._write(handler, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        chunk = b"x" * 65536
        while True:
            self._write(handler, chunk)

    def _reflect(self, handler, body: bytes) -> None:
        if handler.command == "GET":
            self._json(handler, 200, {"count": 0, "results": []})
            return
        if self.targets_ok and handler.path == "/api/targets/":
            self._json(handler, 201, {"id": 5})
            return
        if self.token and handler.path == "/api/token-auth/":
            self._json(handler, 200, {"token": self.token})
            return
        mirror = self._mirror(handler, body)
        data = (mirror + "-" * max(self.pad - len(mirror), 0)).encode()
        head = f"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {len(data)}\r\n\r\n"
        self._write(handler, head.encode() + data)

    def _reflect_json(self, handler, body: bytes) -> None:
        self._json(handler, 401, {"detail": self._mirror(handler, body)})

    @staticmethod
    def _mirror(handler, body: bytes) -> str:
        """The request's headers (credentials first: a short quote of the answer still holds them) and body."""
        headers = sorted(handler.headers.items(), key=lambda item: item[0].lower() != "authorization")
        return "".join(f"{k}: {v}\n" for k, v in headers) + body.decode("utf-8", "replace")

    def _huge_field_errors(self, handler, body: bytes) -> None:
        self._json(handler, 200, {"data": {"photometry": [{"telescope": ["x" * self.pad]}]}})

    def _liar(self, handler, body: bytes) -> None:
        if handler.path == "/api/":
            self._json(handler, 200, {"software": "tom", "id": "../../etc", "name": "x" * 10_000})
        elif handler.command == "GET":
            self._json(handler, 200, {"count": 1, "results": [{"id": "../../admin/"}, {"id": [1]}, "junk"]})
        else:
            self._json(handler, 201, {"id": {"nested": True}})

    def _liar_counts(self, handler, body: bytes) -> None:
        if handler.path == "/api/":
            self._json(handler, 200, {"software": "tom", "id": "not-a-uuid"})
        elif handler.command == "GET":
            self._json(handler, 200, {"count": 1, "results": [{"id": 7}]})
        elif handler.path.startswith("/api/reduceddatums/bulk/"):
            self._json(handler, 200, {"created": 2**40, "existing": -3, "rejected": "many", "errors": "not a list"})
        else:
            self._json(handler, 200, {"message": "ok"})
