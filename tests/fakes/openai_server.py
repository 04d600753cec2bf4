"""A fake OpenAI-compatible chat server on 127.0.0.1 for tests: real HTTP and SSE.

``POST /v1/chat/completions`` answers with the next scripted :class:`Scripted` reply,
streamed as ``chat.completion.chunk`` server-sent events ending in ``data: [DONE]``
(or as one ``chat.completion`` object when ``stream`` is false). A reply can be slow
(``delay``), fail with an HTTP status, break its stream (``malformed``) or end with a
``content_filter`` refusal. Every request body is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    content: str = ""
    delay: float = 0.0  # seconds before the first byte
    status: int = 200
    malformed: bool = False  # send half the text, then a broken chunk, and hang up
    finish_reason: str = "stop"


@dataclass
class FakeLLM:
    model: str = "fake-qwen"
    api_key: str = "test-key"
    script: list[Scripted] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                fake._handle(self, self.rfile.read(length))

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def reply(self, *replies: Scripted | str) -> None:
        self.script.extend(r if isinstance(r, Scripted) else Scripted(r) for r in replies)

    # -- protocol ---------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        if handler.path != "/v1/chat/completions":
            return _json(handler, 404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        if handler.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _json(handler, 401, {"error": {"message": "bad key", "type": "invalid_api_key"}})
        body = json.loads(raw)
        with self._lock:
            self.requests.append(body)
            scripted = self.script.pop(0) if self.script else Scripted("")
        time.sleep(scripted.delay)
        if scripted.status != 200:
            return _json(handler, scripted.status, {"error": {"message": "scripted failure", "type": "server_error"}})
        if not body.get("stream"):
            return _json(handler, 200, {
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                "model": self.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": scripted.content},
                             "finish_reason": scripted.finish_reason}],
            })
        self._stream(handler, scripted)

    def _stream(self, handler: BaseHTTPRequestHandler, scripted: Scripted) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Connection", "close")
        handler.end_headers()
        text = scripted.content
        pieces = [text[i : i + 4] for i in range(0, len(text), 4)]
        if scripted.malformed:
            pieces = pieces[: len(pieces) // 2]
        deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
        for delta in deltas:
            self._event(handler, {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        if scripted.malformed:
            handler.wfile.write(b'data: {"choices": [{"index": 0, "delta": {"content": "\xe5\x8a\n\n')
            handler.wfile.flush()
            handler.close_connection = True
            return
        self._event(handler, {"choices": [{"index": 0, "delta": {}, "finish_reason": scripted.finish_reason}]})
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()
        handler.close_connection = True

    def _event(self, handler: BaseHTTPRequestHandler, chunk: dict[str, Any]) -> None:
        chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                 "created": int(time.time()), "model": self.model, **chunk}
        handler.wfile.write(b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n")
        handler.wfile.flush()


def _json(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
