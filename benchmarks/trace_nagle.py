"""Show where a kernel websocket round trip waits: tcpdump on the loopback interface while
a bare anywidget echoes ``rounds`` messages, on a stock server and on one with
``rater_widgets.nodelay``. Needs root and tcpdump (``apt-get install tcpdump``).

For each round trip it prints every TCP segment on the server's port, in ms since the
browser sent the message: server -> browser segments with their payload size, and the
browser's pure ACKs. On a stock server the kernel's reply (a few hundred bytes) leaves
the server only after the browser's delayed ACK of the previous frame (~40 ms): Nagle's
algorithm holds a small segment while earlier data is unacknowledged.

    python benchmarks/trace_nagle.py --rounds 5
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import expect

from benchmarks import _cells as cells
from benchmarks._data import marker
from benchmarks.bench_browser import lab_server, output

# tcpdump -tt -n: "1700000000.123456 IP 127.0.0.1.8888 > 127.0.0.1.51234: Flags [P.], ...
#   length 412"
_LINE = re.compile(
    r"^(\d+\.\d+) IP 127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.(\d+): Flags \[([^\]]+)\].*length (\d+)"
)


def trace(nodelay: bool, rounds: int) -> list[list[str]]:
    """Segments on the server's port after each key press, until the next one."""
    presses: list[float] = []
    with lab_server(nodelay) as lab:
        page = lab.new_context().new_page()
        nb = lab.open_notebook(
            page, lab.write_notebook([cells.SETUP.format(n=100), cells.ECHO_CELL]), timeout=120
        )
        nb.run_all()
        root = output(nb, 1)
        expect(root.locator(".echo-item")).to_contain_text(marker(0))
        root.locator(".echo-item").click()
        port = lab.server.port
        with tempfile.NamedTemporaryFile("w+", suffix=".txt") as log:
            dump = subprocess.Popen(
                ["tcpdump", "-i", "lo", "-tt", "-n", "-l", "-A", f"tcp port {port}"],
                stdout=log, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1.0)
            for i in range(rounds):
                presses.append(time.time())
                nb.page.keyboard.press("Enter")
                expect(root.locator(".echo-item")).to_contain_text(marker(i + 1))
                nb.page.wait_for_timeout(300)
            time.sleep(0.5)
            dump.send_signal(signal.SIGINT)
            dump.wait(10)
            log.seek(0)
            text = log.read()
        page.context.close()
    packets: list[tuple[float, bool, str, int, str]] = []
    for chunk in re.split(r"\n(?=\d+\.\d+ IP )", text):
        m = _LINE.match(chunk)
        if not m:
            continue
        kind = re.search(r'"msg_type":\s*"(\w+)"', chunk)
        state = re.search(r'"execution_state":\s*"(\w+)"', chunk)
        tag = (kind[1] if kind else "") + (f" {state[1]}" if state else "")
        packets.append((float(m[1]), int(m[2]) != port, m[4], int(m[5]), tag))
    out: list[list[str]] = []
    bounds = [*presses, float("inf")]
    for i, start in enumerate(presses):
        lines = []
        for t, to_server, flags, length, tag in packets:
            if not start <= t < bounds[i + 1]:
                continue
            way = "browser -> server" if to_server else "server -> browser"
            what = f"{length:5d} B  {tag}" if length else f"ACK [{flags}]"
            lines.append(f"{(t - start) * 1000:7.1f} ms  {way}  {what}")
        out.append(lines)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not shutil.which("tcpdump"):
        sys.exit("tcpdump is not installed (apt-get install tcpdump)")
    for nodelay in (False, True):
        print(f"=== {'server with rater_widgets.nodelay' if nodelay else 'stock server'} ===")
        for i, segments in enumerate(trace(nodelay, args.rounds)):
            print(f"round trip {i + 1}:")
            print("\n".join("  " + s for s in segments))


if __name__ == "__main__":
    main()
