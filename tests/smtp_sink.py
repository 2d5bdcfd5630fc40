"""A real local SMTP server for tests: records each message's recipients and data.

``hold`` makes it keep back its answer to the end of the first message until the test
releases it: a sender is then provably in the middle of sending (used to make two
reminder runs overlap without guessing at timing).
"""
from __future__ import annotations

import socketserver
import threading
from contextlib import contextmanager


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept messages: records envelope recipients and the data."""

    def write(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.write("220 localhost test SMTP")
        recipients, data_mode, lines = [], False, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data_mode:
                if line == ".":
                    self.server.received(recipients, "\n".join(lines))
                    recipients, data_mode, lines = [], False, []
                    self.write("250 queued")
                else:
                    lines.append(line)
                continue
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.write("250 localhost")
            elif verb == "MAIL":
                self.write("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                self.write("250 ok")
            elif verb == "DATA":
                data_mode = True
                self.write("354 go ahead")
            elif verb == "QUIT":
                self.write("221 bye")
                return
            else:
                self.write("250 ok")


class SMTPSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, hold: bool = False):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list[dict] = []
        self.lock = threading.Condition()
        self.release = threading.Event()
        if not hold:
            self.release.set()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def received(self, recipients: list[str], data: str) -> None:
        with self.lock:
            self.messages.append({"to": recipients, "data": data})
            self.lock.notify_all()
        if not self.release.wait(timeout=60):
            raise RuntimeError("the test never released the held message")

    def wait_for_messages(self, count: int, timeout: float) -> bool:
        with self.lock:
            return self.lock.wait_for(lambda: len(self.messages) >= count, timeout=timeout)


@contextmanager
def smtp_sink(*, hold: bool = False):
    server = SMTPSink(hold=hold)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
