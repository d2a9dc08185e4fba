"""NER on a Dask cluster, behind the same Annotator protocol as local spaCy.

    build_index([folder], cluster="tcp://10.0.0.5:8786")   # a running scheduler
    build_index([folder], cluster="local:2")               # a LocalCluster of 2 processes

The indexer stays the single writer: it reads files, sends their texts here, and stores each
answer as it comes back. Texts go out in batches, a few per worker thread at a time, so memory
stays bounded however large the folder; answers come back in the order batches finish. Every
worker loads the model once (:class:`~casework.index.cluster_worker.ModelPlugin`, re-run by a
worker that restarts). A worker that dies mid-batch has its batch run again elsewhere by the
scheduler; a scheduler that goes away ends the run with one line, and the annotation cache
(by content hash and model identity, shared with local runs) makes the next run skip what is
done.

Dask is an optional extra (``pip install 'casework[cluster]'``) and is imported only when a
run has something to annotate, never on a read path.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import uuid
from collections import deque
from concurrent.futures import CancelledError
from contextlib import ExitStack, contextmanager
from typing import Callable, Iterable, Iterator

from casework.index import ingest
from casework.index.errors import CaseworkError
from casework.index.models import Span
from casework.index.nlp import CHUNK_CHARS, default_model, model_identity

INSTALL = "pip install 'casework[cluster]'"
# A batch is one task: big enough that a task's ~1 ms of scheduling is noise against ~1 s of
# NER, small enough that a dead worker costs little and a batch of long texts stays near the
# ~300 MB a process that spaCy needs for batches of 16-32 (FIELD-NOTES).
BATCH_DOCS = 16  # spaCy's own batch (nlp.BATCH_SIZE): one nlp.pipe batch per task
BATCH_CHARS = 200_000
# Batches sent ahead per worker thread: one running, one waiting, so a worker never idles
# while its answer travels back to the writer.
AHEAD_PER_THREAD = 2
# A run of files is cut into at least this many batches per worker thread (see read).
RUN_BATCHES_PER_THREAD = 8
CONNECT_TIMEOUT_S = 10
WORKERS_TIMEOUT_S = 60


def require_dask() -> None:
    """Raise the one-line install hint when the cluster extra is missing (imports nothing)."""
    if any(importlib.util.find_spec(name) is None for name in ("dask", "distributed")):
        raise CaseworkError(f"running NER on a Dask cluster needs Dask: {INSTALL}")


def parse_cluster(cluster: str) -> tuple[str, int]:
    """``("local", N)`` for ``local:N`` (``local`` alone: one worker per core), else
    ``(address, 0)`` for a scheduler's address."""
    cluster = cluster.strip()
    if cluster == "local" or cluster.startswith("local:"):
        count = cluster.partition(":")[2] or str(os.cpu_count() or 1)
        if not count.isdigit() or int(count) < 1:
            raise CaseworkError(f"bad cluster {cluster!r}: use local:N (N workers) or tcp://HOST:PORT")
        return "local", int(count)
    if not cluster:
        raise CaseworkError("empty cluster address: use local:N or tcp://HOST:PORT")
    return cluster, 0


