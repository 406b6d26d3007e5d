"""Headless Chromium driven over the DevTools protocol on a pipe, for the report's browser test.

``--remote-debugging-pipe``: JSON messages on file descriptors 3 and 4, no
websocket library needed. :class:`DevTools` sends commands and collects events;
:data:`DOM_PROBE` is the script the test evaluates in the loaded page.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

def find_chromium() -> str | None:
    """The first Chromium (or Chrome) binary on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


_LAUNCHER = """
import fcntl, os, sys
high = [fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3]]
for target, fd in zip((3, 4), high):
    os.dup2(fd, target)
    os.set_inheritable(target, True)
os.execv(sys.argv[3], sys.argv[3:])
"""


class DevTools:
    """Headless Chromium driven over ``--remote-debugging-pipe`` (fd 3 in, fd 4 out)."""

    def __init__(self, binary: str, width: int = 1280, height: int = 1000):
        self.profile = tempfile.mkdtemp(prefix="skdeep-chromium-")
        self.log = open(os.path.join(self.profile, "stderr.log"), "w+b")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                 "--disable-extensions", "--hide-scrollbars", "--mute-audio", f"--window-size={width},{height}",
                 f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"]
        # The pipe protocol wants fd 3 (commands in) and fd 4 (replies out); a tiny Python
        # launcher moves the pipe ends there (via fds >= 10, so neither clobbers the other).
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(to_chrome_r), str(from_chrome_w), binary, *flags],
            pass_fds=(to_chrome_r, from_chrome_w), stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def stderr(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-3000:]

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        return self._next_id

    def wait_for(self, predicate, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if predicate(message):
                    return message
                self.events.append(message)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer from Chromium; its stderr:\n{self.stderr()}")
            ready, _, _ = select.select([self._from_chrome], [], [], min(remaining, 0.5))
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium closed the pipe; its stderr:\n{self.stderr()}")
                self._buffer += chunk

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        i = self.send(method, params, session)
        reply = self.wait_for(lambda m: m.get("id") == i)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def drain(self, seconds: float) -> None:
        try:
            self.wait_for(lambda m: False, timeout=seconds)
        except TimeoutError:
            pass

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.send("Browser.close")
                self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout=10)
        finally:
            for fd in (self._to_chrome, self._from_chrome):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)


DOM_PROBE = """JSON.stringify({
  title: document.title,
  h1: document.querySelector('h1') && document.querySelector('h1').textContent,
  images: [...document.images].map(i => ({ok: i.complete && i.naturalWidth > 0,
                                          w: i.getBoundingClientRect().width,
                                          h: i.getBoundingClientRect().height,
                                          data: i.currentSrc.startsWith('data:image/png;base64,')})),
  comparisonRows: document.querySelectorAll('table.comparison tbody tr').length,
  bestModel: (document.querySelector('table.comparison tr.best td:nth-child(2)') || {}).textContent,
  tables: document.querySelectorAll('table').length,
  sections: [...document.querySelectorAll('section h2')].map(h => h.textContent),
  bodyWidth: document.documentElement.scrollWidth,
  bodyHeight: document.documentElement.scrollHeight,
  viewport: window.innerWidth,
  resources: performance.getEntriesByType('resource').map(r => r.name.slice(0, 40)),
})"""
