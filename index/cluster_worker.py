"""What runs on a Dask worker: the spaCy model, loaded once per worker, and the batch task.

Imported by :mod:`casework.index.cluster` only when a run uses a cluster, and by each worker
when it unpickles the plugin; so it may import ``distributed`` at the top.
"""

from __future__ import annotations

import threading

from distributed import WorkerPlugin, get_worker

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


def annotate_batch(plugin: str, batch: list[tuple[str, str]]) -> tuple[str, list[tuple[str, list[Span]]]]:
    """The worker's model identity and ``(key, spans)`` for each ``(key, text)`` of a batch."""
    loaded: ModelPlugin = get_worker().plugins[plugin]
    with loaded.lock:
        return loaded.annotator.identity, list(loaded.annotator.annotate(batch))
