"""ZIP and TAR archives, read in memory: members are never written to disk, so a member named
'../../etc/passwd' is only a name. Each member is read up to the member cap and the file's
remaining budget, so a zip bomb stops at the cap instead of filling memory."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
import zlib
from typing import IO, Iterator

from casework.index.ingest.shape import Budget, Child, Extracted, NotText

_CHUNK = 1024 * 1024


def read_capped(fh: IO[bytes], cap: int) -> bytes | None:
    """Up to ``cap`` bytes of ``fh``; None if there are more."""
    chunks, total = [], 0
    while True:
        chunk = fh.read(min(_CHUNK, cap + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > cap:
            return None


def _too_big(budget: Budget) -> str:
    caps = budget.caps
    if budget.left < caps.max_member_bytes:
        return (f"the file expands past {caps.max_expanded_bytes // (1024 * 1024)} MB in all: "
                "the rest is not read (zip bomb?)")
    return f"expands past {caps.max_member_bytes // (1024 * 1024)} MB (zip bomb?)"


def _listing(kind: str, names: list[str]) -> str:
    return f"{kind} of {len(names)} files:\n" + "\n".join(names)


def extract_zip(data: bytes, name: str, budget: Budget) -> Extracted:
    from casework.index.ingest.formats import extractor
    from casework.index.ingest.formats.office import office_kind

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ValueError(f"not a valid zip archive ({exc})") from None
    kind = office_kind(zf)
    if kind is not None:  # a .docx or .odt without its extension, found by sniffing
        return extractor(kind)(data, name, budget)
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if not infos:
        raise NotText("empty archive")
    return Extracted(text=_listing("ZIP archive", [i.filename for i in infos]), title=name,
                     content_type="application/zip", extractor="zipfile",
                     metadata={"members": str(len(infos))}, children=_zip_members(zf, infos, budget))


def _zip_members(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], budget: Budget
                 ) -> Iterator[Child]:
    for info in infos:
        if info.flag_bits & 0x1:
            yield Child(info.filename, skipped="encrypted member (needs a password)")
            continue
        cap = min(budget.caps.max_member_bytes, budget.left)
        try:
            with zf.open(info) as fh:
                data = read_capped(fh, cap)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError,
                OSError, ValueError) as exc:
            yield Child(info.filename, failed=f"unreadable member ({exc})")
            continue
        if data is None:
            yield Child(info.filename, skipped=_too_big(budget))
            continue
        budget.take(len(data))
        yield Child(info.filename, data)


def _decompressed(data: bytes, budget: Budget) -> bytes:
    """A compressed tar's bytes, decompressed in memory up to the budget (a .tar.gz bomb stops)."""
    opener = {b"\x1f\x8b": lambda f: gzip.GzipFile(fileobj=f), b"BZ": bz2.BZ2File,
              b"\xfd7": lzma.LZMAFile}.get(data[:2])
    if opener is None:
        return data
    cap = min(budget.left, budget.caps.max_expanded_bytes)
    try:
        with opener(io.BytesIO(data)) as fh:
            out = read_capped(fh, cap)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raise ValueError(f"corrupt compressed data ({exc})") from None
    if out is None:
        raise NotText(_too_big(budget))
    return out


def extract_tar(data: bytes, name: str, budget: Budget) -> Extracted:
    raw = _decompressed(data, budget)
    try:
        tf = tarfile.open(fileobj=io.BytesIO(raw), mode="r:")
        members = tf.getmembers()
    except tarfile.TarError as exc:
        if raw is not data:
            raise NotText("compressed file that is not a tar archive") from None
        raise ValueError(f"not a valid tar archive ({exc})") from None
    files = [m for m in members if not m.isdir()]
    if not files:
        raise NotText("empty archive")
    return Extracted(text=_listing("TAR archive", [m.name for m in files]), title=name,
                     content_type="application/x-tar", extractor="tarfile",
                     metadata={"members": str(len(files))}, children=_tar_members(tf, files, budget))


def _tar_members(tf: tarfile.TarFile, members: list[tarfile.TarInfo], budget: Budget
                 ) -> Iterator[Child]:
    for m in members:
        if m.issym() or m.islnk():
            yield Child(m.name, skipped=f"link inside an archive (to {m.linkname!r}; not followed)")
            continue
        if not m.isfile():
            yield Child(m.name, skipped="not a regular file inside the archive")
            continue
        cap = min(budget.caps.max_member_bytes, budget.left)
        if m.size > cap:
            yield Child(m.name, skipped=_too_big(budget))
            continue
        try:
            fh = tf.extractfile(m)
            data = read_capped(fh, cap) if fh is not None else b""
        except (tarfile.TarError, OSError, EOFError) as exc:
            yield Child(m.name, failed=f"unreadable member ({exc})")
            continue
        if data is None:
            yield Child(m.name, skipped=_too_big(budget))
            continue
        budget.take(len(data))
        yield Child(m.name, data)
