"""rater_widgets: label and evaluate AI outputs in Jupyter, analyse in the same notebook.

>>> import rater_widgets as rw
>>> rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
>>> rubric.validate({"verdict": "safe"})
{'verdict': 'safe'}
"""

from importlib.metadata import PackageNotFoundError, version

from rater_widgets import datasets, export, stats, traces
from rater_widgets.bundle import Study, load_study
from rater_widgets.fields import (
    Choice,
    Flag,
    MultiChoice,
    Number,
    Option,
    Scale,
    SpanLabel,
    Spans,
    Text,
)
from rater_widgets.ordering import Assignment
from rater_widgets.report import Report, report
from rater_widgets.rubric import Rubric, RubricError
from rater_widgets.store import StoreError, open_store
from rater_widgets.wellbeing import Wellbeing
from rater_widgets.widgets import ItemRater, PairwiseRater, RankRater, TraceRater

try:
    __version__ = version("rater_widgets")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "Assignment",
    "Choice",
    "Flag",
    "ItemRater",
    "MultiChoice",
    "Number",
    "Option",
    "PairwiseRater",
    "RankRater",
    "Report",
    "Rubric",
    "RubricError",
    "Scale",
    "SpanLabel",
    "Spans",
    "StoreError",
    "Study",
    "Text",
    "TraceRater",
    "Wellbeing",
    "__version__",
    "datasets",
    "export",
    "load_study",
    "open_store",
    "report",
    "stats",
    "traces",
]
