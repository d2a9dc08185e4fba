"""Each format at ingest's 200 MiB cap, read as the indexer reads it: peak RSS of the indexer,
the extraction process and both together, and seconds. Prints JSON.

    python bench/big_formats.py [--formats html,csv,jsonl,json,zip,mbox,eml] [--out DIR]

The files are made from big_file.py's text (the bench corpus's documents, 230 MB made once),
each worst case: one emoji in the first line, so the text needs 4 bytes a character as a str
(838 MB for 209 M characters). html: each line a paragraph (big_file.make_html); csv: a row a
line, the line quoted; jsonl: {"id", "text"} a line; json: one array of those; zip: one text
member of 200 MB; mbox: messages of 40 lines; eml: one message with a 140 MB text attachment.
What comes after reading (NER, storing, resolution, the re-scan, the full-text write) depends
only on the text: big_file.py measures it (--html for the page).

Measured here (2 shared cores, load 2-3, 2026-12-02; peak MB of both processes summed,
sampled every 50 ms; the extraction process capped at 1,024 MB, replaced past 128 MB):
  before (863ecdb, 2,048 MB cap): html failed, "needed more memory than the cap" (1,846 MB)
  after:  html 1,036 (extraction 439), 85 s   csv 810 (538), 46 s   jsonl 914 (526), 133 s
          json 911 (539), 52 s   zip of one 200 MB text 1,021 (714), 19 s
          mbox 560 (538), 142 s: its first 10,000 messages (the cap on children)
          eml with a 140 MB attachment: failed at the cap in 5 s (412); it needs 1,676 MB
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

KIND = {"html": "html", "csv": "csv", "jsonl": "json", "json": "json", "zip": "zip",
        "mbox": "mbox", "eml": "eml"}

# run as a child: read one file as the indexer does, sample both processes' RSS
READ = r"""
import json, sys, threading, time
from pathlib import Path
import psutil
from casework.index.ingest.read import Reader
from casework.index.ingest.walk import Candidate
path, kind = Path(sys.argv[1]), sys.argv[2]
me, peak, stop = psutil.Process(), {"tree": 0, "parent": 0, "child": 0}, threading.Event()
def sample():
    while not stop.wait(0.05):
        own, kids = me.memory_info().rss, 0
        for c in me.children(recursive=True):
            try:
                kids += c.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        peak["tree"] = max(peak["tree"], own + kids)
        peak["parent"] = max(peak["parent"], own)
        peak["child"] = max(peak["child"], kids)
threading.Thread(target=sample, daemon=True).start()
started = time.perf_counter()
with Reader() as reader:
    got = reader.read(Candidate(path, path.parent, path.name, kind))
    seconds = time.perf_counter() - started
    time.sleep(0.3)
    left = sum(c.memory_info().rss for c in me.children(recursive=True))
stop.set()
print(json.dumps({
    "file_mb": round(path.stat().st_size / 1e6, 1), "seconds": round(seconds, 1),
    "documents": len(got.sources), "characters": sum(len(s.text) for s in got.sources),
    "failed": [f.error for f in got.failed][:3], "skipped": [s.reason for s in got.skipped][:3],
    "peak_tree_mb": peak["tree"] >> 20, "peak_indexer_mb": peak["parent"] >> 20,
    "peak_extraction_mb": peak["child"] >> 20, "extraction_left_mb": left >> 20}))
"""


def _lines(text_file: Path):
    with text_file.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            yield i, ("\U0001F4F0 " if i == 0 else "") + line.rstrip("\n")


def _text_bytes(text_file: Path, limit: int) -> bytes:
    data = bytearray()
    for _, line in _lines(text_file):
        piece = line.encode() + b"\n"
        if len(data) + len(piece) > limit:
            break
        data += piece
    return bytes(data)


def make(fmt: str, text_file: Path, out: Path) -> Path:
    import big_file

    path = out / f"big.{fmt}"
    if fmt == "html":
        return big_file.make_html(text_file)
    if path.exists():
        return path
    if fmt == "csv":
        return big_file.write_capped(path, b"id,text,flag\n", (
            f'{i},"{line.replace(chr(34), chr(34) * 2)}",x\n'.encode()
            for i, line in _lines(text_file)))
    if fmt == "jsonl":
        return big_file.write_capped(path, b"", (
            json.dumps({"id": i, "text": line}, ensure_ascii=False).encode() + b"\n"
            for i, line in _lines(text_file)))
    if fmt == "json":
        return big_file.write_capped(path, b"[", (
            (b",\n" if i else b"") + json.dumps({"id": i, "text": line}, ensure_ascii=False).encode()
            for i, line in _lines(text_file)), b"]")
    if fmt == "zip":
        import zipfile

        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("inside/big.txt", _text_bytes(text_file, 200 * 2**20 - 1000))
        return path
    if fmt == "mbox":
        def messages():
            batch: list[str] = []
            n = 0
            for _, line in _lines(text_file):
                batch.append(line)
                if len(batch) == 40:
                    n += 1
                    body = "\n".join(batch).replace("\nFrom ", "\n>From ")
                    yield (f"From s{n}@example.org Mon Mar  3 10:00:00 2025\n"
                           f"From: Sender {n} <s{n}@example.org>\nTo: desk@example.org\n"
                           f"Subject: Note {n}\nDate: Mon, 03 Mar 2025 10:00:00 -0600\n"
                           f"Message-ID: <m{n}@example.org>\n"
                           "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n\n").encode()
                    batch = []
        return big_file.write_capped(path, b"", messages())
    if fmt == "eml":
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "Ana <ana@example.org>", "desk@example.org", "Big"
        msg.set_content("See the attached transcript.")
        msg.add_attachment(_text_bytes(text_file, 140 * 1024 * 1024), maintype="text",
                           subtype="plain", filename="transcript.txt")
        path.write_bytes(msg.as_bytes())
        return path
    raise SystemExit(f"unknown format {fmt!r}")


def main() -> None:
    import big_file

    parser = argparse.ArgumentParser()
    parser.add_argument("--formats", default=",".join(KIND))
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    text_file = big_file.make_file(230, args.out)
    results = {}
    for fmt in args.formats.split(","):
        path = make(fmt, text_file, text_file.parent)
        done = subprocess.run([sys.executable, "-c", READ, str(path), KIND[fmt]],
                              capture_output=True, text=True, cwd=tempfile.gettempdir())
        lines = done.stdout.strip().splitlines()
        results[fmt] = json.loads(lines[-1]) if lines else {"error": done.stderr[-500:]}
        print(fmt, json.dumps(results[fmt]), file=sys.stderr)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
