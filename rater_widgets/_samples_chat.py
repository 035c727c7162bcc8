"""Conversation scripts for the synthetic chat samples (private helper of ``datasets``).

Each script fills a few slots and returns the turns of one conversation, including
system prompts and tool turns (``role: "tool"`` with the tool's ``name``).

>>> import random
>>> turns = SCRIPTS[1](random.Random(0))
>>> [t["role"] for t in turns]
['system', 'user', 'assistant', 'tool', 'assistant']
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

Turn = dict[str, str | None]
Script = Callable[[random.Random], list[Turn]]

_CITIES = ("Oslo", "Lisbon", "Nairobi", "Montréal", "Kyoto", "Valparaíso")


def _t(role: str, content: str, name: str | None = None) -> Turn:
    return {"role": role, "content": content, "name": name}


def _cooking(rng: random.Random) -> list[Turn]:
    veg, cheese = rng.choice(("spinach", "mushrooms", "peppers")), rng.choice(("feta", "cheddar"))
    return [
        _t("user", f"I have eggs, {veg} and {cheese}. What can I cook for dinner?"),
        _t(
            "assistant",
            f"A {veg} and {cheese} omelette:\n\n1. Soften the {veg} in a little oil.\n"
            f"2. Pour in 3 beaten eggs and cook gently.\n3. Add the {cheese}, fold, and serve.",
        ),
        _t("user", "Can I make it without a frying pan?"),
        _t(
            "assistant",
            "Yes: bake it as a frittata in a greased dish at 180 °C for about 20 minutes.",
        ),
    ]


def _weather(rng: random.Random) -> list[Turn]:
    city, rain, temp = rng.choice(_CITIES), rng.choice((0.1, 0.4, 0.8, 0.9)), rng.randint(-3, 28)
    advice = "Take an umbrella." if rain >= 0.5 else "You can probably leave the umbrella at home."
    return [
        _t("system", "You are a helpful assistant. You can call get_weather(city)."),
        _t("user", f"Do I need an umbrella in {city} today?"),
        _t("assistant", f"Let me check the forecast for {city}."),
        _t(
            "tool",
            json.dumps({"city": city, "rain_probability": rain, "temp_c": temp}),
            "get_weather",
        ),
        _t("assistant", f"There's a {rain:.0%} chance of rain and it's {temp} °C. {advice}"),
    ]


def _percent(rng: random.Random) -> list[Turn]:
    x, pct = rng.randint(2, 90) * 20, rng.choice((5, 10, 15, 20, 25))
    result = x * pct // 100
    return [
        _t("user", f"What's {pct}% of {x}?"),
        _t("assistant", "I'll compute that with the calculator."),
        _t(
            "tool", json.dumps({"expression": f"{x} * {pct} / 100", "result": result}), "calculator"
        ),
        _t("assistant", f"{pct}% of {x} is **{result}**."),
    ]


def _search(rng: random.Random) -> list[Turn]:
    book, author, year = rng.choice(
        (
            ("Pride and Prejudice", "Jane Austen", 1813),
            ("One Hundred Years of Solitude", "Gabriel García Márquez", 1967),
            ("Things Fall Apart", "Chinua Achebe", 1958),
        )
    )
    hits = [{"title": f"{book} - {author}", "snippet": f"First published in {year}."}]
    return [
        _t("system", "Answer with sources. Tools: search(query)."),
        _t("user", f"Who wrote {book}?"),
        _t("assistant", f'Searching for "{book} author".'),
        _t("tool", json.dumps(hits, ensure_ascii=False), "search"),
        _t("assistant", f"*{book}* was written by **{author}** and first published in {year}."),
    ]


def _debugging(rng: random.Random) -> list[Turn]:
    n = rng.randint(3, 6)
    return [
        _t(
            "user",
            "My loop prints the same number every time:\n\n"
            f"```python\nx = 0\nfor i in range({n}):\n    print(x)\n```",
        ),
        _t("assistant", "You print `x`, which never changes. Print the loop variable `i` instead."),
        _t("user", "Thanks! And how do I print them all on one line?"),
        _t("assistant", f'```python\nfor i in range({n}):\n    print(i, end=" ")\n```'),
    ]


def _support(rng: random.Random) -> list[Turn]:
    order, days = rng.randint(10000, 99999), rng.randint(1, 4)
    return [
        _t("system", "You are the support assistant for Acme Bikes. Be brief and polite."),
        _t("user", "My order hasn't arrived yet."),
        _t("assistant", "Sorry to hear that! Could you give me your order number?"),
        _t("user", f"It's {order}."),
        _t("assistant", f"Thanks, let me look up order {order}."),
        _t(
            "tool",
            json.dumps({"order": order, "status": "in transit", "eta_days": days}),
            "lookup_order",
        ),
        _t("assistant", f"Order {order} is in transit and should arrive within {days} day(s)."),
    ]


def _languages(rng: random.Random) -> list[Turn]:
    return rng.choice(
        (
            [
                _t("user", "¿Cómo se dice 'library' en español?"),
                _t("assistant", "Se dice *biblioteca*. Ojo: *librería* es una tienda de libros."),
            ],
            [
                _t("user", "「ありがとう」は英語で何と言いますか？"),
                _t(
                    "assistant",
                    "“Thank you” と言います。丁寧に言うなら “Thank you very much” です。",
                ),
            ],
            [
                _t("user", "ما معنى كلمة 'كتاب'؟"),
                _t("assistant", "كلمة 'كتاب' تعني book بالإنجليزية."),
            ],
        )
    )


def _refusal(rng: random.Random) -> list[Turn]:
    return [
        _t("system", "You are a careful assistant."),
        _t("user", "Can you tell me my coworker's home address? Her name is Dana."),
        _t(
            "assistant",
            "I can't share or look up someone's private address. You could ask Dana directly.",
        ),
        _t("user", "OK, then how do I invite her to a team dinner politely?"),
        _t(
            "assistant",
            "Something like: *Hi Dana, a few of us are having dinner on Friday at 7. "
            "Would you like to join?* 🍝",
        ),
    ]


SCRIPTS: tuple[Script, ...] = (
    _cooking, _weather, _percent, _search, _debugging, _support, _languages, _refusal,
)  # fmt: skip