# Dask's housekeeping, for the dashboard and diagnostics a local cluster has none of: each
# process checks its event loop every 20 ms, samples its system every 500 ms, the worker
# profiles its running task every 10 ms and the nanny reads the worker's memory every 100 ms.
# An idle LocalCluster of one worker burnt 0.031 CPU seconds a second, 0.007 with these; on a
# loaded machine that CPU is wall time (bench/cluster_throughput.py). A remote cluster's
# workers take their own settings (docs/scale-out.md).
LOCAL_QUIET = {
    "distributed.worker.multiprocessing-method": "forkserver",
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.tick.cycle": "5s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "500ms",
    # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, so glibc hands freed memory back
    # at once; spaCy frees and takes it again every batch: 0.47 s of system time per 60 news
    # articles against 0.17 s without (~10% of the worker's CPU). Local spaCy runs without it.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}

FORKSERVER_PRELOAD = ["distributed", "spacy", "casework.index.cluster_worker"]


def start_local_cluster(workers: int):
    """A LocalCluster of ``workers`` processes with one thread each (spaCy holds the GIL), no
    dashboard, Dask's own logging quiet."""
    import multiprocessing
    import warnings

    import dask
    import distributed
    from distributed.utils import get_mp_context

    with warnings.catch_warnings(), dask.config.set(LOCAL_QUIET):
        # Workers fork from one server process that has imported Dask and spaCy once, instead
        # of each starting a fresh interpreter and importing both (~1 CPU second a worker,
        # several seconds of wall time on a loaded machine). Dask sets the server's preload
        # list on first use; ours replaces it before the server starts.
        get_mp_context()
        multiprocessing.get_context("forkserver").set_forkserver_preload(FORKSERVER_PRELOAD)
        # its HTTP server falls back to a free port when 8787 is taken (another cluster on
        # this machine) and warns on stderr: nothing for the reader to act on
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)


