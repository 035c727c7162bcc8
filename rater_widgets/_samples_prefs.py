"""Prompts and responses of graded quality for pairwise and ranking samples.

Private helper of :mod:`rater_widgets.datasets`. Each prompt has a good answer (whose
first paragraph alone is a weaker, shorter answer) and a flawed one; generic replies
fill the bottom tier. Tiers: 3 full good, 2 short good, 1 flawed, 0 generic.

>>> import random
>>> response(PROMPTS[0], 3, random.Random(0)).startswith("Recursion")
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass

#: Latent strength (log-odds scale) of each fictional model: Bradley–Terry should find
#: this order back from enough comparisons.
STRENGTH = {
    "cobalt-70b": 1.2,
    "ember-8x7b": 0.6,
    "basil-13b": 0.0,
    "aurora-7b": -0.5,
    "delta-mini": -1.1,
}


@dataclass(frozen=True)
class Prompt:
    """A prompt with a good (multi-paragraph) and a flawed answer."""

    text: str
    good: str
    flawed: str


PROMPTS: tuple[Prompt, ...] = (
    Prompt(
        "Explain recursion to a beginner.",
        "Recursion is when a function solves a problem by calling itself on a smaller "
        "version of the same problem.\n\nEvery recursive function needs a **base case** that "
        "stops the calls and a **recursive case** that moves toward it:\n\n```python\n"
        "def factorial(n):\n    if n == 0:\n        return 1\n    return n * factorial(n - 1)\n"
        "```\n\n`factorial(3)` calls `factorial(2)`, `factorial(1)` and `factorial(0)`, which "
        "returns 1, and the results multiply back up to 6.",
        "Recursion is when a loop runs forever. Avoid it: every recursive function crashes "
        "eventually.",
    ),
    Prompt(
        "How do I center a div in CSS?",
        "The simplest modern way is flexbox on the parent element.\n\n```css\n.parent {\n"
        "  display: flex;\n  justify-content: center;\n  align-items: center;\n}\n```\n\n"
        "`justify-content` centers horizontally and `align-items` vertically. To center "
        "horizontally only, `margin: 0 auto` on a div with a width also works.",
        "Wrap the div in `<center>` tags; that is the standard way in modern HTML.",
    ),
    Prompt(
        "Write a haiku about autumn.",
        "Crisp leaves drift and turn,\nthe maple lets go of red —\ncool wind hums goodbye.\n\n"
        "The lines follow the 5-7-5 syllable pattern, with a seasonal word (*maple*) as "
        "tradition suggests.",
        "Autumn is the season when leaves fall from the trees and the days get colder.",
    ),
    Prompt(
        "What is the boiling point of water at sea level?",
        "At sea level water boils at **100 °C** (212 °F).\n\nHigher up, the air pressure is "
        "lower, so water boils at a lower temperature: about 90 °C at 3,000 m.",
        "Water boils at 90 °C at sea level and at a higher temperature in the mountains.",
    ),
    Prompt(
        "Give me three tips for a job interview.",
        "1. Research the company and the role, and prepare two or three questions.\n"
        "2. Practise short stories about your work using the situation–task–action–result "
        "pattern.\n3. Arrive early and send a brief thank-you note afterwards.\n\n"
        "Preparation matters more than perfect answers: interviewers notice when you have "
        "thought about *their* problems.",
        "Just be yourself and don't prepare; interviewers like spontaneity.",
    ),
    Prompt(
        "What's the difference between a list and a tuple in Python?",
        "A list is mutable: you can append, remove and change items. A tuple is immutable "
        "once created.\n\nBecause tuples cannot change they can be dictionary keys and signal "
        "fixed records, e.g. `point = (3, 4)`, while lists suit collections that grow.",
        "There is no difference; `list` and `tuple` are two names for the same type.",
    ),
    Prompt(
        "How can I improve my sleep?",
        "Keep a regular schedule, even at weekends, and keep the bedroom dark, quiet and "
        "cool.\n\nAvoid caffeine after early afternoon and screens in the last hour before "
        "bed. If poor sleep lasts for weeks, talk to a doctor.",
        "Have a strong coffee right before bed; it relaxes most people.",
    ),
    Prompt(
        "Translate 'good morning' into Spanish and French.",
        "Spanish: *buenos días*\nFrench: *bonjour*\n\nIn French, *bonjour* is used all day "
        "until the evening, when people switch to *bonsoir*.",
        "Spanish: *buenas noches*. French: *bonsoir*.",
    ),
    Prompt(
        "Why is the sky blue?",
        "Sunlight is scattered by the molecules in the air, and shorter (blue) wavelengths "
        "scatter much more than longer (red) ones: this is Rayleigh scattering, with "
        "intensity proportional to $1/\\lambda^4$.\n\nAt sunset light crosses more air, the "
        "blue is scattered away, and the sky looks orange and red.",
        "Because the sky reflects the colour of the oceans.",
    ),
    Prompt(
        "What is $\\int_0^1 x^2\\,dx$?",
        "$$\\int_0^1 x^2\\,dx = \\left[\\frac{x^3}{3}\\right]_0^1 = \\frac{1}{3}$$\n\n"
        "The antiderivative of $x^2$ is $\\frac{x^3}{3}$; evaluate it at 1 and 0 and subtract.",
        "It is $\\frac{1}{2}$, because the antiderivative of $x^2$ is $\\frac{x^2}{2}$.",
    ),
    Prompt(
        "How do I compute the mean of a list of numbers in Python?",
        "Divide the sum by the count: `sum(xs) / len(xs)`.\n\nThe standard library also has "
        "`statistics.mean(xs)`, which raises a clear error for an empty list instead of "
        "dividing by zero.",
        "Use `max(xs) - min(xs)`; that gives the mean.",
    ),
    Prompt(
        "Suggest a name for a bakery.",
        "How about **Rise & Crumb**? It hints at both bread and pastry.\n\nOther options: "
        "*The Daily Loaf*, *Golden Crust*, or *Flour Hour* if you want something playful.",
        "Bakery.",
    ),
)
_GENERIC = (
    "There are many ways to approach this, and it really depends on your situation. Let me "
    "know if you have more details!",
    "I'm not able to help with that request.",
    "Great question! This is something a lot of people wonder about.",
    "As an AI language model, I don't have personal opinions, but it depends.",
)


def response(p: Prompt, tier: int, rng: random.Random) -> str:
    """The response to ``p`` at quality ``tier`` (0 worst … 3 best)."""
    if tier >= 3:
        return p.good
    if tier == 2:
        return p.good.split("\n\n")[0]
    if tier == 1:
        return p.flawed
    return rng.choice(_GENERIC)
