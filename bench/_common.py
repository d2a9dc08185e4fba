"""Helpers shared by the bench scripts: machine description, peak RSS of a process tree, timing."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil


def _command() -> list[str]:
    """``casework`` as a person runs it: the console script installed beside this Python (it
    imports the CLI directly; ``python -m`` first loads runpy, ~7 ms of a cold search), or
    ``python -m casework.tui.cli`` where there is none."""
    script = Path(sys.executable).with_name("casework")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "casework.tui.cli"]


CASEWORK = _command()

# ``casework`` in a fresh ``python -c`` process, with another checkout's engine (index/) when
# the environment names one (cli_env): a "before" measurement; it says on stderr, last,
# whether spaCy got imported along the way
CLI_WITH_ENGINE = """
import os, sys
if os.environ.get("BENCH_ENGINE"):
    sys.path.insert(0, os.environ["BENCH_DIR"])
    from big_file import _engine_from
    _engine_from(os.environ["BENCH_ENGINE"])
from casework.tui import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print("spacy" in sys.modules, file=sys.stderr)
"""


def cli_env(engine: str = "") -> dict[str, str]:
    """The environment CLI_WITH_ENGINE runs ``engine`` (a checkout's index/, or "": this
    one) in."""
    return {**os.environ, "BENCH_ENGINE": engine,
            "BENCH_DIR": str(Path(__file__).resolve().parent)}


def compile_bytecode() -> None:
    """Write casework's bytecode before timing a fresh process, as a wheel install does.

    An editable install writes it on first import, unless PYTHONDONTWRITEBYTECODE is set (as
    on our bench machine): then every process compiled the modules changed since the last
    write from source, ~40 ms of a cold ``casework search``.
    """
    import compileall

    import casework.index
    import casework.tui

    for package in (casework.index, casework.tui):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


class PeakRSS:
    """Samples the RSS of a process and all its children (spaCy's workers) until stopped.

    ``peak`` is the largest sum over the tree seen in one sample (the figure the benches
    report); ``at_peak`` is that sample per process and ``peaks`` each process's own largest,
    both keyed ``"root"`` or ``"child <pid>"``, so a bench can say where the peak comes from.
    """

    def __init__(self, pid: int, every: float = 0.1):
        self.pid, self.every, self.peak = pid, every, 0
        self.at_peak: dict[str, int] = {}
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            sample: dict[str, int] = {}
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for p in procs:
                try:
                    sample["root" if p.pid == self.pid else f"child {p.pid}"] = p.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            total = sum(sample.values())
            if total > self.peak:
                self.peak, self.at_peak = total, sample
            for name, rss in sample.items():
                self.peaks[name] = max(self.peaks.get(name, 0), rss)
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_measured(cmd: list[str], timeout: float | None = None, sampler: list | None = None,
                 **kw) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run ``cmd``; return (completed process, wall seconds, peak RSS bytes of its tree: the
    largest sum over the tree in one sample). ``sampler``, if given, receives the PeakRSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    rss = PeakRSS(proc.pid)
    if sampler is not None:
        sampler.append(rss)
    out, err = proc.communicate(timeout=timeout)
    wall = time.perf_counter() - started
    peak = rss.stop()
    done = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(map(str, cmd))} exited {proc.returncode}: {err[-2000:]}")
    return done, wall, peak


def mb(n: int) -> float:
    return round(n / 2**20, 1)


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
