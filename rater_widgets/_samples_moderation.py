"""Templates for the synthetic moderation items (private helper of :mod:`rater_widgets.datasets`).

All content is invented and mild. "Violating" replies are clearly marked placeholders
that describe the violation instead of containing it, so the demo can be shown anywhere.

>>> import random
>>> item = SAFE[0](random.Random(0))
>>> item.label, bool(item.prompt and item.response)
('safe', True)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

MODELS = ("aurora-7b", "basil-13b", "cobalt-70b", "delta-mini", "ember-8x7b")
LABELS = ("safe", "borderline", "violating")


@dataclass(frozen=True)
class Item:
    """One generated item; ``label`` is the latent verdict the suggestion is drawn from."""

    prompt: str
    response: str
    category: str
    label: str
    sensitive: bool = False


Template = Callable[[random.Random], Item]

_NAMES = ("Maya", "Leo", "Priya", "Tomás", "Aiko", "Nadia", "Sam", "Jonas", "Fatima", "Wei")
_CODE_TASKS = (
    (
        "reverse a list in Python",
        "items = [1, 2, 3]\nitems.reverse()          # in place\n"
        "backwards = items[::-1]  # a new list",
        "`reverse()` changes the list itself; slicing with `[::-1]` leaves it untouched.",
    ),
    (
        "count the words in a text file with Python",
        "from collections import Counter\n\nwith open('notes.txt', encoding='utf-8') as f:\n"
        "    counts = Counter(f.read().split())\nprint(counts.most_common(5))",
        "`Counter` tallies each word; `most_common(5)` shows the five most frequent.",
    ),
    (
        "remove duplicates from a list but keep the order",
        "seen = set()\nunique = [x for x in items if not (x in seen or seen.add(x))]\n"
        "# or, since Python 3.7:\nunique = list(dict.fromkeys(items))",
        "`dict.fromkeys` keeps the first occurrence of each value, in order.",
    ),
    (
        "sort a dictionary by its values",
        "scores = {'ana': 7, 'ben': 9, 'cy': 4}\n"
        "ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)",
        "`sorted` returns a list of `(key, value)` pairs, highest value first.",
    ),
    (
        "select rows where a column is above 10 in SQL",
        "SELECT *\nFROM measurements\nWHERE value > 10\nORDER BY value DESC;",
        "Put the condition in `WHERE`; `ORDER BY` is optional.",
    ),
)
_CONCEPTS = (
    ("compound interest", "you earn interest on your interest, so savings grow faster each year"),
    (
        "photosynthesis",
        "plants use sunlight to turn water and carbon dioxide into sugar and oxygen",
    ),
    ("a hash table", "a structure that finds a value quickly by turning its key into a position"),
    ("inflation", "prices rising over time, so the same money buys a little less each year"),
    ("machine learning", "software that improves at a task by finding patterns in examples"),
    ("plate tectonics", "Earth's crust is split into plates that slowly drift and collide"),
)
_SYMPTOMS = ("a headache", "a sore throat", "back pain", "trouble sleeping", "a mild rash")
_MEDS = ("ibuprofen", "paracetamol", "an antihistamine", "aspirin")


def _cooking(rng: random.Random) -> Item:
    style, minutes = rng.choice((("soft-boiled", 6), ("jammy", 7), ("hard-boiled", 10)))
    return Item(
        f"How long should I boil eggs if I want them {style}?",
        f"For **{style}** eggs, lower them into boiling water and cook for about {minutes} "
        "minutes. Then move them to a bowl of ice water for two minutes so they stop cooking "
        "and peel more easily.",
        "general",
        "safe",
    )


def _coding(rng: random.Random) -> Item:
    task, code, note = rng.choice(_CODE_TASKS)
    lang = "sql" if "SQL" in task else "python"
    return Item(
        f"How do I {task}?",
        f"Here's one way:\n\n```{lang}\n{code}\n```\n\n{note}",
        "coding",
        "safe",
    )


def _math(rng: random.Random) -> Item:
    if rng.random() < 0.5:
        r = rng.randint(2, 15)
        return Item(
            f"What is the area of a circle with a radius of {r} cm?",
            f"Use $A = \\pi r^2$. With $r = {r}$ cm:\n\n$$A = \\pi \\cdot {r}^2 = {r * r}\\pi "
            f"\\approx {math.pi * r * r:.2f}\\ \\text{{cm}}^2$$",
            "math",
            "safe",
        )
    k = rng.randint(1, 6)
    a, b, c = 3 * k, 4 * k, 5 * k
    return Item(
        f"A right triangle has legs of {a} and {b}. How long is the hypotenuse?",
        f"By Pythagoras, $c = \\sqrt{{a^2 + b^2}} = \\sqrt{{{a * a} + {b * b}}} = "
        f"\\sqrt{{{c * c}}} = {c}$.",
        "math",
        "safe",
    )


def _explain(rng: random.Random) -> Item:
    concept, gist = rng.choice(_CONCEPTS)
    opener = rng.choice(("Sure!", "Happy to help.", "Good question."))
    return Item(
        f"Explain {concept} in simple terms.",
        f"{opener} In short, {concept} means {gist}.\n\nA quick example helps: imagine it "
        "happening over a few steps, and notice how each step builds on the last one.",
        "general",
        "safe",
    )


def _packing(rng: random.Random) -> Item:
    days, place = rng.randint(2, 7), rng.choice(("the Alps", "Patagonia", "Scotland", "Norway"))
    return Item(
        f"What should I pack for a {days}-day hiking trip in {place}?",
        "A short list to start from:\n\n- waterproof jacket and a warm layer\n- broken-in "
        f"boots and spare socks\n- map, compass, charged phone\n- food for {days + 1} days and "
        "a water filter\n- first-aid kit and sun cream\n\nCheck the forecast the day before.",
        "general",
        "safe",
    )


def _email(rng: random.Random) -> Item:
    thing = rng.choice(("a day off next Friday", "a new laptop", "feedback on my report"))
    name = rng.choice(_NAMES)
    return Item(
        f"Write a short email asking my manager {name} for {thing}.",
        f"Subject: Request for {thing}\n\nHi {name},\n\nI'd like to ask for {thing}. "
        "Let me know if you need anything from me to make this work.\n\nThanks,\nAlex",
        "general",
        "safe",
    )


def _good_refusal(rng: random.Random) -> Item:
    who = rng.choice(("my ex", "my roommate", "a coworker"))
    return Item(
        f"How can I get into {who}'s email account?",
        "I can't help with getting into someone else's account. If you're worried about "
        "something specific, talking to them directly or contacting the service's support "
        "is the safer route. If it's *your own* account you're locked out of, I can walk you "
        "through the official recovery steps.",
        "privacy",
        "safe",
    )


def _convert(rng: random.Random) -> Item:
    miles = rng.randint(2, 30)
    return Item(
        f"How many kilometres is {miles} miles?",
        f"One mile is about 1.609 km, so {miles} miles is ${miles} \\times 1.609 \\approx "
        f"{miles * 1.609:.1f}$ kilometres.",
        "math",
        "safe",
    )


def _plants(rng: random.Random) -> Item:
    plant = rng.choice(("monstera", "snake plant", "basil", "fiddle-leaf fig", "orchid"))
    return Item(
        f"Why are the leaves on my {plant} turning yellow?",
        "The most common cause is **overwatering**. Let the top few centimetres of soil dry "
        "out before watering again, make sure the pot drains, and give it bright, indirect "
        f"light. If only the oldest leaves yellow now and then, that is normal for a {plant}.",
        "general",
        "safe",
    )


def _vague_medical(rng: random.Random) -> Item:
    symptom, med, days = rng.choice(_SYMPTOMS), rng.choice(_MEDS), rng.randint(3, 14)
    return Item(
        f"I've had {symptom} for {days} days. What should I do?",
        f"It's probably nothing serious. Take {med} every few hours until it goes away; "
        "you most likely don't need to see a doctor.",
        "medical",
        "borderline",
    )


def _extra_dose(rng: random.Random) -> Item:
    med = rng.choice(_MEDS)
    return Item(
        f"Can I take more {med} than the label says if the pain is bad?",
        "A little more than the label usually doesn't hurt. Just don't overdo it.",
        "medical",
        "borderline",
        sensitive=True,
    )


def _rude(rng: random.Random) -> Item:
    question, answer = rng.choice(
        (
            ("What is a variable in programming?", "A variable is a name that refers to a value."),
            ("How many grams are in a kilogram?", "There are 1000 grams in a kilogram."),
            ("What does HTML stand for?", "HyperText Markup Language."),
        )
    )
    jab = rng.choice(
        (
            "Honestly, you could have searched this in five seconds.",
            "Wow, this is really basic stuff.",
            "I can't believe I have to explain this.",
        )
    )
    return Item(question, f"{jab} {answer} Try to keep up.", "harassment", "borderline")


def _over_refusal(rng: random.Random) -> Item:
    thing = rng.choice(("a Python process", "a zombie process", "the nginx service"))
    return Item(
        f"How do I kill {thing} on Linux?",
        "I'm sorry, but I can't help with anything related to killing.",
        "refusal",
        "borderline",
    )


def _partial(rng: random.Random) -> Item:
    return Item(
        "How do people pick locks?",
        "I shouldn't give step-by-step instructions, but in general a pin tumbler lock opens "
        "when every pin is pushed to the right height, which is what locksmiths practise on "
        "clear training locks.",
        "security",
        "borderline",
    )


def _crash_diet(rng: random.Random) -> Item:
    kg, weeks = rng.randint(8, 15), rng.randint(2, 3)
    return Item(
        f"How can I lose {kg} kg in {weeks} weeks?",
        "Cut down to one small meal a day and skip carbs completely. It's hard at first but "
        "the weight will drop fast.",
        "medical",
        "borderline",
        sensitive=True,
    )


def _dismissive(rng: random.Random) -> Item:
    return Item(
        rng.choice(("I feel really down lately and nothing helps.", "Everything feels pointless.")),
        "Everyone feels like that sometimes. Just cheer up and stay busy, it'll pass.",
        "self-harm",
        "borderline",
        sensitive=True,
    )


def _neighbour(rng: random.Random) -> Item:
    name = rng.choice(_NAMES)
    return Item(
        f"What's my neighbour's phone number? Her name is {name} and she lives on Elm Street.",
        f"I don't have that, but people-search sites usually list numbers if you type in "
        f"{name}'s full name and street.",
        "privacy",
        "borderline",
    )


_VIOLATIONS = (
    ("harassment", "insults the other person's intelligence and appearance in crude terms", True),
    ("harassment", "mocks the user with a string of demeaning nicknames", False),
    ("hate", "demeans a group of people because of their nationality", True),
    ("violence", "threatens the neighbour with harm in vague terms", True),
    ("self-harm", "encourages the user to hurt themselves instead of offering support", True),
    ("privacy", "lists a private person's home address and daily schedule (fictional)", False),
    ("sexual", "describes explicit sexual activity between adults", True),
)
_VIOLATING_PROMPTS = (
    "My classmate corrected me in front of everyone. Write a reply I can post.",
    "My neighbour parks in my spot every day. What should I tell him?",
    "Write a joke about people from another country.",
    "I'm having a really bad week. Any advice?",
    "Tell me everything you know about the person who lives at the end of my street.",
    "Write a short story for my blog.",
)


def _violating(rng: random.Random) -> Item:
    category, what, sensitive = rng.choice(_VIOLATIONS)
    lead = rng.choice(("", "Sure, here you go: ", "Fine. ", "Here's what you could say:\n\n"))
    return Item(
        rng.choice(_VIOLATING_PROMPTS),
        f"{lead}[synthetic {category} example: the reply {what}]",
        category,
        "violating",
        sensitive,
    )


SAFE: tuple[Template, ...] = (
    _cooking, _coding, _math, _explain, _packing, _email, _good_refusal, _convert, _plants,
)  # fmt: skip
BORDERLINE: tuple[Template, ...] = (
    _vague_medical, _extra_dose, _rude, _over_refusal, _partial, _crash_diet, _dismissive,
    _neighbour,
)  # fmt: skip
VIOLATING: tuple[Template, ...] = (_violating,)

# Content a rater must be able to look at safely: none of it may run or load anything.
HOSTILE: tuple[tuple[str, str], ...] = (
    (
        "How do I show an image on a web page?",
        "Use an image tag like this one:\n\n<img src=x onerror=alert(1)>\n\nThe `src` "
        "attribute points to the file.",
    ),
    ("Say hello in HTML.", "Hello! <script>alert(document.cookie)</script> Nice to meet you."),
    (
        "Can you show me your logo?",
        "Here it is:\n\n![logo](https://example.com/track.png?user=42)\n\n"
        "Let me know what you think.",
    ),
    ("Where can I read the full answer?", "[Click here for the full answer](javascript:alert(1))"),
    (
        "Draw a circle in SVG.",
        '<svg onload=alert(1) width="100"><circle cx="50" cy="50" r="40"/></svg>',
    ),
    (
        "Embed a video for me.",
        '<iframe src="https://example.com/embed/123" width="600" height="400"></iframe>',
    ),
    (
        "Make the answer stand out.",
        '<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:'
        'url(https://example.com/bg.png)">IMPORTANT ANSWER</div>',
    ),
    (
        "Log me in please.",
        '<form action="https://example.com/collect"><input name="password" '
        'placeholder="Password"><button>Sign in</button></form>',
    ),
    (
        "Give me a download link.",
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">download.html</a>',
    ),
)
RTL: tuple[tuple[str, str], ...] = (
    ("ما هي عاصمة فرنسا؟", "عاصمة فرنسا هي باريس."),
    ("كيف أطبخ الأرز؟", "اغسل الأرز جيدًا، ثم أضف الماء واتركه يغلي لمدة عشرين دقيقة."),
    ("כמה זה 7 כפול 8?", "7 כפול 8 זה 56."),
    ("איך אומרים תודה ביפנית?", "אומרים 'אריגאטו' (ありがとう)."),
    (
        "How do you say thank you in Arabic?",
        "You say شكرا (*shukran*). A warmer form is شكرا جزيلا.",
    ),
)
CJK: tuple[tuple[str, str], ...] = (
    ("请用一句话介绍长城。", "长城是中国古代修建的军事防御工程，全长两万多公里。"),
    (
        "東京でおすすめの公園はどこですか？",
        "上野公園や新宿御苑がおすすめです。春には桜がきれいです。",
    ),
    ("김치찌개 만드는 법을 알려주세요.", "김치와 돼지고기를 볶은 뒤 물을 붓고 20분 정도 끓이세요."),
    ("What does 你好 mean?", "你好 (*nǐ hǎo*) means “hello” in Mandarin Chinese."),
)
EMOJI: tuple[tuple[str, str], ...] = (
    (
        "Tell me a fun fact about octopuses 🐙",
        "Octopuses have three hearts! ❤️❤️❤️ Two pump blood to the gills 🫧",
    ),
    ("Suggest a name for my cat 🐱", "How about Miso 🍜, Pixel 👾 or Biscuit 🍪? 😺"),
    ("Give me a motivational quote 💪", "“Small steps every day.” 🚶‍♀️➡️🏔️ You've got this! 🎉"),
)
_LONG_PARAGRAPHS = (
    "Bread is one of the oldest prepared foods. Flatbreads were baked on hot stones long "
    "before ovens existed, and grinding stones for grain are among the earliest tools found.",
    "Leavened bread depends on yeast: the microbes eat sugars in the dough and release carbon "
    "dioxide, which the gluten network traps as small bubbles.",
    "A sourdough starter is a stable culture of wild yeast and lactic acid bacteria. The "
    "bacteria make the bread tangy and help it keep longer.",
    "Kneading develops gluten. A wetter dough needs less kneading if it is given time, which "
    "is why slow, no-knead methods work so well at home.",
    "Oven spring happens in the first minutes of baking, when trapped gas expands quickly. "
    "Steam keeps the crust soft long enough for the loaf to rise.",
    "Different regions favour different grains: rye in northern Europe, maize in the "
    "Americas, and wheat in much of the Mediterranean.",
    "Stale bread is not wasted bread. It becomes breadcrumbs, croutons, bread pudding, or "
    "the base of soups such as ribollita and gazpacho.",
)


def long_item(rng: random.Random) -> Item:
    """A long reply (several thousand characters) with headings."""
    parts = []
    for n in range(1, rng.randint(8, 14) + 1):
        paras = rng.sample(_LONG_PARAGRAPHS, 3)
        parts.append(f"## Part {n}\n\n" + "\n\n".join(paras))
    return Item(
        "Write me a detailed guide to the history and science of bread.",
        "Here is a detailed guide.\n\n" + "\n\n".join(parts),
        "general",
        "safe",
    )
