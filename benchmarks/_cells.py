"""Notebook cells for the browser benchmarks: our widgets and the peers, set up the way
their own documentation shows, over the same synthetic rows (``_data.py``).

Each ``*_CELL`` is one code cell that leaves one widget as its output.
"""

from __future__ import annotations

SETUP = """
import time, uuid
import polars as pl
import rater_widgets as rw
from benchmarks._data import OPTIONS, bench_frame, long_markdown, long_trace, marker
N = {n}
df = bench_frame(N)
pdf = df.to_pandas()
rubric = rw.Rubric([rw.Choice("verdict", OPTIONS, required=True)])
timings = {{}}
"""

# Our ItemRater: keys 1/2/3 pick the verdict, Enter submits. The cells time their
# constructor with a clock read only: memory is measured in clean subprocesses
# (bench_kernel), since gc.collect() in a timed cell would delay whatever runs after it.
OURS_CELL = """
if "w" in globals():
    w.close()  # a rerun replaces the widget: free the old one as a user's rerun would
_t = time.perf_counter()
w = rw.ItemRater({frame}, rubric, id="id", content="text", store="bench.sqlite",
                 annotator="bench", study="s-" + uuid.uuid4().hex[:8])
timings.setdefault("ours_{frame}", []).append(time.perf_counter() - _t)
w
"""

# pigeonXT: annotate() takes pandas (or a list); buttons, no keys.
PIGEON_CELL = """
import pigeonXT
from ipywidgets.widgets.widget import _instances
for _old in globals().get("_pig_widgets", []):
    _old.close()
_before = set(_instances)
_t = time.perf_counter()
pig = pigeonXT.annotate(pdf, options=OPTIONS, example_column="text", id_column="id")
timings.setdefault("pigeonxt", []).append(time.perf_counter() - _t)
_pig_widgets = [_instances[k] for k in set(_instances) - _before]
"""

# ipyannotations: a ClassLabeller; the notebook feeds it the next item on submit,
# as its documentation's own loop does.
IPYANNOTATIONS_CELL = """
from ipyannotations.text import ClassLabeller
texts = df["text"].to_list()
ia = ClassLabeller(options=OPTIONS, allow_freetext=False)
ia_labels, ia_pos = [], 0
def _ia_submit(value):
    global ia_pos
    ia_labels.append((ia_pos, value))
    ia_pos += 1
    ia.display(texts[ia_pos])
ia.on_submit(_ia_submit)
ia.display(texts[0])
ia
"""

# The floor for any design that waits for the kernel: Enter (or a click) sends a message,
# the kernel answers with the next item's text, the page shows it. Nothing is stored.
ECHO_CELL = '''
import anywidget
if "echo" in globals():
    echo.close()
class Echo(anywidget.AnyWidget):
    _esm = """
    export default { render({ model, el }) {
      const root = document.createElement("div");
      root.className = "echo-root"; root.tabIndex = 0;
      const button = document.createElement("button");
      button.className = "echo-next"; button.textContent = "next";
      const item = document.createElement("div");
      item.className = "echo-item";
      let n = 0;
      // timestamps for the benchmark's breakdown (properties: no DOM mutation)
      const next = () => { root.__sent = performance.now(); model.send({ n: n + 1 }); };
      button.addEventListener("click", next);
      root.addEventListener("keydown", (e) => {
        if (e.key === "Enter") { e.preventDefault(); e.stopPropagation(); next(); }
      });
      const onMsg = (m) => {
        root.__received = performance.now();
        n = m.n;
        item.textContent = m.text;
      };
      model.on("msg:custom", onMsg);
      root.append(button, item);
      el.append(root);
      model.send({ n: 0 });
      return () => model.off("msg:custom", onMsg);
    } };
    """
def _echo_reply(widget, content, buffers):
    n = int(content["n"])
    widget.send({"n": n, "text": df["text"][n]})
echo = Echo()
echo.on_msg(_echo_reply)
echo
'''

LONG_SETUP = """
import time, uuid
import polars as pl
import rater_widgets as rw
from benchmarks._data import OPTIONS, bench_frame, long_markdown, long_trace
rubric = rw.Rubric([rw.Choice("verdict", OPTIONS, required=True)])
short = bench_frame(20)
LONG = long_markdown({chars})
# long items first (cell run -> first item on screen) and 4th (keypress -> item on screen)
long_items = short.with_columns(
    pl.when(pl.col("id").is_in([0, 3])).then(pl.lit(LONG)).otherwise(pl.col("text"))
    .alias("text"))
STEPS = long_trace({steps})
traces = pl.DataFrame({{
    "id": list(range(6)),
    "problem": [f"TRACE-PROBLEM-{{i}} Solve for x." for i in range(6)],
    "reasoning": [STEPS if i in (0, 3) else STEPS[:5] for i in range(6)],
    "final_answer": ["42"] * 6,
}})
def study():
    return "s-" + uuid.uuid4().hex[:8]
"""


def item_rater(frame: str, var: str = "w") -> str:
    """A cell showing an ItemRater over the kernel variable ``frame``."""
    return (
        f'{var} = rw.ItemRater({frame}, rubric, id="id", content="text", '
        f'store="bench.sqlite", annotator="bench", study=study())\n{var}'
    )


def trace_rater(var: str) -> str:
    """A cell showing a TraceRater over ``traces`` (500-step traces at rows 0 and 3)."""
    return (
        f"{var} = rw.TraceRater(traces, trace='reasoning', question='problem', "
        f"answer='final_answer', store='bench.sqlite', annotator='bench', study=study())\n{var}"
    )
