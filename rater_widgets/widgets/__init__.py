"""The rater widgets, one per module; each is a thin AnyWidget subclass."""

from rater_widgets.widgets.item import ItemRater
from rater_widgets.widgets.pairwise import PairwiseRater
from rater_widgets.widgets.rank import RankRater
from rater_widgets.widgets.trace import TraceRater

__all__ = ["ItemRater", "PairwiseRater", "RankRater", "TraceRater"]