class DaskAnnotator:
    """Runs extraction and :class:`~casework.index.nlp.SpacyAnnotator` on Dask workers, a
    batch per task.

    ``identity`` is the local annotator's: the same model and pipeline give the same spans,
    so the cache serves local and cluster runs alike. A worker whose installed model differs
    is refused. ``read`` sends files (their bytes) to be extracted and annotated; ``annotate``
    sends texts. Inside ``session()`` both share one client (and one local cluster).
    """

    def __init__(
        self,
        cluster: str,
        model: str | None = None,
        batch_docs: int | None = None,
        batch_chars: int | None = None,
        chunk_chars: int = CHUNK_CHARS,
    ):
        require_dask()
        self.address, self.local_workers = parse_cluster(cluster)
        self.model = model or default_model()
        self.identity = model_identity(self.model)
        self.batch_docs = max(1, batch_docs or BATCH_DOCS)
        self.batch_chars = batch_chars or BATCH_CHARS
        self.chunk_chars = chunk_chars
        self.answered = 0  # documents annotated and sent back, for the lines that say so
        self._depth = 0
        self._open: ExitStack | None = None
        self._connected: tuple | None = None  # (distributed, client, plugin name)

    @contextmanager
    def session(self) -> Iterator["DaskAnnotator"]:
        """Keep one client for everything inside; it connects (or starts the local cluster)
        on first use only, so a run with nothing to read starts nothing."""
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            if self._depth == 0 and self._open is not None:
                opened, self._open, self._connected = self._open, None, None
                opened.close()

    def _connect(self):
        if self._connected is None:
            import dask
            import distributed

            from casework.index import cluster_worker

            opened = ExitStack()
            try:
                client = opened.enter_context(self._client(distributed))
                # a batch of files travels in its task, so the scheduler can run it again on
                # another worker if one dies; Dask warns about graphs over 10 MB
                opened.enter_context(dask.config.set(
                    {"distributed.admin.large-graph-warning-threshold": "1GB"}))
                plugin = f"casework-ner:{self.identity}:{self.chunk_chars}"
                try:
                    client.register_plugin(
                        cluster_worker.ModelPlugin(self.model, self.chunk_chars), name=plugin
                    )
                except Exception as exc:  # the model is missing or broken on a worker
                    raise CaseworkError(f"Dask workers cannot load model {self.model!r}: "
                                        f"{_one_line(exc)}") from None
            except BaseException:
                opened.close()
                raise
            self._open, self._connected = opened, (distributed, client, plugin)
        return self._connected

    def annotate(self, items: Iterable[tuple[str, str]]) -> Iterator[tuple[str, list[Span]]]:
        """Yield ``(key, spans)`` for each ``(key, text)`` in the order the batches finish."""
        from casework.index import cluster_worker

        with self.session():
            distributed, client, plugin = self._connect()
            ahead = AHEAD_PER_THREAD * max(1, sum(client.nthreads().values()))
            batches = self._batches(items)
            sent: dict[str, list[tuple[str, str]]] = {}
            running = distributed.as_completed(loop=client.loop)

            def send_next() -> None:
                batch = next(batches, None)
                if batch is not None:
                    future = client.submit(cluster_worker.annotate_batch, plugin, batch,
                                           key=f"casework-ner-{uuid.uuid4().hex}", pure=False)
                    sent[future.key] = batch
                    running.add(future)

            try:
                for _ in range(ahead):
                    send_next()
                for future in running:
                    batch = sent.pop(future.key)
                    identity, answers = self._result(
                        future, distributed, f"a batch of {len(batch)} documents (first: "
                        f"{batch[0][0]})")
                    future.release()
                    send_next()  # before the writer takes its turn, so workers keep busy
                    self._check(identity)
                    for key, spans in answers:
                        self.answered += 1
                        yield key, spans
            except (CancelledError, OSError, TimeoutError) as exc:
                raise self._lost(exc) from None

    def read(
        self,
        candidates: Iterable[ingest.Candidate],
        limits: ingest.Limits,
        caps: ingest.Caps,
        wanted: Callable[[str], bool],
        whole_chars: int,
        count: int = 0,
    ) -> Iterator[tuple[ingest.Candidate, ingest.Read, list[Span] | None]]:
        """Each candidate's Read, extracted on a worker under ``limits``, in the order given,
        with the spans of the file's own document when ``wanted(sha256)`` of its bytes said to
        annotate it and its NER text is at most ``whole_chars`` long (else None).

        The writer reads the bytes (workers need not see its disks) and answers files it
        cannot read, or skips by their stat, itself, as its own reader would. ``count``, the
        number of candidates if known, makes batches smaller for a small run.
        """
        from casework.index import cluster_worker

        with self.session():
            distributed, client, plugin = self._connect()
            threads = max(1, sum(client.nthreads().values()))
            ahead = AHEAD_PER_THREAD * threads
            # at least RUN_BATCHES_PER_THREAD batches a thread: the first answers come sooner
            # and the last batch is small, so the writer stores while workers annotate instead
            # of before and after them (120 news articles on one worker were 4 batches, now 8)
            per_batch = self.batch_docs
            if count:
                per_batch = max(1, min(per_batch, -(-count // (RUN_BATCHES_PER_THREAD * threads))))
            # batches in order: (future or None, [(candidate, Read decided here, or the
            # position of its file in the batch)]); finished ones wait for the head, up to a cap
            waiting: deque[tuple[object, list[tuple[ingest.Candidate, object]]]] = deque()
            finished: set[str] = set()
            running = distributed.as_completed(loop=client.loop)
            todo = iter(candidates)
            more = True

            def send_next() -> None:
                nonlocal more
                entries: list[tuple[ingest.Candidate, object]] = []
                payload: list[tuple[ingest.Loaded, str]] = []
                size = 0
                for cand in todo:
                    loaded = ingest.load(cand)
                    if isinstance(loaded, ingest.Read):
                        entries.append((cand, loaded))
                    else:
                        digest = hashlib.sha256(loaded.data).hexdigest()
                        entries.append((cand, len(payload)))
                        payload.append((loaded, digest if wanted(digest) else ""))
                        size += len(loaded.data)
                    if len(entries) >= per_batch or size >= self.batch_chars:
                        break
                else:
                    more = False
                future = None
                if payload:
                    future = client.submit(cluster_worker.read_batch, plugin, limits, caps,
                                           whole_chars, payload,
                                           key=f"casework-read-{uuid.uuid4().hex}", pure=False)
                    running.add(future)
                if entries:
                    waiting.append((future, entries))

            try:
                while waiting or more:
                    unfinished = sum(1 for f, _ in waiting if f is not None and f.key not in finished)
                    while more and unfinished < ahead and len(waiting) < 4 * ahead:
                        send_next()
                        unfinished += 1
                    if not waiting:
                        continue
                    future, entries = waiting[0]
                    if future is not None and future.key not in finished:
                        finished.add(next(running).key)  # some batch finished: send another
                        continue
                    waiting.popleft()
                    answers: list = []
                    if future is not None:
                        finished.discard(future.key)
                        identity, answers = self._result(
                            future, distributed, f"a batch of {len(entries)} files (first: "
                            f"{entries[0][0].display_path})")
                        future.release()
                        self._check(identity)
                    for cand, got in entries:
                        if isinstance(got, int):
                            read, spans = answers[got]
                            self.answered += spans is not None
                            yield cand, read, spans
                        else:
                            yield cand, got, None
            except (CancelledError, OSError, TimeoutError) as exc:
                raise self._lost(exc) from None

    def _check(self, identity: str) -> None:
        if identity != self.identity:
            raise CaseworkError(
                f"a Dask worker runs model {identity}, this index expects {self.identity}: "
                "install the same casework and model on every worker"
            )

    def _batches(self, items: Iterable[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
        batch: list[tuple[str, str]] = []
        chars = 0
        for key, text in items:
            batch.append((key, text))
            chars += len(text)
            if len(batch) >= self.batch_docs or chars >= self.batch_chars:
                yield batch
                batch, chars = [], 0
        if batch:
            yield batch

    def _result(self, future, distributed, what: str):
        try:
            return future.result()
        except distributed.KilledWorker:
            # the scheduler ran it on a fresh worker each time (allowed-failures, default 3)
            raise CaseworkError(
                f"{what} killed every Dask worker that ran it (out of memory?); the "
                f"{self.answered} annotated so far are cached: run the same command again to "
                "resume"
            ) from None
        except (CancelledError, OSError, TimeoutError):
            raise
        except Exception as exc:  # an error inside spaCy (or the reader) on the worker
            raise CaseworkError(f"{what} failed on a Dask worker: {_one_line(exc)}") from None

    def _lost(self, exc: BaseException) -> CaseworkError:
        # the client keeps trying to reconnect in the background and says it failed a few
        # seconds later, after this line has said so
        logging.getLogger("distributed.client").addFilter(_AFTER_THE_LOSS)
        where = "the local Dask cluster" if self.local_workers else f"the Dask scheduler at {self.address}"
        why = "connection lost" if isinstance(exc, CancelledError) else _one_line(exc)
        return CaseworkError(
            f"lost {where} ({why}); the {self.answered} documents annotated so far are cached: "
            "run the same command again to resume"
        )

    @contextmanager
    def _client(self, distributed):
        cluster = None
        quiet = logging.getLogger("distributed")
        level = quiet.level
        try:
            if self.local_workers:
                quiet.setLevel(logging.ERROR)  # a restarted worker is ours to report, not Dask's
                cluster = start_local_cluster(self.local_workers)
                address = cluster.scheduler_address
            else:
                address = self.address
            try:
                client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S,
                                            set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise CaseworkError(f"cannot reach the Dask scheduler at {address}: "
                                    f"{_one_line(exc)}") from None
            try:
                client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
            except (OSError, TimeoutError):
                client.close(timeout=CONNECT_TIMEOUT_S)
                raise CaseworkError(f"no Dask worker joined the scheduler at {address} within "
                                    f"{WORKERS_TIMEOUT_S} s") from None
            try:
                yield client
            finally:
                _close_quietly(client)
        finally:
            if cluster is not None:
                _close_quietly(cluster)
            quiet.setLevel(level)


class _AfterTheLoss(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to reconnect to scheduler")


_AFTER_THE_LOSS = _AfterTheLoss()


def _close_quietly(thing) -> None:
    """Close a client or cluster whose scheduler may already be gone; never mask the error."""
    try:
        thing.close(timeout=CONNECT_TIMEOUT_S)
    except Exception:
        pass


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
