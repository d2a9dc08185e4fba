"""Rough edges a newcomer hit on the command line (issue 23, point 7)."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time

from conftest import cli_json, run_cli


def test_the_explorer_without_a_terminal_exits_2_with_one_line(seeds_index, tmp_path):
    """`casework < /dev/null > out` (cron, a script) used to wait forever on a core."""
    out = tmp_path / "out"
    started = time.monotonic()
    with open("/dev/null") as stdin, open(out, "w") as stdout:
        proc = subprocess.run([sys.executable, "-m", "casework.tui.cli", "--index", str(seeds_index)],
                              stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True,
                              timeout=30)
    assert proc.returncode == 2
    assert time.monotonic() - started < 20
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs a terminal" in lines[0] and "casework search" in lines[0]
    assert out.read_text() == ""


def test_show_into_a_pipe_keeps_every_mark_as_an_inline_tag(seeds_index):
    doc_id = cli_json("search", "Sheinbaum", index=seeds_index)[0]["hits"][0]["doc_id"]
    doc, _ = cli_json("show", doc_id, index=seeds_index)
    proc = run_cli("show", doc_id, index=seeds_index, env={"NO_COLOR": ""})  # a pipe, no NO_COLOR
    assert proc.returncode == 0
    assert "[PER Claudia Sheinbaum]" in proc.stdout
    assert proc.stdout.count("[PER ") == sum(m["label"] == "PERSON" for m in doc["entities"])


def test_output_into_a_pipe_is_not_hard_wrapped(seeds_index):
    proc = run_cli("show", cli_json("search", "Sheinbaum", index=seeds_index)[0]["hits"][0]["doc_id"],
                   index=seeds_index, env={"COLUMNS": "80"})
    assert max(len(line) for line in proc.stdout.splitlines()) > 200  # paragraphs stay lines


def test_color_always_and_never_on_every_command(seeds_index):
    always = run_cli("search", "Harfuch", "--color", "always", index=seeds_index)
    assert always.returncode == 0 and "\x1b[" in always.stdout
    never = run_cli("search", "Harfuch", "--color", "never", index=seeds_index,
                    env={"NO_COLOR": ""})
    assert never.returncode == 0 and "\x1b[" not in never.stdout
    for command in (["entities"], ["timeline"], ["money"], ["cooccur", "Sheinbaum", "Harfuch"],
                    ["entity", "Sheinbaum"], ["related", "x"]):
        proc = run_cli(*command, "--color", "sometimes", index=seeds_index)
        assert proc.returncode == 2 and "--color" in proc.stderr, command
    bad = run_cli("search", "x", "--color", "sometimes", index=seeds_index)
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_cooccur_shows_the_whole_sentence_with_both_names_marked(seeds_index):
    top = [e["name"] for e in cli_json("entities", "-n", "8", index=seeds_index)[0]["entities"]]
    checked = 0
    for a, b in itertools.combinations(top, 2):
        data, proc = cli_json("cooccur", a, b, index=seeds_index)
        for s in data["sentences"]:
            marked = {eid for _, _, eid in s["marks"]}
            assert marked == {data["a"]["entity_id"], data["b"]["entity_id"]}, (a, b, s["text"])
            checked += 1
    assert checked > 10
    proc = run_cli("cooccur", "Sheinbaum", "Harfuch", index=seeds_index)
    for line in proc.stdout.splitlines():
        assert line.count("[PER ") >= 2, line
