"""What runs on a Dask worker: the spaCy model, loaded once per worker, the extraction process,
and the two tasks (read files and annotate them; annotate texts).

Imported by :mod:`casework.index.cluster` only when a run uses a cluster, and by each worker
when it unpickles the plugin; so it may import ``distributed`` at the top.
"""

from __future__ import annotations

import threading

from distributed import WorkerPlugin, get_worker

from casework.index import ingest
from casework.index.models import Span


class ModelPlugin(WorkerPlugin):
    """Loads the model when a worker starts (or restarts after a crash), once per worker."""

    # registered again by the next run against the same cluster, it is not re-sent: workers
    # keep the model they loaded
    idempotent = True

    def __init__(self, model: str, chunk_chars: int):
        self.model = model
        self.chunk_chars = chunk_chars

    def setup(self, worker) -> None:
        from casework.index.nlp import SpacyAnnotator

        self.annotator = SpacyAnnotator(self.model, jobs=1, chunk_chars=self.chunk_chars)
        self.annotator.nlp  # load now, not in the first task
        # a worker started with several threads runs tasks side by side; one spaCy pipeline
        # per process, used by one thread at a time (a thread per worker process is faster)
        self.lock = threading.Lock()
        self.reader: ingest.Reader | None = None

    def reader_for(self, limits: ingest.Limits, caps: ingest.Caps) -> ingest.Reader:
        """The worker's reader, its extraction process kept between batches (a run's limits
        are the writer's; a run with other limits gets a fresh process)."""
        if self.reader is None or (self.reader.limits, self.reader.caps) != (limits, caps):
            if self.reader is not None:
                self.reader.close()
            self.reader = ingest.Reader(limits, caps)
        return self.reader

    def teardown(self, worker) -> None:
        if getattr(self, "reader", None) is not None:
            self.reader.close()


def annotate_batch(plugin: str, batch: list[tuple[str, str]]) -> tuple[str, list[tuple[str, list[Span]]]]:
    """The worker's model identity and ``(key, spans)`` for each ``(key, text)`` of a batch."""
    loaded: ModelPlugin = get_worker().plugins[plugin]
    with loaded.lock:
        return loaded.annotator.identity, list(loaded.annotator.annotate(batch))


def read_batch(
    plugin: str, limits: ingest.Limits, caps: ingest.Caps, whole_chars: int,
    batch: list[tuple[ingest.Loaded, str]],
) -> tuple[str, list[tuple[ingest.Read, list[Span] | None]]]:
    """Extract each file of a batch, as the writer's own reader would, and annotate the file's
    own document when the writer asked (its content hash is given: the writer found it in
    neither the cache nor the catalog) and it is short enough to go to NER whole.

    Returns the worker's model identity and, per file in order, its Read and the spans of its
    own document (None when not annotated here: the writer routes it as a local run would).
    What a file holds (attachments, members) comes back unannotated: their content hashes are
    known only now, and only the writer's cache can say whether they were annotated before.
    """
    loaded: ModelPlugin = get_worker().plugins[plugin]
    with loaded.lock:
        reader = loaded.reader_for(limits, caps)
        reads = [reader.read_loaded(item) for item, _ in batch]
        texts = []
        for i, ((_, wanted), read) in enumerate(zip(batch, reads)):
            own = read.sources[0] if read.sources else None
            if wanted and own is not None and not own.container and own.sha256 == wanted:
                text = ingest.ner_text(own)
                if len(text) <= whole_chars:
                    texts.append((str(i), text))
        spans = dict(loaded.annotator.annotate(texts))
        return loaded.annotator.identity, [(read, spans.get(str(i))) for i, read in enumerate(reads)]
