"""casework's engine: ingest, annotate, store, search and cross-reference a folder of documents.

The public API is :func:`open_index` and the :class:`~casework.index.api.Casework` it returns,
with the records in :mod:`casework.index.models`. Importing this package never imports spaCy
or Textual: spaCy loads only when documents are annotated.
"""

from casework.index import whoosh_imports  # noqa: F401  (first: before anything imports whoosh)
from casework.index.api import Casework, build_index, build_seeds, index_exists, open_index
from casework.index.errors import CaseworkError, IndexBusy, IndexMissing, NotFound, QueryError
from casework.index.location import default_index_dir, resolve_index_dir

__all__ = [
    "Casework",
    "build_index",
    "build_seeds",
    "index_exists",
    "CaseworkError",
    "IndexBusy",
    "IndexMissing",
    "NotFound",
    "QueryError",
    "default_index_dir",
    "open_index",
    "resolve_index_dir",
]
