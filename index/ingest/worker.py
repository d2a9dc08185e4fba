"""The extraction process: ``python -m casework.index.ingest.worker MEMORY_MB`` (see limits.py)."""

import sys

from casework.index.ingest.limits import serve

if __name__ == "__main__":
    serve(int(sys.argv[1]))
