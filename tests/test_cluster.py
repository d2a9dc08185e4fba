"""NER on a Dask cluster (issue 24): the same index as a local run, under worker and scheduler
faults, each on a LocalCluster of 2 worker processes; and a clear line when Dask is missing."""

from __future__ import annotations

import importlib.util
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from casework.index import cluster as cluster_mod
from casework.index.api import open_index
from casework.index.cluster import DaskAnnotator, parse_cluster
from casework.index.errors import CaseworkError
from casework.index.indexer import build
from casework.index.location import seed_paths
from casework.index.store import IndexDir

needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="needs pip install 'casework[cluster]'"
)
DOCS = 24


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """24 documents of ~700 words, paragraphs of the seeds shuffled with a fixed seed."""
    paragraphs = [line for p in seed_paths() for line in p.read_text(encoding="utf-8").splitlines()
                  if len(line.split()) > 20]
    folder = tmp_path_factory.mktemp("cluster-corpus")
    for i in range(DOCS):
        rng = random.Random(i)
        picked = rng.sample(paragraphs, 10)
        (folder / f"doc_{i:02d}.txt").write_text(f"Report {i}\n\n" + "\n\n".join(picked) + "\n",
                                                 encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def mixed(corpus, tmp_path_factory):
    """The corpus plus a file of each format (a mail with a PDF attached, an archive, DOCX,
    HTML, ...; tests/format_samples.py), a broken DOCX, a file that is no document, and a copy
    of a plain text and of a mail, so extraction, failures, children and copies all show."""
    import shutil

    from tests import format_samples

    folder = tmp_path_factory.mktemp("cluster-mixed")
    shutil.copytree(corpus, folder / "news")
    format_samples.case_folder(folder / "formats")
    (folder / "formats" / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip file")
    (folder / "formats" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "z-copies").mkdir()
    shutil.copy(corpus / "doc_03.txt", folder / "z-copies" / "doc_03 again.txt")
    shutil.copy(folder / "formats" / "tip.eml", folder / "z-copies" / "tip again.eml")
    return folder


def contents(index_path) -> dict:
    """Documents (path, hash, title, parent, depth, type, metadata, copies), their mentions
    (entity by name) and entities with counts, as plain data."""
    cw = open_index(index_path)
    try:
        entities = cw.entities(limit=100_000)
        names = {e.entity_id: (e.name, e.label) for e in entities}
        docs = {}
        for info in cw.documents(limit=100_000):
            doc = cw.document(info.doc_id)
            docs[doc.doc_id] = (
                doc.path, doc.sha256, doc.title, doc.parent, doc.depth, doc.content_type,
                doc.metadata, sorted(doc.copies), sorted(
                    (m.start, m.end, m.text, m.label, names.get(m.entity_id))
                    for m in doc.entities))
        return {"docs": docs,
                "entities": sorted((e.name, e.label, e.documents, e.mentions) for e in entities)}
    finally:
        cw.close()


def outcome(report) -> dict:
    """What a run says of its files: counts, and what it skipped or failed and why."""
    return {"documents": report.documents, "added": report.added, "copies": report.copies,
            "skipped": sorted((s["path"], s["reason"]) for s in report.skipped),
            "failed": sorted((f["path"], f["error"]) for f in report.failed)}


@pytest.fixture(scope="module")
def local_run(corpus, tmp_path_factory, annotator):
    """The reference: the same corpus indexed with local spaCy."""
    path = tmp_path_factory.mktemp("local") / "index"
    build(IndexDir(path), [corpus], annotator=annotator)
    return contents(path)


@pytest.fixture(scope="module")
def dask_cluster():
    """A LocalCluster of 2 worker processes, one thread each, in this process."""
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        yield cluster


def cached_annotations(index_path) -> int:
    conn = sqlite3.connect(index_path / "annotations.sqlite")
    try:
        return conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]
    finally:
        conn.close()


def test_without_dask_the_cluster_option_names_the_install_command(monkeypatch, corpus, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # find_spec answers None: not installed
    with pytest.raises(CaseworkError) as err:
        build(IndexDir(tmp_path / "index"), [corpus], cluster="local:2")
    message = str(err.value)
    assert "pip install 'casework[cluster]'" in message and "\n" not in message
    assert not (tmp_path / "index").exists(), "refused before anything is written"


def test_cluster_addresses_are_parsed_or_refused_in_one_line():
    assert parse_cluster("local:2") == ("local", 2)
    assert parse_cluster("tcp://10.0.0.5:8786") == ("tcp://10.0.0.5:8786", 0)
    assert parse_cluster("local")[1] >= 1
    for bad in ("local:0", "local:two", " "):
        with pytest.raises(CaseworkError):
            parse_cluster(bad)


@needs_dask
def test_local_cluster_gives_the_same_documents_mentions_and_entities_as_a_local_run(
    mixed, tmp_path, monkeypatch, annotator
):
    """cluster="local:2" through the API, in batches of 3 that finish in any order: the
    workers extract every format (a mail's attachment, an archive's member, DOCX, HTML, ...)
    and annotate; the index, the report's skips and failures and the progress are a local
    run's."""
    from casework.index import build_index

    local_seen = []
    local = build(IndexDir(tmp_path / "local"), [mixed], annotator=annotator,
                  progress=lambda p: local_seen.append((p.stage, p.done, p.total)))
    monkeypatch.setattr(cluster_mod, "BATCH_DOCS", 3)
    refuse_to_read_here(monkeypatch)
    seen = []
    report = build_index([mixed], tmp_path / "index", cluster="local:2",
                         progress=lambda p: seen.append((p.stage, p.done, p.total)))
    assert outcome(report) == outcome(local)
    assert any("broken.docx" in path for path, _ in outcome(report)["failed"])
    assert report.copies == 3, "a text, a mail and the mail's attachment"
    assert report.documents > DOCS + 10
    done = max(d for stage, d, _ in local_seen if stage == "annotate")
    assert ("annotate", done, done) in seen, "the same progress as a local run"
    assert contents(tmp_path / "index") == contents(tmp_path / "local")
    assert cached_annotations(tmp_path / "index") == cached_annotations(tmp_path / "local")


def refuse_to_read_here(monkeypatch) -> None:
    """The writer may load bytes but not extract: that is the workers' job (their processes
    do not see this patch)."""
    from casework.index.ingest import read

    def refuse(*args, **kwargs):
        raise AssertionError("the writer extracted a file itself")

    monkeypatch.setattr(read.Reader, "read", refuse)
    monkeypatch.setattr(read.Reader, "read_loaded", refuse)


@needs_dask
def test_workers_extract_under_the_writers_limits_and_report_failures_as_a_local_run(
    mixed, tmp_path, dask_cluster, monkeypatch, annotator
):
    """A time limit of 0 s fails every file that needs a parser, in the extraction process
    of whoever extracts it: on the workers the same files fail for the same reason."""
    from casework.index import ingest

    limits = ingest.Limits(timeout_s=0.0, seconds_per_mb=0.0)
    folder = mixed / "formats"
    local = build(IndexDir(tmp_path / "local"), [folder], annotator=annotator, limits=limits)
    refuse_to_read_here(monkeypatch)
    report = build(IndexDir(tmp_path / "index"), [folder], limits=limits,
                   annotator=DaskAnnotator(dask_cluster.scheduler_address))
    assert outcome(report) == outcome(local)
    failed = dict(outcome(report)["failed"])
    assert failed[str(folder / "filing.pdf")] == "took longer than the time limit (0 s)"
    assert contents(tmp_path / "index") == contents(tmp_path / "local")

    # a re-run with room to extract: the plain texts it annotated before are not sent to NER
    # again (the cache), what extracts now is, the mail's attachment included
    first = DaskAnnotator(dask_cluster.scheduler_address)
    build(IndexDir(tmp_path / "index"), [folder], rebuild=True, annotator=first)
    again = DaskAnnotator(dask_cluster.scheduler_address)
    build(IndexDir(tmp_path / "index"), [folder], rebuild=True, annotator=again)
    assert first.answered > 3 and again.answered == 0, "the cache made the second run skip all"


def busy_worker_killer(client, killed: dict):
    """A progress callback that, at the first answer, SIGKILLs a worker running a batch."""

    pids = client.run(os.getpid)  # asked now: between seeing a batch and the kill, no wait

    def kill_a_busy_worker(progress) -> None:
        if progress.stage != "annotate" or killed:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            busy = {w: keys for w, keys in client.processing().items() if keys and w in pids}
            if busy:
                worker, keys = next(iter(busy.items()))
                pid = pids[worker]
                os.kill(pid, signal.SIGKILL)
                killed.update(worker=worker, keys=list(keys), pid=pid)
                return
            time.sleep(0.01)

    return kill_a_busy_worker


@needs_dask
def test_a_worker_killed_mid_batch_has_its_batch_run_on_another(
    corpus, local_run, tmp_path, dask_cluster
):
    import distributed

    address = dask_cluster.scheduler_address
    killed: dict = {}
    with distributed.Client(address, set_as_default=False) as client:
        annotator = DaskAnnotator(address, batch_docs=3)
        report = build(IndexDir(tmp_path / "index"), [corpus], annotator=annotator,
                       progress=busy_worker_killer(client, killed))
        assert killed, "a worker was busy when the first answer came back"
        assert report.documents == DOCS
        assert contents(tmp_path / "index") == local_run
        # the scheduler took back what the dead worker held and ran it to the end elsewhere (a
        # batch may have finished between the look and the kill: at least one was taken back)
        story = dask_cluster.scheduler.story(*killed["keys"])
        steps = {key: {(t.start, t.finish, t.stimulus_id.rsplit("-", 1)[0])
                       for t in story if t.key == key} for key in killed["keys"]}
        assert any(("processing", "released", "handle-worker-cleanup") in s for s in steps.values())
        assert all(("processing", "memory", "task-finished") in s for s in steps.values())
        client.wait_for_workers(2, timeout=60)  # the nanny brings the dead one back
        assert killed["pid"] not in client.run(os.getpid).values()


@needs_dask
def test_a_batch_that_kills_every_worker_ends_the_run_in_one_line(
    corpus, tmp_path, dask_cluster, monkeypatch
):
    """Dask retries a batch on a fresh worker `allowed-failures` times (3); here 0, so the
    first death is the last, as the fourth would be for a document that kills spaCy."""
    import distributed

    monkeypatch.setattr(dask_cluster.scheduler, "allowed_failures", 0)
    killed: dict = {}
    with distributed.Client(dask_cluster.scheduler_address, set_as_default=False) as client:
        with pytest.raises(CaseworkError) as err:
            build(IndexDir(tmp_path / "index"), [corpus],
                  annotator=DaskAnnotator(dask_cluster.scheduler_address, batch_docs=3),
                  progress=busy_worker_killer(client, killed))
        client.wait_for_workers(2, timeout=60)
    message = str(err.value)
    assert killed and "\n" not in message
    assert "killed every Dask worker that ran it" in message
    assert "run the same command again to resume" in message


CLUSTER_SCRIPT = """
import logging, sys, time
from distributed import LocalCluster
if __name__ == "__main__":
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    print(cluster.scheduler_address, flush=True)
    time.sleep(600)
"""


@needs_dask
def test_losing_the_scheduler_ends_the_run_in_one_line_and_a_rerun_finishes(
    corpus, local_run, tmp_path, annotator
):
    script = tmp_path / "cluster.py"
    script.write_text(CLUSTER_SCRIPT)
    # its own session, so the scheduler and its worker processes go down together
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        address = proc.stdout.readline().strip()
        assert address.startswith("tcp://"), address
        answered = []

        def kill_the_scheduler(progress) -> None:
            if progress.stage == "annotate":
                answered.append(progress.done)
                if len(answered) == 6:
                    os.killpg(proc.pid, signal.SIGKILL)

        index = tmp_path / "index"
        with pytest.raises(CaseworkError) as err:
            build(IndexDir(index), [corpus], annotator=DaskAnnotator(address, batch_docs=2),
                  progress=kill_the_scheduler)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"lost the Dask scheduler at {address}")
    assert "run the same command again to resume" in message
    kept = cached_annotations(index)
    assert len(answered) <= kept < DOCS, "what came back before the loss is cached, not redone"

    asked = []

    class Counting:
        identity = annotator.identity

        def annotate(self, items):
            items = list(items)
            asked.extend(key for key, _ in items)
            return annotator.annotate(items)

    report = build(IndexDir(index), [corpus], annotator=Counting())
    assert report.documents == DOCS
    assert len(asked) == DOCS - kept, "the re-run annotates only what the lost run had not"
    assert contents(index) == local_run
