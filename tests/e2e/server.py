"""One isolated JupyterLab server for a test session (see ``lab.py`` for the whole harness).

The server runs as a subprocess on a free loopback port with no token, in a temporary
root directory, with its own config, data, runtime, settings and workspaces directories
so nothing from the user's ``~/.jupyter`` leaks in and nothing the tests change leaks out.
The kernelspec ``python3`` and the lab extensions (ipywidgets manager, anywidget) still
come from the environment's ``share/jupyter``, which Jupyter searches regardless.

Example::

    server = JupyterServer.start(tmp_path, log_path=Path("test-artifacts/jupyter.log"))
    print(server.url)          # http://127.0.0.1:<port>
    server.stop()
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psutil  # type: ignore[import-untyped,unused-ignore]

REPO_ROOT = Path(__file__).resolve().parents[2]

# Settings every test starts from. JupyterLab reads these files on every settings request,
# so rewriting them between tests resets anything a test changed (theme, saveState, ...).
DEFAULT_SETTINGS: dict[str, dict[str, Any]] = {
    # 4.6 windows the notebook by default: cells out of view are not in the DOM at all.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # The news/update question is a toast that covers widgets in screenshots.
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/apputils-extension/sessionDialogs": {"skipKernelRestartDialog": True},
    # Autosave would write the file behind a test's back (and race with `Notebook.save`).
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now.

    Example::

        port = free_port()
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class JupyterServer:
    """A running ``jupyter lab`` subprocess; ``root`` is its notebook directory.

    Example::

        server = JupyterServer.start(base_dir, log_path=log)
        server.get_json("/api/sessions")
        server.stop()
    """

    process: subprocess.Popen[bytes]
    port: int
    base_dir: Path
    root: Path
    settings_dir: Path
    log_path: Path
    _log_file: IO[bytes]

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8899`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls,
        base_dir: Path,
        *,
        log_path: Path,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        timeout: float = 60.0,
    ) -> JupyterServer:
        """Start the server in ``base_dir`` and wait until ``/api/status`` answers.

        ``extra_args`` are appended to the ``jupyter lab`` command line and ``env`` to
        its environment (benchmarks compare server options, e.g. a server extension).
        """
        dirs = {
            name: base_dir / name
            for name in ("root", "config", "data", "runtime", "settings", "workspaces", "ipython")
        }
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        full_env = dict(os.environ)
        full_env.update(
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
            JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
            IPYTHONDIR=str(dirs["ipython"]),
            JUPYTER_PLATFORM_DIRS="1",
            # ipykernel's debugger prints a frozen-modules warning on every kernel start.
            PYDEVD_DISABLE_FILE_VALIDATION="1",
            # Kernels import rater_widgets from this tree, like pytest does.
            PYTHONPATH=os.pathsep.join(
                p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
        )
        port = free_port()
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            "--LabApp.expose_app_in_browser=True",
            "--JupyterNotebookApp.expose_app_in_browser=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # The default "pypi" extension manager queries PyPI from the server.
            "--LabApp.extension_manager=readonly",
            f"--ServerApp.root_dir={dirs['root']}",
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
            f"--JupyterNotebookApp.user_settings_dir={dirs['settings']}",
            f"--JupyterNotebookApp.workspaces_dir={dirs['workspaces']}",
        ]
        if os.geteuid() == 0:  # CI containers run as root; jupyter refuses without this
            cmd.append("--allow-root")
        cmd += extra_args
        full_env.update(env or {})
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = log_path.open("wb")
        process = subprocess.Popen(
            cmd, env=full_env, cwd=dirs["root"], stdout=log_file, stderr=subprocess.STDOUT
        )
        server = cls(process, port, base_dir, dirs["root"], dirs["settings"], log_path, log_file)
        server.reset_settings()
        # The "build recommended" check costs ~1 s of server CPU on every page load and can
        # pop a dialog; extensions here are prebuilt, so there is nothing to build.
        page_config = dirs["config"] / "labconfig" / "page_config.json"
        page_config.parent.mkdir(parents=True, exist_ok=True)
        page_config.write_text(json.dumps({"buildCheck": False, "buildAvailable": False}))
        try:
            server._wait_ready(timeout)
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with code {self.process.returncode} before it was "
                    f"ready; log:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.url + "/api/status", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)  # server start takes ~1-2 s; poll finely to not add latency
        raise TimeoutError(f"jupyter lab not ready after {timeout} s; log:\n{self.log_tail()}")

    def reset_settings(self) -> None:
        """Make the user settings exactly ``DEFAULT_SETTINGS`` again (drops test changes)."""
        shutil.rmtree(self.settings_dir, ignore_errors=True)
        for plugin, values in DEFAULT_SETTINGS.items():
            path = self.settings_dir / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=2))

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Call the server's REST API; returns parsed JSON (or None for empty replies)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def get_json(self, path: str) -> Any:
        """``GET`` a REST path, e.g. ``server.get_json("/api/sessions")``."""
        return self.request("GET", path)

    def start_session(self, path: str) -> None:
        """Start the ``python3`` kernel session for the notebook at ``path`` now.

        The page then attaches to this running kernel instead of starting one after it
        has loaded, so kernel start-up overlaps the page load (~1 s saved per notebook).
        """
        self.request(
            "POST",
            "/api/sessions",
            {
                "path": path,
                "name": Path(path).name,
                "type": "notebook",
                "kernel": {"name": "python3"},
            },
        )

    def shutdown_all_sessions(self) -> None:
        """Shut down every kernel session (between tests: kernels are not shared)."""
        for session in self.get_json("/api/sessions"):
            try:
                self.request("DELETE", f"/api/sessions/{session['id']}")
            except urllib.error.HTTPError as e:  # already gone: that is the goal anyway
                if e.code != 404:
                    raise

    def log_tail(self, chars: int = 4000) -> str:
        """The last ``chars`` characters of the server log."""
        self._log_file.flush()
        text = self.log_path.read_text(errors="replace")
        return text[-chars:]

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server (it shuts its kernels down), kill whatever is left."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        # Kernels the server failed to shut down are ours: do not leave them running.
        _, alive = psutil.wait_procs(children, timeout=3)
        for child in alive:
            child.kill()
        self._log_file.close()
