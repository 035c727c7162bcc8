"""The wheel carries the built frontend (rater_widgets/static is built by the package
build, never committed)."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(600)
def test_the_wheel_contains_the_js_bundle(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("rater_widgets-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "rater_widgets/static/widget.js" in names  # the loader anywidget imports
    assert "rater_widgets/static/widget.css" in names
    bundle = zipfile.ZipFile(wheel).read("rater_widgets/static/widget_core.js")
    assert len(bundle) > 100_000  # the real bundle (renderer, KaTeX, the views), not a stub
    assert b"rater_widgets.cores" in zipfile.ZipFile(wheel).read("rater_widgets/static/widget.js")
    assert not [n for n in names if "node_modules" in n or n.startswith("js/")]


def test_the_bundle_is_not_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "rater_widgets/static"], cwd=ROOT, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    assert tracked == ""
