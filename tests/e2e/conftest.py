"""Fixtures for browser tests: ``lab`` (session: JupyterLab + Chromium) and ``page`` (per test).

See ``tests/e2e/lab.py`` for how to write a browser test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.lab import SCREENSHOTS, Lab, start_lab

_LAB: list[Lab] = []  # the session's Lab, for the terminal summary


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """One JupyterLab server and one Chromium for the whole test session."""
    for stale in SCREENSHOTS.glob("FAILED-*.png"):  # from an earlier run: misleading now
        stale.unlink()
    with start_lab(Path(tmp_path_factory.mktemp("jupyter"))) as harness:
        _LAB.append(harness)
        yield harness


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    # Keep each phase's report on the item so the `page` fixture can tell a failed test.
    report = yield
    setattr(item, f"rw_report_{report.when}", report)
    return report


@pytest.fixture
def page(lab: Lab, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context and page (1280x900) with default JupyterLab settings.

    On failure a full-page screenshot lands in test-artifacts/screenshots/FAILED-<test>.png.
    Kernels the test started are shut down afterwards.
    """
    lab.server.reset_settings()
    context = lab.new_context()
    pg = context.new_page()
    try:
        yield pg
    finally:
        report = getattr(request.node, "rw_report_call", None)
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
            try:
                pg.screenshot(path=str(SCREENSHOTS / f"FAILED-{name}.png"))
            except Exception as e:  # a dead page must not hide the test's own failure
                print(f"could not take failure screenshot: {e}")
        context.close()
        lab.server.shutdown_all_sessions()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the harness timings (measured, never asserted)."""
    if not _LAB:
        return
    terminalreporter.section("e2e harness timings")
    for line in _LAB[0].timing_summary():
        terminalreporter.write_line(line)
