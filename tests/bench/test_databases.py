"""Benchmarks never write into the real database, and no bench imports from tests/."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT, Settings

BENCH = PROJECT_ROOT / "bench"


@pytest.fixture(scope="module")
def servers():
    sys.path.insert(0, str(BENCH))
    try:
        import _servers

        yield _servers
    finally:
        sys.path.remove(str(BENCH))


#: Benches that still import from tests/, each with why; strict: fixing one fails until removed.
_STILL_IMPORTING: dict[str, str] = {}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            path,
            id=path.name,
            marks=[pytest.mark.xfail(strict=True, reason=_STILL_IMPORTING[path.name])]
            if path.name in _STILL_IMPORTING
            else [],
        )
        for path in sorted(BENCH.glob("*.py"))
    ],
)
def test_no_bench_imports_from_tests(path):
    # Data from tests/ (held-out sets) may be read; code may not be imported from there.
    source = path.read_text()
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "sys.path.insert":
            added = ast.get_source_segment(source, node) or ""
            assert "tests" not in added, f"{path.name}: {added}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            assert not {"services", "conftest"} & set(names), f"{path.name} imports {names}"
            assert not any(n.startswith("tests") for n in names), f"{path.name}: {names}"


@pytest.mark.parametrize("environ", [{}, {"SYNCDESK_DB_URL": ""}, "default"])
def test_the_real_database_is_refused(servers, environ):
    if environ == "default":
        environ = {"SYNCDESK_DB_URL": Settings.from_env({}).db_url}
    with pytest.raises(SystemExit, match="Refusing to load servers"):
        servers.refuse_real_database(environ)


def test_a_throwaway_database_is_accepted(servers, tmp_path):
    url = servers.throwaway_db_url(tmp_path)
    assert url.startswith("sqlite:///") and str(tmp_path) in url
    assert servers.refuse_real_database({"SYNCDESK_DB_URL": url}) == url


@pytest.mark.parametrize(
    "command",
    [
        ["load.py", "--target", "http://127.0.0.1:9", "--customers", "1", "--no-stock"],
        ["conversations.py", "--url", "http://127.0.0.1:9", "--only", "x"],
    ],
    ids=["load", "conversations"],
)
def test_benches_loading_running_servers_refuse_the_real_database(command, tmp_path):
    # Port 9 (discard) has no bot: a bench that went ahead would fail to connect, not refuse.
    environ = {k: v for k, v in os.environ.items() if k != "SYNCDESK_DB_URL"}
    script, *options = command
    ran = subprocess.run(
        [sys.executable, str(BENCH / script), *options],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode != 0
    assert "Refusing to load servers that write into the real database" in ran.stderr
