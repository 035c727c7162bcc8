"""Shared fixtures: a real Postgres server for the store suite.

``pg_server`` (session) starts one throwaway server with ``tests/pgserver.py``; a test
that needs Postgres gets a fresh database from ``pg_database``. A missing server is a
FAILURE, never a skip: the test command installs Postgres, so its absence is a broken
setup that must not pass silently.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from rater_widgets.store import Store, open_store
from tests.browser import stop_shared_browser
from tests.pgserver import PgServer, PgServerError, running_server


@pytest.fixture(scope="session", autouse=True)
def _one_browser_per_run() -> Iterator[None]:
    """Stop the process's shared Chromium (tests/browser.py) when the run ends."""
    yield
    stop_shared_browser()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One Postgres server for the whole run, stopped and removed at the end."""
    try:
        with running_server() as server:
            yield server
    except PgServerError as exc:
        pytest.fail(f"cannot start the test Postgres server: {exc}", pytrace=False)


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[tuple[PgServer, str]]:
    """A fresh, empty database for one test: (server, database name)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    pg_server.create_database(name)
    yield pg_server, name
    pg_server.drop_database(name)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where a fresh, not yet created store lives: a SQLite path or a Postgres URL."""
    if request.param == "sqlite":
        return str(tmp_path_factory.mktemp("store") / "annotations.sqlite")
    server, name = request.getfixturevalue("pg_database")
    return server.url(name)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, empty store on each backend."""
    opened = open_store(store_url)
    yield opened
    opened.close()
