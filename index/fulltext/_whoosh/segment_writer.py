"""Whoosh's segment writer, with postings pooled by term instead of one by one.

Whoosh pools every posting as a tuple, spills sorted runs with one ``pickle.dump`` per posting,
merges them back with one ``pickle.load`` per posting, and then writes each posting through
three method calls that also read the document's field length from disk. For 2,000 news
articles that is ~790,000 postings and most of the write (profiled: pool, merge and per-posting
writes ~33 of 45 s). Here postings are grouped per term as they come (arrays of document
numbers and weights), runs are spilled and merged per term, and each posting list is cut into
Whoosh's blocks in bulk. A reader reads from them exactly what it reads from Whoosh's own
writer's files, and with no run spilled the files are byte for byte the same
(tests/test_segment_writer.py compares both), so readers, merges and rank.py are unchanged.
"""

from __future__ import annotations

import heapq
import pickle
from array import array
from operator import itemgetter

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from casework.index.fulltext._whoosh import postings_file

# a field length as Whoosh stores it (one byte, lossy) and reads it back
_LENGTH_OF_BYTE = [0] + [byte_to_length(b) for b in range(1, 256)]
# rough bytes held per pooled posting besides its value bytes (array slots, list slot, bytes
# object), and per term (key tuple, term bytes, three containers, dict slot); measured, a pool
# estimated at 60 MB held about 78
_POSTING_BYTES = 4 + 8 + 8 + 40
_TERM_BYTES = 400


class TermPool:
    """Postings grouped by ``(fieldname, term bytes)``; spills sorted runs past ``limitmb``.

    Stands in for whoosh.writing.PostingPool. A writer adds postings in ascending document
    order for every term (new documents, then merged readers after them), so a term's postings
    from later runs follow those of earlier ones and merging runs is concatenation.
    """

    def __init__(self, tempstore, limitmb: int = 128):
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        self.terms: dict[tuple[str, bytes], tuple[array, array, list]] = {}
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()

    def add(self, item) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        if docnum < 0:  # Whoosh's marker for spelling words; casework's schema has none
            return
        key = (fieldname, tbytes)
        postings = self.terms.get(key)
        if postings is None:
            postings = self.terms[key] = (array("I"), array("d"), [])
            self.fieldnames.add(fieldname)
            self.size += _TERM_BYTES + len(tbytes)
        postings[0].append(docnum)
        postings[1].append(weight)
        postings[2].append(vbytes or b"")
        self.size += _POSTING_BYTES + (len(vbytes) if vbytes else 0)
        if self.size > self.limit:
            self.save()

    def save(self) -> None:
        if not self.terms:
            return
        name = "%s.run" % random_name()
        # one whole pickle per term, read back with one pickle.load each: a long-lived
        # Unpickler keeps every object it loaded in its memo (20,000 articles: 860 MB a process)
        with self.tempstore.create_file(name).raw_file() as f:
            for key in sorted(self.terms):
                docs, weights, values = self.terms[key]
                pickle.dump((key, docs, weights, values), f, pickle.HIGHEST_PROTOCOL)
        self.runs.append(name)
        self.terms = {}
        self.size = 0

    def _read_run(self, name: str):
        with self.tempstore.open_file(name).raw_file() as f:
            while True:
                try:
                    yield pickle.load(f)
                except EOFError:
                    break
        self.tempstore.delete_file(name)

    def iter_terms(self):
        """``((fieldname, tbytes), docs, weights, values)`` in term order, each term once."""
        if not self.runs:
            for key in sorted(self.terms):
                docs, weights, values = self.terms[key]
                yield key, docs, weights, values
            return
        self.save()
        runs, self.runs = self.runs, []
        # heapq.merge is stable: for one term, earlier runs (lower document numbers) come first
        merged = heapq.merge(*(self._read_run(r) for r in runs), key=itemgetter(0))
        current = next(merged, None)
        for item in merged:
            if item[0] == current[0]:
                current[1].extend(item[1])
                current[2].extend(item[2])
                current[3].extend(item[3])
            else:
                yield current
                current = item
        if current is not None:
            yield current

    def cleanup(self) -> None:
        for name in self.runs:
            try:
                self.tempstore.delete_file(name)
            except OSError:
                pass
        self.runs = []
        self.terms = {}


def write_terms(fieldwriter, schema, pdr, terms, common: postings_file.Writer | None = None
                ) -> None:
    """What whoosh.codec.base.FieldWriter.add_postings does, a block at a time, not a posting.
    Common terms' postings and positions also go to ``common`` (postings_file.py)."""
    lastfield = None
    for (fieldname, tbytes), docs, weights, values in terms:
        if common is not None:
            common.add((fieldname, tbytes), docs, weights, values, schema[fieldname].format)
        if fieldname != lastfield:  # terms come sorted by field: each field starts once
            if lastfield is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            lastfield = fieldname
            fieldlength = _field_lengths(pdr, fieldname)
        fieldwriter.start_term(tbytes)
        pw = fieldwriter._postwriter
        limit = pw._blocklimit
        n = len(docs)
        for i in range(0, n, limit):
            ids = docs[i:i + limit]
            block_weights = weights[i:i + limit]
            pw._ids = ids
            pw._weights = array("f", block_weights)
            pw._values = [v for v in values[i:i + limit] if v]
            top = max(block_weights)
            pw._maxweight = top if top > 0 else 0
            present = [x for x in map(fieldlength.__getitem__, ids) if x]
            if present:
                pw._minlength, pw._maxlength = min(present), max(present)
            else:
                pw._minlength, pw._maxlength = None, 0
            if i + limit < n:
                pw._write_block()  # the last block is written by finish_term, marked last
        fieldwriter.finish_term()
    if lastfield is not None:
        fieldwriter.finish_field()


def _field_lengths(pdr, fieldname: str) -> list[int]:
    """Every document's length in ``fieldname`` as a reader sees it, indexed by docnum."""
    count = pdr.doc_count_all()
    reader = pdr._cached_reader("_%s_len" % fieldname, LENGTHS_COLUMN)
    if reader is None:
        return [0] * (count + 1)
    found = [_LENGTH_OF_BYTE[b] for b in reader.load()]
    return found + [0] * (count + 1 - len(found))


class FastSegmentWriter(SegmentWriter):
    """A SegmentWriter that pools and writes postings per term (see the module's docstring)."""

    def __init__(self, ix, limitmb: int = 128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb=limitmb)

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        try:
            with postings_file.Writer(self.storage, self.newsegment.segment_id(),
                                      pdr.doc_count_all()) as common:
                write_terms(self.fieldwriter, self.schema, pdr, self.pool.iter_terms(), common)
        finally:
            pdr.close()
        self.fieldwriter.close()


class _FastSubWriterTask(SubWriterTask):
    def run(self):
        # a forked child: rebinding the name Whoosh's task builds its writer from touches only it
        import whoosh.multiproc

        whoosh.multiproc.SegmentWriter = FastSegmentWriter
        super().run()


class FastMpWriter(MpWriter):
    """Whoosh's multi-process writer, for ``multisegment=True`` only: each process writes its
    own segment with FastSegmentWriter (merging their runs in the parent needs Whoosh's pool)."""

    def __init__(self, ix, procs: int, limitmb: int = 128, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb=limitmb)

    _flush_segment = FastSegmentWriter._flush_segment

    def _new_task(self):
        task = _FastSubWriterTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task
