"""The first items in a rater's state (``_boot``): where they may go, and emptying them
when the cell that made the widget ends.

The page renders the first item from the widget's first message instead of asking the
kernel for it. Nothing of it may outlive that: the page empties its copy once read
(js/session.ts), the kernel on the page's hello (``RaterWidget._dispatch``) and, here,
when the running cell ends, which is when nbclient stops recording the widget state it
saves into an executed notebook.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rater_widgets.widgets._rater import RaterWidget


def ipython_shell() -> Any:
    """The running IPython shell (a Jupyter kernel), or None (marimo, a plain script)."""
    try:
        from IPython.core import getipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    get: Any = getipython.get_ipython  # typed in some IPython versions, not in others
    return get()


def clear_after_cell(shell: Any, w: RaterWidget) -> None:
    """Empty ``w._boot`` when the running cell ends: a notebook executed headlessly
    (nbclient) saves the widget state as the kernel last sent it."""
    ref = weakref.ref(w)

    def clear(*_args: Any) -> None:
        shell.events.unregister("post_run_cell", clear)
        widget = ref()
        if widget is not None and widget._boot:
            widget._boot = []

    shell.events.register("post_run_cell", clear)
