"""A candidate file to its documents: plain text here, every other format in the sandbox."""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass, field

from casework.index.ingest import sniff
from casework.index.ingest.limits import ExtractionFailed, Limits, Sandbox
from casework.index.ingest.shape import Caps, NotText, Part
from casework.index.ingest.text import (MAX_FILE_BYTES, is_blank, read_source, source_from_bytes,
                                        title_for)
from casework.index.ingest.walk import Candidate, Skipped, Unreadable, display_path, doc_id_for
from casework.index.models import SourceFile

IPATH_SEP = "//"  # "<file>//<member>//<member>": never in a real path (they are normalised)


@dataclass
class Read:
    """What one candidate gave: documents, and the file or members skipped or failed."""

    sources: list[SourceFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failed: list[Unreadable] = field(default_factory=list)


class Reader:
    """Reads candidates; start once per run and close (the sandbox process is kept between files)."""

    def __init__(self, limits: Limits = Limits(), caps: Caps = Caps()):
        self.limits = limits
        self.caps = caps
        self._sandbox: Sandbox | None = None

    def read(self, cand: Candidate) -> Read:
        """Never raises for a bad file: what went wrong is in ``skipped`` / ``failed``."""
        shown = cand.display_path
        try:
            if cand.kind in ("text", "markdown"):
                return Read([read_source(cand)])
            return self._extract(cand)
        except NotText as exc:
            return Read(skipped=[Skipped(shown, str(exc))])
        except ExtractionFailed as exc:
            return Read(failed=[Unreadable(shown, str(exc))])
        except OSError as exc:
            return Read(failed=[Unreadable(shown, exc.strerror or str(exc))])

    def _extract(self, cand: Candidate) -> Read:
        kind, st = _checked(cand)
        if kind in ("text", "markdown"):
            return Read([read_source(cand)])
        parts = self._sandboxed().call(
            "casework.index.ingest.extract:extract_file", os.fsdecode(cand.path), kind, self.caps,
            True, timeout_s=self.limits.timeout_for(st.st_size),
        )
        return _documents(cand, parts, st.st_mtime)

    def read_loaded(self, loaded: "Loaded") -> Read:
        """What ``read`` gives for the file whose bytes ``load`` took: the same documents,
        skips and failures, under the same limits, on a machine that cannot see the file (a
        Dask worker, index/cluster_worker.py)."""
        cand, data = loaded.cand, loaded.data
        try:
            if loaded.kind in ("text", "markdown"):
                return Read([source_from_bytes(cand, data, loaded.mtime)])
            if len(data) > self.caps.max_member_bytes:  # as extract_file says it
                raise NotText(f"larger than {self.caps.max_member_bytes // (1024 * 1024)} MB")
            parts = self._sandboxed().call(
                "casework.index.ingest.extract:extract_tree", data,
                os.fsdecode(cand.path).rsplit("/", 1)[-1], loaded.kind, self.caps, True,
                timeout_s=self.limits.timeout_for(len(data)),
            )
            return _documents(cand, parts, loaded.mtime)
        except NotText as exc:
            return Read(skipped=[Skipped(cand.display_path, str(exc))])
        except ExtractionFailed as exc:
            return Read(failed=[Unreadable(cand.display_path, str(exc))])

    def _sandboxed(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = Sandbox(self.limits)
        return self._sandbox

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Loaded:
    """A candidate's bytes, read where the file is, for ``Reader.read_loaded`` elsewhere."""

    cand: Candidate
    kind: str  # sniffed when the walk could not tell
    data: bytes
    mtime: float


def load(cand: Candidate) -> Loaded | Read:
    """The file's bytes after the checks ``Reader.read`` makes before it reads them, or the
    Read that says why it is skipped or failed (the same words as ``read``)."""
    shown = cand.display_path
    try:
        kind, st = _checked(cand)
        with open(cand.path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        return Loaded(cand, kind, data, st.st_mtime)
    except NotText as exc:
        return Read(skipped=[Skipped(shown, str(exc))])
    except OSError as exc:
        return Read(failed=[Unreadable(shown, exc.strerror or str(exc))])


def _checked(cand: Candidate) -> tuple[str, os.stat_result]:
    """The candidate's kind (sniffed if the walk could not tell) and its stat, or NotText."""
    st = cand.path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise NotText("not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise NotText(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    kind = cand.kind
    if kind in ("text", "markdown"):
        return kind, st
    if st.st_size == 0:
        raise NotText("empty file")
    if kind == "unknown":
        kind, reason = sniff.kind_for_content(cand.path)
        if kind is None:
            raise NotText(reason)
        if kind == "unknown":
            open(cand.path, "rb").close()  # raises the OSError that stopped the sniff
            raise NotText("could not be read")
    return kind, st


def _documents(cand: Candidate, parts: list[Part], mtime: float) -> Read:
    out = Read()
    top = cand.display_path
    for part in parts:
        if part.extracted is not None:
            part.extracted.take_text()
        path = IPATH_SEP.join((top, *part.ipath))
        if part.failed:
            out.failed.append(Unreadable(path, part.failed))
            continue
        if part.skipped or part.extracted is None:
            out.skipped.append(Skipped(path, part.skipped or "no text"))
            continue
        ex = part.extracted
        if is_blank(ex.text):
            out.skipped.append(Skipped(path, "no text"))
            continue
        relpath = IPATH_SEP.join((cand.relpath, *part.ipath))
        name = part.ipath[-1] if part.ipath else cand.path.name
        metadata = {k: v for k, v in (("author", ex.author), ("created", ex.created),
                                      ("modified", ex.modified), ("extractor", ex.extractor))
                    if v}
        metadata.update(ex.metadata)
        if ex.email is not None:
            metadata["email"] = asdict(ex.email)
        out.sources.append(SourceFile(
            doc_id=doc_id_for(relpath),
            path=path,
            root=display_path(cand.root),
            relpath=relpath,
            title=(ex.title.strip() and " ".join(ex.title.split())[:120])
            or title_for(ex.text, name.rsplit("/", 1)[-1]),
            text=ex.text,
            size=part.size,
            mtime=mtime,
            sha256=part.sha256,
            encoding=ex.extractor or "extracted",
            parent=IPATH_SEP.join((top, *part.ipath[:-1])) if part.ipath else "",
            container=top if part.ipath else "",
            depth=part.depth,
            content_type=ex.content_type,
            metadata=metadata,
        ))
    return out
