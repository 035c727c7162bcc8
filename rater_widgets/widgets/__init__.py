"""The rater widgets, one per module; each is a thin AnyWidget subclass."""

from rater_widgets.widgets.item import ItemRater

__all__ = ["ItemRater"]
