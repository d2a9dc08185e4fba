"""spaCy annotation on the real model: offsets survive chunking of long texts."""

from __future__ import annotations

import pytest

from casework.index.location import seed_paths
from casework.index.nlp import _chunks


def test_chunks_cover_the_text_exactly_on_boundaries():
    text = ("A paragraph about Mexico.\n\n" * 50) + ("x" * 3000)
    pieces = list(_chunks(text, 500))
    assert "".join(chunk for _, chunk, _ in pieces) == text
    assert all(text[off : off + len(chunk)] == chunk for off, chunk, _ in pieces)
    assert [last for *_, last in pieces].count(True) == 1 and pieces[-1][2]
    assert all(len(chunk) <= 500 for _, chunk, _ in pieces)
    assert all(chunk.endswith("\n\n") for _, chunk, _ in pieces[:3])
    assert len(pieces[4][1]) == 500  # no boundary in a run of x: a hard cut


def test_long_text_is_chunked_and_offsets_point_into_the_whole_text(annotator):
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in seed_paths()) * 3
    whole = dict(annotator.annotate([("d", text)]))["d"]
    saved = annotator.chunk_chars
    annotator.chunk_chars = 1500
    try:
        chunked = dict(annotator.annotate([("d", text), ("e", "Claudia Sheinbaum spoke.")]))
    finally:
        annotator.chunk_chars = saved
    assert {s.label for s in chunked["e"]} == {"PERSON"}
    spans = chunked["d"]
    assert len(spans) > 100
    for s in spans:
        assert 0 <= s.sent_start <= s.start < s.end <= s.sent_end <= len(text)
    same = {(s.start, s.end, s.label) for s in spans} & {(s.start, s.end, s.label) for s in whole}
    # chunk edges may cut a sentence or two; everything else must land on the same characters
    assert len(same) >= 0.9 * len(whole)


@pytest.mark.parametrize("round_chunks", [1000, 7])
def test_two_processes_give_each_text_its_own_spans_in_order(annotator, round_chunks):
    """With --jobs 2 spaCy works in two processes; every answer still comes back under its
    own key, in the order given, chunks of a long text joined again; also when NER goes in
    rounds of a few texts (each its own memory zone and workers), a text's chunks split
    between rounds."""
    names = ["Claudia Sheinbaum", "Maria Lopez", "Nemesio Oseguera", "Angela Merkel"]
    long_text = "\n\n".join(p.read_text(encoding="utf-8") for p in seed_paths())
    items = [(f"k{i}", f"On Monday {names[i % 4]} spoke in Mexico City.") for i in range(40)]
    items.insert(17, ("long", long_text))
    saved = annotator.jobs, annotator.chunk_chars, annotator.round_chunks
    annotator.jobs, annotator.chunk_chars, annotator.round_chunks = 2, 1500, round_chunks
    try:
        answers = list(annotator.annotate(iter(items)))
    finally:
        annotator.jobs, annotator.chunk_chars, annotator.round_chunks = saved
    assert [key for key, _ in answers] == [key for key, _ in items]
    texts = dict(items)
    for i, (key, spans) in enumerate(answers):
        if key == "long":
            assert len(spans) > 50 and all(s.end <= len(long_text) for s in spans)
            assert len({s.start for s in spans}) == len(spans)
            continue
        people = [texts[key][s.start:s.end] for s in spans if s.label == "PERSON"]
        assert people == [names[int(key[1:]) % 4]], (key, people)
