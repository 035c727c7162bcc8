"""The rater-widgets command: demo starts a real JupyterLab on the bundled demo study."""

import json
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from nbclient import NotebookClient

from rater_widgets.cli import demo_notebook, main, write_demo


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_starts_jupyterlab_on_the_port_and_prints_the_url(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rater_widgets.cli", "demo", "--no-browser", "--port", str(port),
         "--dir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        lines = []
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "open http" in line:
                url = line.split("open ", 1)[1].strip()
        assert url, "".join(lines)
        assert url.startswith(f"http://localhost:{port}/lab/tree/demo.ipynb?token=")
        token = url.split("token=")[1]
        for _ in range(120):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/contents/demo.ipynb?token={token}", timeout=2
                ) as r:
                    body = json.load(r)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab never answered:\n" + "".join(lines))
        assert body["name"] == "demo.ipynb"
        assert "rw.ItemRater" in json.dumps(body["content"])
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stdout.close()
    # the process was the server itself: stopping it left no JupyterLab behind
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                break
        time.sleep(0.2)
    else:
        pytest.fail(f"a JupyterLab still listens on port {port} after the demo was stopped")


def test_demo_refuses_a_busy_port(tmp_path, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code = main(["demo", "--no-browser", "--port", str(port), "--dir", str(tmp_path)])
    assert code == 2
    assert f"port {port} is already in use" in capsys.readouterr().err


@pytest.mark.notebooks
def test_demo_notebook_runs_headless(tmp_path):
    nb = nbformat.reads(json.dumps(demo_notebook()), as_version=4)
    # drive the widget from the kernel, as a script or CI would, then read the labels back
    nb.cells.append(nbformat.v4.new_code_cell(
        "for v in ['safe', 'violating', 'borderline']:\n"
        "    w.submit({'verdict': v, 'rationale': 'r' if v == 'violating' else None})\n"
        "print(w.annotations.height, w.progress.done, w.progress.total)"
    ))  # fmt: skip
    write_demo(tmp_path)  # policy.md beside the notebook, as the demo command writes it
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    out = nb.cells[-1].outputs[0]["text"]
    assert out.split() == ["3", "3", "300"]
    assert (tmp_path / "demo.sqlite").exists()


def test_help_lists_demo(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "demo" in capsys.readouterr().out
