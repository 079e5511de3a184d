"""A local HTTP server that answers like a vendor's documented API, for the connectors' tests.

A test registers handlers by method and path; each gets the request (path, query, headers,
parsed body) and returns (status, body[, headers]). Every request is recorded, so a test
can say what Waypoint sent (pages, tokens, retries). Only 127.0.0.1, never the network.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Seen:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    json: object = None
    form: dict = field(default_factory=dict)


class Vendor:
    def __init__(self):
        self.routes: dict[tuple[str, str], object] = {}
        self.seen: list[Seen] = []
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(
                    self.command,
                    parts.path,
                    {k: v[0] if len(v) == 1 else v for k, v in parse_qs(parts.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                if body and "json" in seen.headers.get("content-type", ""):
                    seen.json = json.loads(body)
                if body and "form-urlencoded" in seen.headers.get("content-type", ""):
                    seen.form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                vendor.seen.append(seen)
                handler = vendor.routes.get((self.command, parts.path)) or vendor.routes.get(
                    (self.command, "*")
                )
                if handler is None:
                    status, out, headers = 404, {"message": "Not Found"}, {}
                else:
                    answer = handler(seen)
                    status, out = answer[0], answer[1]
                    headers = answer[2] if len(answer) > 2 else {}
                data = out if isinstance(out, bytes) else json.dumps(out).encode()
                self.send_response(status)
                if "Content-Type" not in headers:
                    self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, method: str, path: str):
        def register(fn):
            self.routes[(method, path)] = fn
            return fn

        return register

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def vendor(settings):
    """A fake vendor on 127.0.0.1, which the outbound policy is told to allow."""
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    found = Vendor()
    yield found
    found.close()


def connect(kpi, kind: str, **values):
    """A source of ``kind`` for the KPI, saved as its page would."""
    from waypoint.connectors import services

    return services.source_save(
        workspace=kpi.workspace, kind=kind, values=values, kpi=kpi, actor=None
    )


def pull(source, sleep=None):
    """Pull once (waits recorded, not slept); the source as stored afterwards."""
    from waypoint.connectors import services

    slept = []
    done = services.pull(source, sleep=sleep or slept.append)
    source.refresh_from_db()
    source.slept = slept
    return done


def values(kpi) -> list:
    from waypoint.kpis.models import DataPoint

    return list(DataPoint.objects.filter(kpi=kpi).order_by("date").values_list("date", "value"))
