"""Starting the dev host as users run it: a real subprocess on a free port, from the sample app folder."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE_APP = Path(__file__).resolve().parent / "sample_app"
LISTENING = re.compile(r"listening on (http://[0-9.]+:\d+)")


class Host:
    def __init__(self, proc, output, url=None):
        self.proc, self.output, self.url = proc, output, url

    def text(self):
        return self.output.read_text(errors="replace")

    def log_records(self):
        records = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                records.append(json.loads(line))
        return records

    def stop(self, timeout=15, sig=signal.SIGINT):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_host(tmp_path, *args, env=None, wait=True, deadline=30):
    """Start ``python -m devhost`` from the sample app folder; return once it is listening."""
    output = tmp_path / f"devhost-{time.monotonic_ns()}.log"
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LOG_FORMAT", "PORT")}
    environment["PYTHONPATH"] = str(REPO)
    environment.update(env or {})
    with output.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devhost", "--port", "0", *args],
            cwd=SAMPLE_APP,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    host = Host(proc, output)
    if not wait:
        return host
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        found = LISTENING.search(host.text())
        if found:
            host.url = found.group(1)
            return host
        if proc.poll() is not None:
            raise AssertionError(f"dev host exited with {proc.returncode}:\n{host.text()}")
        time.sleep(0.05)
    host.stop()
    raise AssertionError(f"dev host did not start:\n{host.text()}")
