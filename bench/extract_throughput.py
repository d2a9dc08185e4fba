"""Extraction throughput per format on generated files, printed as one JSON object.

    python bench/extract_throughput.py [--files 60] [--paragraphs 30]

For each format, ``--files`` documents of ``--paragraphs`` paragraphs (sentences from the
bundled seeds) are written by tests/format_samples.py into a temp folder, then read twice:

* ``sandboxed``: through ``ingest.Reader``, as indexing reads them: the extraction process
  (time limit, memory cap) started before timing, one pickle round trip a file;
* ``in_process``: ``extract_tree`` called directly, the libraries' own speed.

Plain text and Markdown files on disk are read by the indexing process itself (no sandbox),
so their two figures differ only by noise.

MB/s is of the files' bytes on disk. Also printed: the extraction process's start-up time and
its memory after importing every parser, which is what the memory cap has to leave room for.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine  # noqa: E402

from casework.index import ingest  # noqa: E402
from casework.index.ingest.extract import extract_tree  # noqa: E402
from casework.index.ingest.limits import Sandbox  # noqa: E402
from casework.index.location import seed_paths  # noqa: E402
from tests import format_samples as S  # noqa: E402


def sentences() -> list[str]:
    out = []
    for path in seed_paths():
        for line in path.read_text(encoding="utf-8").splitlines():
            out += [s.strip() + "." for s in line.split(". ") if len(s.split()) > 5]
    return out


def paragraphs(pool: list[str], n: int, seed: int) -> list[str]:
    return [" ".join(pool[(seed * 7 + i * 3 + k) % len(pool)] for k in range(3)) for i in range(n)]


def html_of(paras: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<html><head><title>{paras[0][:40]}</title><script>var x=1;</script></head><body>"
            f"<nav>Home News</nav><article>{body}</article></body></html>").encode()


def makers(pool: list[str], n_paras: int):
    def para(i):
        return paragraphs(pool, n_paras, i)

    return {
        "pdf": (".pdf", lambda i: S.make_pdf(para(i))),
        "html": (".html", lambda i: html_of(para(i))),
        "docx": (".docx", lambda i: S.make_docx(para(i))),
        "odt": (".odt", lambda i: S.make_odt(para(i))),
        "pptx": (".pptx", lambda i: S.make_pptx([(p, p) for p in para(i)[:10]])),
        "xlsx": (".xlsx", lambda i: S.make_xlsx([[p[:60], j, p[60:120]] for j, p in
                                                  enumerate(para(i))])),
        "csv": (".csv", lambda i: "\n".join(f'"{p[:60]}",{j},"{p[60:120]}"' for j, p in
                                            enumerate(para(i))).encode()),
        "rtf": (".rtf", lambda i: S.make_rtf("\\par ".join(para(i)))),
        "eml": (".eml", lambda i: S.make_eml(body="\n\n".join(para(i)))),
        "eml+pdf": (".eml", lambda i: S.make_eml([("a.pdf", S.make_pdf(para(i)[:5]),
                                                   "application/pdf")], body=para(i)[0])),
        "mbox": (".mbox", lambda i: S.make_mbox(n_paras)),
        "zip": (".zip", lambda i: S.make_zip({f"m{j}.txt": p.encode() for j, p in
                                              enumerate(para(i))})),
        "tar.gz": (".tar.gz", lambda i: S.make_tar({f"m{j}.txt": p.encode() for j, p in
                                                     enumerate(para(i))})),
        "json": (".json", lambda i: json.dumps({"items": [{"text": p} for p in para(i)]}).encode()),
        "md": (".md", lambda i: ("# Title\n\n" + "\n\n".join(f"**{p}**" for p in para(i))).encode()),
        "txt": (".txt", lambda i: "\n\n".join(para(i)).encode()),
    }


def measure(files: list[Path], kind: str, reader: ingest.Reader) -> dict:
    cands = [c for f in files for c in ingest.scan([f]) if isinstance(c, ingest.Candidate)]
    size = sum(f.stat().st_size for f in files)
    started = time.perf_counter()
    docs = 0
    for cand in cands:
        got = reader.read(cand)
        assert not got.failed, got.failed
        docs += len(got.sources)
    sandboxed = time.perf_counter() - started
    started = time.perf_counter()
    for cand in cands:
        extract_tree(cand.path.read_bytes(), cand.path.name, cand.kind)
    in_process = time.perf_counter() - started
    return {
        "files": len(files), "documents": docs, "mb": round(size / 1e6, 2),
        "sandboxed": {"files_per_s": round(len(files) / sandboxed, 1),
                      "mb_per_s": round(size / 1e6 / sandboxed, 2)},
        "in_process": {"files_per_s": round(len(files) / in_process, 1),
                       "mb_per_s": round(size / 1e6 / in_process, 2)},
    }


def sandbox_facts() -> dict:
    with Sandbox() as box:
        started = time.perf_counter()
        box.call("builtins:len", "x")
        start_s = time.perf_counter() - started
        status = box.call("extract_throughput:proc_status")
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {"start_s": round(start_s, 3),
            "rss_mb_with_parsers": int(fields["VmRSS"].split()[0]) // 1024,
            "address_space_mb_with_parsers": int(fields["VmPeak"].split()[0]) // 1024}


def proc_status() -> str:
    """/proc/self/status of the process this runs in, every parser imported (called inside the
    extraction process)."""
    import importlib

    for module in ("pypdfium2", "pdfminer.high_level", "selectolax.lexbor", "python_calamine",
                   "striprtf.striprtf", "email.policy", "casework.index.ingest.extract"):
        importlib.import_module(module)
    return Path("/proc/self/status").read_text()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=60)
    ap.add_argument("--paragraphs", type=int, default=30)
    args = ap.parse_args()
    pool = sentences()
    out = {"machine": machine(), "files_per_format": args.files,
           "paragraphs_per_file": args.paragraphs, "formats": {}}
    with tempfile.TemporaryDirectory() as tmp, ingest.Reader() as reader:
        reader.read(next(c for c in ingest.scan([_one(Path(tmp), "warm.pdf", S.make_pdf())])
                         if isinstance(c, ingest.Candidate)))  # start the process untimed
        for name, (suffix, make) in makers(pool, args.paragraphs).items():
            folder = Path(tmp) / name
            folder.mkdir()
            files = [_one(folder, f"f{i}{suffix}", make(i)) for i in range(args.files)]
            out["formats"][name] = measure(files, name, reader)
    out["sandbox"] = sandbox_facts()
    print(json.dumps(out, indent=2))


def _one(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


if __name__ == "__main__":
    main()
