"""Analysis of annotations: agreement, preferences, quality, spans.

Pure functions over long Polars (or pandas) frames such as ``w.annotations``; no widget
and no browser needed, so they run the same on a study bundle loaded anywhere.

Example:
    >>> import rater_widgets as rw
    >>> rw.stats.cohen_kappa(ann, "verdict")          # doctest: +SKIP
    >>> rw.stats.bradley_terry(pairs)                 # doctest: +SKIP
"""

from ._common import Estimate, UndefinedStatisticWarning
from .agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement
from .preferences import bradley_terry, position_bias, win_rates
from .quality import (
    annotator_stats,
    confusion,
    consensus,
    error_rates,
    gold_accuracy,
)
from .spans import span_agreement

__all__ = [
    "Estimate",
    "UndefinedStatisticWarning",
    "annotator_stats",
    "bradley_terry",
    "cohen_kappa",
    "confusion",
    "consensus",
    "error_rates",
    "fleiss_kappa",
    "gold_accuracy",
    "krippendorff_alpha",
    "percent_agreement",
    "position_bias",
    "span_agreement",
    "win_rates",
]
