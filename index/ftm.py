"""FollowTheMoney (Aleph's entity model) in and out, written and read as plain JSON.

Export: a case's documents, entities and mentions as FtM entities, one JSON object a line
(``{"id", "schema", "properties": {name: [values]}}``, what ``ftm`` and Aleph's importer
read): a ``PlainText`` document per document (``title``, ``fileName``, ``bodyText``,
``fileSize``, ``namesMentioned``/``peopleMentioned``/``companiesMentioned``/
``locationMentioned``, ``mentionedEntities``, the reader's tags as ``keywords``); a ``Person``, ``Organization``,
``Address`` or ``Event`` per entity (``name``, ``alias``); a ``Mention`` per entity and
document it appears in (``document``, ``resolved``, ``name``, ``detectedSchema``). Entities
of other labels (NORP, LAW, PRODUCT ...) have no FtM schema: they go as ``namesMentioned`` and
as ``Mention`` entities with only their names.

The followthemoney library (4.11) brings sqlalchemy, rdflib, networkx and pydantic with it,
so it is not a dependency: the schema and property names used here are few and stable; every
one was checked against followthemoney 4.11's model (``model.get_proxy`` of a whole export, no
unknown property), and tests/test_cases.py repeats that check where the library is installed.

Import: an entity list (a watch list: Person, Organization, Company, LegalEntity ... with
``name`` and ``alias``) is read here into watch-list entries; casework.index.watchlist keeps
them beside curation.jsonl and sync.import_watchlist marks their names in every document.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import IO, Iterator

from casework.index.catalog import Catalog
from casework.index.errors import CaseworkError
from casework.index.safe import printable
from casework.index.watchlist import LABEL_OF_SCHEMA

SCHEMA_OF_LABEL = {"PERSON": "Person", "ORG": "Organization", "GPE": "Address",
                   "LOC": "Address", "FAC": "Address", "EVENT": "Event"}
MENTIONED = {"Person": "peopleMentioned", "Organization": "companiesMentioned",
             "Address": "locationMentioned"}
# schemata a watch list may hold: legal entities and their kinds
WATCHED_SCHEMATA = tuple(LABEL_OF_SCHEMA)
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _id(*parts: str) -> str:
    return "casework-" + hashlib.sha1("\x00".join(parts).encode("utf-8")).hexdigest()


def _entity(id_: str, schema: str, **props: list) -> dict:
    return {"id": id_, "schema": schema,
            "properties": {k: v for k, v in props.items() if v}}


def entities(catalog: Catalog, tags: dict[str, list[str]] | None = None) -> Iterator[dict]:
    """Every FtM entity of the case: named entities, documents, then mentions."""
    tags = tags or {}
    aliases: dict[str, list[str]] = {}
    for r in catalog.aliases_by_entity():
        aliases.setdefault(r["entity_id"], []).append(r["text"])
    ents: dict[str, tuple[str, str, str]] = {}  # entity_id -> (ftm id, schema or "", name)
    for r in catalog.entities_by_mentions():
        schema = SCHEMA_OF_LABEL.get(r["label"], "")
        ftm_id = _id("entity", r["entity_id"])
        ents[r["entity_id"]] = (ftm_id, schema, r["name"])
        if schema:
            extra = {"full": [r["name"]]} if schema == "Address" else {}
            yield _entity(ftm_id, schema, name=[r["name"]],
                          alias=[a for a in aliases.get(r["entity_id"], []) if a != r["name"]],
                          **extra)
    by_doc = catalog.entity_ids_by_document()
    surface: dict[tuple[str, str], list[str]] = {}
    for m in catalog.mentions_with_path_and_name():
        forms = surface.setdefault((m["doc_id"], m["entity_id"]), [])
        if m["text"] not in forms:
            forms.append(m["text"])
    for d in catalog.documents_for_export():
        doc_ftm = _id("document", d["doc_id"])
        mentioned: dict[str, list[str]] = {"namesMentioned": [], "mentionedEntities": []}
        for eid in by_doc.get(d["doc_id"], []):
            if eid not in ents:
                continue
            ftm_id, schema, name = ents[eid]
            mentioned["namesMentioned"].append(name)
            if schema:
                mentioned["mentionedEntities"].append(ftm_id)
            if schema in MENTIONED:
                mentioned.setdefault(MENTIONED[schema], []).append(name)
        yield _entity(doc_ftm, "PlainText", title=[d["title"]],
                      fileName=[os.path.basename(d["path"].split("//")[-1])],
                      bodyText=[d["text"]], fileSize=[str(d["size"])],
                      keywords=tags.get(d["doc_id"], []), **mentioned)
        for eid in by_doc.get(d["doc_id"], []):
            if eid not in ents:
                continue
            ftm_id, schema, name = ents[eid]
            yield _entity(_id("mention", d["doc_id"], eid), "Mention",
                          document=[doc_ftm], resolved=[ftm_id] if schema else [],
                          name=surface.get((d["doc_id"], eid), [name]),
                          detectedSchema=[schema] if schema else [])


def write(catalog: Catalog, out: IO[str], tags: dict[str, list[str]] | None = None) -> int:
    n = 0
    for ent in entities(catalog, tags):
        line = json.dumps(ent, ensure_ascii=False, sort_keys=True)
        out.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", line) + "\n")
        n += 1
    return n


# -- import: a watch list -------------------------------------------------------------------
def read_watchlist(path: Path) -> list[dict]:
    """The legal entities in an FtM file (JSON lines, or one JSON array), each as
    {"id", "schema", "names"}; CaseworkError if the file holds none."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseworkError(f"no such file: {printable(str(path))}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseworkError(f"cannot read {printable(str(path))}: "
                            f"{getattr(exc, 'strerror', None) or exc}") from None
    items: list = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except ValueError as exc:
            raise CaseworkError(f"{printable(str(path))} is not FtM JSON: {exc}") from None
    elif stripped.startswith("{") and _one_object(stripped) is not None:
        items = [_one_object(stripped)]  # one entity, pretty-printed
    else:
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError:
                raise CaseworkError(f"{printable(str(path))} line {i} is not JSON; "
                                    "expected FtM entities, one a line") from None
    watched = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("schema") not in WATCHED_SCHEMATA:
            continue
        props = item.get("properties") if isinstance(item.get("properties"), dict) else {}
        names = []
        for prop in ("name", "alias", "weakAlias", "previousName"):
            values = props.get(prop) or []
            for v in values if isinstance(values, list) else [values]:
                if isinstance(v, str) and len(v.strip()) >= 2 and v.strip() not in names:
                    names.append(v.strip())
        if names:
            watched.append({"id": str(item.get("id") or _id("watch", *names)),
                            "schema": item["schema"], "names": names})
    if not watched:
        raise CaseworkError(f"{printable(str(path))} holds no named "
                            f"{'/'.join(WATCHED_SCHEMATA)} entities")
    return watched


def _one_object(text: str) -> dict | None:
    try:
        item = json.loads(text)
    except ValueError:
        return None
    return item if isinstance(item, dict) else None
