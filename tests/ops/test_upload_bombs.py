"""Decompression bombs uploaded as evidence through gunicorn: the worker's memory stays flat.

The probe that found it: a 919-byte ``report.pdf`` holding a bzip2 entry of 1 GiB took a
worker to 2.1 GB, a 1.5 MB deflate file to 3.1 GB. Here the bombs are built in the test
(bzip2 and deflate, named .pdf, .docx and .xlsx), uploaded over HTTP to a real gunicorn
worker, and the worker's peak resident memory (``VmHWM`` in /proc) is read before and after.
"""
from __future__ import annotations

import http.client
import re
import uuid
from pathlib import Path

import pytest

from benchmarks import load
from tests import bombs
from tests.bombs import BZIP2, DEFLATED, MiB

pytestmark = pytest.mark.slow

#: The bombs' sizes when decompressed: the old sniffer would have read each one whole.
SIZES = {DEFLATED: 1024 * MiB, BZIP2: 256 * MiB}
GROWTH_LIMIT_KB = 100 * 1024


def peak_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1))


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(client: load.Client, path: str, filename: str, data: bytes) -> tuple[int, str]:
    body, content_type = multipart({"csrf_token": client.csrf}, filename, data)
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={
            "Cookie": client.cookie, "Content-Type": content_type, "HX-Request": "true"})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_bombs_leave_the_workers_memory_flat_and_are_refused(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    db_url = f"sqlite:///{instance / 'bombs.db'}"
    plan = load.prepare(instance, db_url, with_certificate=False)
    audit = plan.audits[0]
    target = f"/audits/{audit['id']}/checklist/{audit['codes'][0]}/evidence"
    cases = [(method, ext, bombs.office_bomb(method, SIZES[method], ext))
             for method in (BZIP2, DEFLATED) for ext in (".pdf", ".docx", ".xlsx")]
    with load.gunicorn(instance, db_url, workers=1,
                       extra_env={"GUNICORN_MAX_REQUESTS": "0"}) as (port, proc):
        [worker] = worker_pids(proc.pid)
        client = load.Client(port)
        client.login(audit["members"][0])
        # Warm up with real documents: imports, caches and buffers of a normal upload.
        for name, data in (("Prüfbericht Göttingen.docx", bombs.docx()),
                           ("Satzung.odt", bombs.odt())):
            status, _html = upload(client, target, name, data)
            assert status == 200, _html
        baseline = peak_rss_kb(worker)
        for method, ext, data in cases:
            status, html = upload(client, target, f"Bericht-Müller{ext}", data)
            assert status == 422, (method, ext, status)
            assert "Der Inhalt passt nicht zum Dateityp" in html
        growth = peak_rss_kb(worker) - baseline
        assert worker_pids(proc.pid) == [worker], "the worker was replaced"
        client.close()
    assert growth < GROWTH_LIMIT_KB, f"worker grew by {growth // 1024} MB while sniffing bombs"
