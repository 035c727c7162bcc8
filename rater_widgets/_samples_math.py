"""Math word problems with worked solutions, some with a deliberate slip.

Private helper of :mod:`rater_widgets.datasets`. Every arithmetic step states exactly one
equation ``x op y = r`` (plain or LaTeX); a slip makes one ``r`` wrong, and later steps
compute correctly from the wrong value, so the error propagates to the final answer.

>>> import random
>>> w = solve(_change, random.Random(1), slip=None, style=Style(latex=False, times="×"))
>>> w.first_error is None and w.steps[-1].endswith(".")
True
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

_NAMES = ("Maya", "Leo", "Priya", "Tomás", "Aiko", "Nadia", "Sam", "Jonas", "Fatima", "Wei")
_FRUIT = ("apples", "oranges", "pears", "lemons")


@dataclass(frozen=True)
class Style:
    """How equations are written in one trace."""

    latex: bool
    times: str = "×"  # "×" or "*" when not LaTeX
    minus: str = "-"  # "-" or "−" when not LaTeX


@dataclass
class Worked:
    """A problem with its solution steps; ``first_error`` is a 0-based step index."""

    problem: str = ""
    steps: list[str] = field(default_factory=list)
    answer: int = 0
    first_error: int | None = None
    last_calc: tuple[int, str, int, int] | None = None
    valid: bool = True


class Calc:
    """Writes steps; the ``slip``-th calculation (0-based) gets a wrong result."""

    def __init__(self, style: Style, slip: int | None, slip_rng: random.Random) -> None:
        self.style, self.slip, self.slip_rng = style, slip, slip_rng
        self.out = Worked()
        self.count = 0
        self.valid = True  # False once a result goes negative or a division is inexact

    def __call__(self, text: str, x: int, op: str, y: int, keep_multiple: int = 1) -> int:
        """Add ``text`` with ``{eq}`` filled in; return the (possibly wrong) result."""
        value = _apply(x, op, y)
        self.valid &= value >= 0 and (op != "÷" or x % y == 0)
        if self.count == self.slip:
            value = _slip(value, self.slip_rng, keep_multiple)
            self.out.first_error = len(self.out.steps)
        self.count += 1
        self.out.steps.append(text.format(eq=self._eq(x, op, y, value), r=value))
        self.out.last_calc = (x, op, y, value)
        return value

    def say(self, text: str) -> None:
        """A step without arithmetic."""
        self.out.steps.append(text)

    def _eq(self, x: int, op: str, y: int, r: int) -> str:
        s = self.style
        if s.latex:
            sym = {"+": "+", "-": "-", "×": "\\times", "÷": "\\div"}[op]
            return f"${x} {sym} {y} = {r}$"
        sym = {"+": "+", "-": s.minus, "×": s.times, "÷": "÷" if s.times == "×" else "/"}[op]
        return f"{x} {sym} {y} = {r}"


def _apply(x: int, op: str, y: int) -> int:
    return {"+": x + y, "-": x - y, "×": x * y, "÷": x // y}[op]


def _slip(value: int, rng: random.Random, multiple: int) -> int:
    """A plausible arithmetic mistake: off by a little, a carry, or swapped digits."""
    text = str(value)
    options = [value + multiple, value - multiple, value + 10 * multiple, value + 2 * multiple]
    if multiple == 1 and len(text) >= 2 and text[-1] != text[-2]:
        options.append(int(text[:-2] + text[-1] + text[-2]))
    return rng.choice([v for v in options if v > 0 and v != value])


Problem = Callable[[random.Random, Calc], None]


def _change(rng: random.Random, c: Calc) -> None:
    name, a, p, b, q = (
        rng.choice(_NAMES),
        rng.randint(2, 9),
        rng.randint(2, 12),
        rng.randint(2, 9),
        rng.randint(1, 5),
    )
    bill = ((a * p + b * q) // 50 + 1) * 50 + 50
    c.out.problem = (
        f"{name} buys {a} notebooks at €{p} each and {b} pens at €{q} each, and pays with "
        f"a €{bill} note. How much change does {name} get, in euros?"
    )
    r1 = c("The notebooks cost {eq} euros.", a, "×", p)
    r2 = c("The pens cost {eq} euros.", b, "×", q)
    r3 = c("Together that is {eq} euros.", r1, "+", r2)
    c.out.answer = c(f"The change is {{eq}} euros, so {name} gets €{{r}} back.", bill, "-", r3)


def _boxes(rng: random.Random, c: Calc) -> None:
    fruit, per, mon, tue = (
        rng.choice(_FRUIT),
        rng.randint(6, 24),
        rng.randint(3, 15),
        rng.randint(3, 15),
    )
    sold = rng.randint(per, per * (mon + tue) // 2)
    c.out.problem = (
        f"A farm packs {per} {fruit} into each box. It fills {mon} boxes on Monday and {tue} "
        f"boxes on Tuesday, then sells {sold} {fruit} at the market. How many packed {fruit} "
        "are left?"
    )
    r1 = c(f"Monday's boxes hold {{eq}} {fruit}.", per, "×", mon)
    r2 = c(f"Tuesday's boxes hold {{eq}} {fruit}.", per, "×", tue)
    r3 = c("In total the farm packed {eq}.", r1, "+", r2)
    c.out.answer = c(f"After the market, {{eq}} {fruit} are left.", r3, "-", sold)


def _train(rng: random.Random, c: Calc) -> None:
    v, t1, w, t2 = (
        rng.randint(6, 16) * 10,
        rng.randint(2, 5),
        rng.randint(5, 12) * 10,
        rng.randint(1, 4),
    )
    c.out.problem = (
        f"A train travels at {v} km/h for {t1} hours, then at {w} km/h for {t2} "
        f"hour{'s' if t2 > 1 else ''}. "
        "How many kilometres does it travel in total?"
    )
    r1 = c("In the first part it covers {eq} km.", v, "×", t1)
    r2 = c("In the second part it covers {eq} km.", w, "×", t2)
    c.out.answer = c("The total distance is {eq} km.", r1, "+", r2)


def _savings(rng: random.Random, c: Calc) -> None:
    name, s, wk = rng.choice(_NAMES), rng.randint(5, 25), rng.randint(4, 12)
    s2, wk2 = rng.randint(5, 25), rng.randint(2, 8)
    bike = rng.randint(s, s * wk - 15)
    c.out.problem = (
        f"{name} saves €{s} a week for {wk} weeks, spends €{bike} on a bike, then saves "
        f"€{s2} a week for {wk2} more weeks. How many euros does {name} have now?"
    )
    r1 = c(f"First {name} saves {{eq}} euros.", s, "×", wk)
    r2 = c("After buying the bike, {eq} euros remain.", r1, "-", bike)
    r3 = c("The later weeks add {eq} euros.", s2, "×", wk2)
    c.out.answer = c(f"So {name} has {{eq}} euros.", r2, "+", r3)


def _teams(rng: random.Random, c: Calc) -> None:
    size, classes = rng.choice((3, 4, 5, 6)), rng.randint(3, 9)
    per_class = size * rng.randint(4, 6)
    balls = rng.randint(2, 4)
    c.out.problem = (
        f"A school has {classes} classes of {per_class} students. For sports day they form "
        f"teams of {size}, and each team gets {balls} balls. How many balls are needed?"
    )
    r1 = c("There are {eq} students.", classes, "×", per_class, keep_multiple=size)
    r2 = c("That makes {eq} teams.", r1, "÷", size)
    c.out.answer = c("The teams need {eq} balls.", r2, "×", balls)


def _recipe(rng: random.Random, c: Calc) -> None:
    serves, per, want = rng.choice((2, 4, 5)), rng.randint(6, 20) * 5, rng.randint(6, 15)
    flour = serves * per
    c.out.problem = (
        f"A recipe uses {flour} g of flour for {serves} servings. How many grams of flour "
        f"are needed for {want} servings?"
    )
    r1 = c("One serving needs {eq} g.", flour, "÷", serves)
    c.out.answer = c(f"For {want} servings that is {{eq}} g.", r1, "×", want)


def _fence(rng: random.Random, c: Calc) -> None:
    length, width, price = rng.randint(8, 40), rng.randint(5, 30), rng.randint(3, 15)
    c.out.problem = (
        f"A rectangular garden is {length} m long and {width} m wide. Fencing costs €{price} "
        "per metre. How much does it cost to fence the whole garden?"
    )
    r1 = c("Half the perimeter is {eq} m.", length, "+", width)
    r2 = c("The full perimeter is {eq} m.", 2, "×", r1)
    c.out.answer = c("The fence costs {eq} euros.", r2, "×", price)


def _discount(rng: random.Random, c: Calc) -> None:
    price, pct = rng.randint(3, 15) * 20, rng.choice((10, 15, 20, 25, 30, 35, 40))
    c.out.problem = (
        f"A jacket costs €{price} and is on sale for {pct}% off. What is the sale price?"
    )
    r1 = c("Multiply the price by the percentage: {eq}.", price, "×", pct, keep_multiple=100)
    r2 = c("Dividing by 100 gives the discount: {eq} euros.", r1, "÷", 100)
    c.out.answer = c("The sale price is {eq} euros.", price, "-", r2)


def _ages(rng: random.Random, c: Calc) -> None:
    name, age, gap, times = (
        rng.choice(_NAMES),
        rng.randint(6, 14),
        rng.randint(2, 9),
        rng.randint(3, 4),
    )
    c.out.problem = (
        f"{name} is {age} years old. Her brother is {gap} years older, and their mother is "
        f"{times} times {name}'s age. What is the sum of their three ages?"
    )
    r1 = c("The brother is {eq} years old.", age, "+", gap)
    r2 = c("The mother is {eq} years old.", times, "×", age)
    r3 = c(f"{name} and her brother together: {{eq}}.", age, "+", r1)
    c.out.answer = c("Adding the mother gives {eq} years.", r3, "+", r2)


def _pages(rng: random.Random, c: Calc) -> None:
    name, per_day, days = rng.choice(_NAMES), rng.randint(12, 40), rng.randint(3, 9)
    pages = per_day * days + rng.randint(20, 200)
    c.out.problem = (
        f"A book has {pages} pages. {name} reads {per_day} pages a day for {days} days. "
        "How many pages are left?"
    )
    r1 = c(f"In those days {name} reads {{eq}} pages.", per_day, "×", days)
    c.out.answer = c("There are {eq} pages left.", pages, "-", r1)


PROBLEMS: tuple[Problem, ...] = (
    _change, _boxes, _train, _savings, _teams, _recipe, _fence, _discount, _ages, _pages,
)  # fmt: skip
_CONCLUSIONS = ("So the answer is {a}.", "Therefore the answer is {a}.", "The final answer is {a}.")


def solve(
    problem: Problem,
    rng_state: random.Random,
    slip: int | None,
    style: Style,
    slip_rng: random.Random | None = None,
) -> Worked:
    """Work ``problem`` with numbers from a copy of ``rng_state``; slip at calc ``slip``."""
    rng = random.Random()
    rng.setstate(rng_state.getstate())
    calc = Calc(style, slip, slip_rng or random.Random(0))
    problem(rng, calc)
    out = calc.out
    out.valid = calc.valid
    if rng.random() < 0.5:
        out.steps.append(rng.choice(_CONCLUSIONS).format(a=out.answer))
    return out


def count_calcs(problem: Problem, rng_state: random.Random) -> int:
    """How many calculations ``problem`` makes (so a slip can be placed in range)."""
    rng = random.Random()
    rng.setstate(rng_state.getstate())
    calc = Calc(Style(latex=False), None, random.Random(0))
    problem(rng, calc)
    return calc.count


def code_check(w: Worked) -> str | None:
    """A verification step with a fenced code block, when the last calculation is right."""
    if w.last_calc is None:
        return None
    x, op, y, r = w.last_calc
    pyop = {"+": "+", "-": "-", "×": "*", "÷": "//"}[op]
    if _apply(x, op, y) != r:
        return None
    return f"Double-check with Python:\n```python\nprint({x} {pyop} {y})  # {r}\n```"
