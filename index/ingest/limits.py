"""Run extraction in a child process with a time limit, a memory cap and no right to write files.

One process is started on the first file that needs a parser (plain text never does) and kept
for the run; a file that overruns the time limit gets the process killed and a fresh one
started for the next file. The child's limits come from setrlimit: RLIMIT_AS (memory),
RLIMIT_FSIZE = 0 (any write to a file fails), RLIMIT_CORE = 0.
"""

from __future__ import annotations

import importlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from casework.index.ingest.shape import NotText


@dataclass(frozen=True)
class Limits:
    """Per-file limits on extraction."""

    timeout_s: float = 60.0
    # and this much more per MB of the file: a 200 MB mbox of small messages needs ~25 s here
    # (~840 messages/s, bench/extract_throughput.py) and more on a loaded machine
    seconds_per_mb: float = 2.0
    # address space of the extraction process: 66 MB with every parser imported, the rest is
    # for the file (up to 200 MB) and what its parser builds from it. 1,024 keeps the indexer
    # and this process together under 1.5 GB (issue 22); the streamed readers need at most
    # ~730 MB at the 200 MB cap (HTML 422, CSV 540, JSON 559, mbox 538, a zip of one 200 MB
    # text 727); the stdlib's e-mail parser needs ~8.5 times the message and passes it past
    # ~115 MB, listed as failed ("needed more memory than the cap")
    memory_mb: int = 1024
    # a process left holding more than this after a file (its heap does not shrink: 88-335 MB
    # after the streamed readers at the cap, 30-70 after ordinary files) is ended, and a fresh
    # one (~0.2 s) reads the next file
    keep_mb: int = 128

    def timeout_for(self, size: int) -> float:
        return self.timeout_s + self.seconds_per_mb * size / (1024 * 1024)


class ExtractionFailed(Exception):
    """The file could not be extracted within the limits, or the extractor crashed."""


class Sandbox:
    """A child process that runs ``module:function`` calls under ``limits``.

    The child is ``python -m casework.index.ingest.worker`` talking pickles over its stdin and
    stdout (multiprocessing's spawn would re-import the caller's ``__main__``, which breaks for
    a script read from stdin and re-runs one without a main guard).
    """

    def __init__(self, limits: Limits = Limits()):
        self.limits = limits
        self._proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def call(self, target: str, *args: Any, timeout_s: float | None = None) -> Any:
        """``target(*args)`` in the child; raises ExtractionFailed with a reason."""
        timeout_s = self.limits.timeout_s if timeout_s is None else timeout_s
        request = pickle.dumps((target, args), protocol=pickle.HIGHEST_PROTOCOL)
        for attempt in (1, 2):
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            try:
                _write_frame(self._proc.stdin, request)
                break
            except OSError:
                self._stop()  # died between calls: start again once
                if attempt == 2:
                    raise ExtractionFailed("the extraction process could not be started")
        deadline = time.monotonic() + timeout_s
        try:
            reply = _read_frame(self._proc.stdout.fileno(), deadline)
        except TimeoutError:
            self._stop()
            raise ExtractionFailed(f"took longer than the time limit ({timeout_s:.3g} s)")
        except EOFError:
            code = self._stop()
            raise ExtractionFailed(f"the extraction process died ({_exit_reason(code)})")
        status, value = pickle.loads(reply)
        del reply
        if _rss_mb(self._proc.pid) > self.limits.keep_mb:
            self._stop()
        if status == "ok":
            return value
        if status == "skip":
            raise NotText(value)
        raise ExtractionFailed(value)

    def _start(self) -> None:
        self._stop()
        env = dict(os.environ)
        # the same imports as this process (a test's module, a source checkout)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "casework.index.ingest.worker", str(self.limits.memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            close_fds=True,
        )
        self.starts += 1

    def _stop(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        code = proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        return code

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._proc.stdin.close()  # end of input: the child returns
                self._proc.wait(2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write_frame(fh: Any, data: bytes) -> None:
    fh.write(struct.pack("<Q", len(data)))
    fh.write(data)  # not header + data: that was a copy of a reply of up to 200 MB
    fh.flush()


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytearray:
    # read into one buffer: chunks joined at the end were the reply twice over
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        read = os.readv(fd, [view[got:got + min(n - got, 1 << 20)]])
        if not read:
            raise EOFError
        got += read
    view.release()
    return buf


def _read_frame(fd: int, deadline: float | None) -> bytearray:
    (size,) = struct.unpack("<Q", _read_exactly(fd, 8, deadline))
    return _read_exactly(fd, size, deadline)


def _rss_mb(pid: int) -> float:
    """A process's resident memory, where /proc tells it (0 elsewhere: never restarted)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "no exit code"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _limit_self(memory_mb: int) -> None:
    import resource

    cap = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails with EFBIG instead of killing
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def serve(memory_mb: int) -> None:
    """The child's loop: read a request, run it, write the reply; until stdin ends."""
    out = os.fdopen(os.dup(1), "wb")  # the reply channel; stdout itself goes to stderr, so a
    os.dup2(2, 1)  # library that prints cannot corrupt a reply
    stdin = sys.stdin.buffer.fileno()
    _limit_self(memory_mb)
    while True:
        try:
            request = _read_frame(stdin, None)
        except (EOFError, OSError, KeyboardInterrupt):
            return
        # the request, the result and the reply are let go before the next request comes:
        # kept, they held a long file's text twice while the indexer worked on it
        _write_frame(out, _answer(request, memory_mb))


def _answer(request: bytearray, memory_mb: int) -> bytes:
    target, args = pickle.loads(request)
    del request
    try:
        module, name = target.split(":")
        result: tuple[str, Any] = ("ok", getattr(importlib.import_module(module), name)(*args))
    except NotText as exc:
        result = ("skip", str(exc))
    except MemoryError:
        result = ("err", f"needed more memory than the cap ({memory_mb} MB)")
    except Exception as exc:
        from casework.index.ingest.extract import describe

        result = ("err", describe(exc))
    del args
    try:
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return pickle.dumps(("err", f"needed more memory than the cap ({memory_mb} MB)"))
    except Exception as exc:
        return pickle.dumps(("err", f"result could not be sent back ({exc})"))

