"""rw.report: charts that match the statistics, one self-contained HTML file that renders
offline, nothing confidential unless asked, and the `rater-widgets report` command."""

from __future__ import annotations

import base64
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import rater_widgets as rw
from rater_widgets.adjudicate import disagreements
from rater_widgets.cli import main
from rater_widgets.report import Report, report

CONTENT = "ZEBRA-CONTENT-7731"
PROMPT = "PROMPT-SECRET-4410"
RATIONALE = "RATIONALE-SECRET-9902"
ANNOTATORS = ["ana", "bo", "cy"]
VERDICTS = ["safe", "borderline", "violating"]
RUBRIC = rw.Rubric(
    [
        rw.Choice("verdict", VERDICTS, required=True),
        rw.MultiChoice("categories", ["harassment", "self-harm", "privacy"]),
        rw.Scale("confidence", 1, 5),
        rw.Text("rationale"),
    ]
)


def items(n: int = 40) -> pl.DataFrame:
    rng = random.Random(1)
    truth = [rng.choice(VERDICTS) for _ in range(n)]
    return pl.DataFrame(
        {
            "id": [f"q{i:03d}" for i in range(n)],
            "prompt": [f"{PROMPT} question {i}" for i in range(n)],
            "response": [f"Reply {i}: {CONTENT}" for i in range(n)],
            "truth": truth,
            "suggestion": [t if i % 4 else "safe" for i, t in enumerate(truth)],
            "gold": [t if i < 6 else None for i, t in enumerate(truth)],
        }
    )


def label(store: str, df: pl.DataFrame, study: str = "pilot", **kw: Any) -> rw.ItemRater:
    """Three simulated annotators, each item to two of them; answers hold a rationale."""
    rng = random.Random(7)
    truth = dict(zip(df["id"], df["truth"], strict=True))
    last = None
    for name in ANNOTATORS:
        w = rw.ItemRater(df, RUBRIC, content="response", context=["prompt"], store=store,
                         study=study, annotator=name, overlap=2, annotators=ANNOTATORS,
                         suggestion="suggestion", gold="gold", **kw)  # fmt: skip
        while w.current is not None:
            right = rng.random() < 0.8
            verdict = truth[w.current] if right else rng.choice(VERDICTS)
            cats = ["privacy"] if verdict != "safe" else []
            w.submit({"verdict": verdict, "categories": cats, "confidence": rng.randint(3, 5),
                      "rationale": f"{RATIONALE} by {name}"},
                     ms=rng.randint(2_000, 40_000))  # fmt: skip
        last = w
    assert last is not None
    return last


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[rw.ItemRater, str, pl.DataFrame]:
    df = items()
    path = str(tmp_path_factory.mktemp("study") / "study.sqlite")
    return label(path, df), path, df


def chart_values(chart: Any) -> list[dict[str, Any]]:
    """The rows of a one-dataset chart (Altair moves inline data to "datasets")."""
    spec = chart.to_dict()
    if "datasets" in spec:
        (values,) = spec["datasets"].values()
        return list(values)
    return list(spec["data"]["values"])


def chart_rows(spec: Any) -> int:
    """Inline data rows anywhere in a Vega-Lite spec (layers and facets included)."""
    if isinstance(spec, dict):
        own = len(spec["values"]) if isinstance(spec.get("values"), list) else 0
        own += sum(len(v) for v in spec.get("datasets", {}).values())
        return own + sum(chart_rows(v) for k, v in spec.items() if k not in ("values", "datasets"))
    if isinstance(spec, list):
        return sum(chart_rows(v) for v in spec)
    return 0


# ------------------------------------------------------------------ what a report holds


def test_a_widget_report_has_every_chart_that_applies(study):
    w, _, _ = study
    r = report(w, title="Pilot study")
    assert isinstance(r, Report)
    assert set(r.charts) == {"agreement", "pairwise_kappa", "disagreements",
                             "confusion_verdict", "gold_accuracy", "time_per_item",
                             "progress"}  # fmt: skip
    for chart in r.charts.values():
        spec = chart.to_dict()  # a valid Vega-Lite spec (Altair validates it)
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert spec["config"]["range"]["category"][0] == "#0072B2"  # Okabe–Ito
    people = r.tables["annotators"]
    assert people["annotator"].to_list() == ANNOTATORS
    assert people["items"].sum() == w.annotations.height
    assert people["gold_accuracy"].is_not_null().all()
    assert r.title == "Pilot study"
    assert "ids, labels and statistics" in repr(r)


def test_agreement_and_confusion_are_the_statistics_module_s_numbers(study):
    w, _, _ = study
    r = report(w, n_boot=200)
    ann = w.annotations
    table = r.tables["agreement"]
    alpha = table.filter((pl.col("field") == "verdict")
                         & pl.col("statistic").str.starts_with("Krippendorff")).row(0, named=True)  # fmt: skip
    want = rw.stats.krippendorff_alpha(ann, "verdict", ci=0.95, n_boot=200)
    assert alpha["estimate"] == pytest.approx(float(want))
    assert (alpha["ci_low"], alpha["ci_high"]) == pytest.approx((want.ci_low, want.ci_high))
    fleiss = table.filter((pl.col("field") == "confidence") & (pl.col("statistic") == "Fleiss' κ"))
    assert fleiss["estimate"][0] == pytest.approx(
        float(rw.stats.fleiss_kappa(ann, "confidence", ci=0.95, n_boot=200))
    )
    # a multi-choice field is judged per option
    assert "categories: privacy" in table["field"].to_list()
    confusion = r.tables["confusion_verdict"]
    expected = rw.stats.confusion(ann, "verdict", "suggested_verdict")
    assert confusion.select("model", "human", "n").equals(expected)
    # the model said "safe" on every fourth item: off-diagonal counts show up
    assert confusion.filter(pl.col("model") != pl.col("human"))["n"].sum() > 0
    gold = r.tables["gold_accuracy"]
    assert gold.equals(w.gold_accuracy("verdict"))


def test_disagreements_count_items_and_list_labels_only(study):
    w, _, _ = study
    r = report(w)
    counts = r.tables["disagreements"]
    verdict = counts.filter(pl.col("field") == "verdict").row(0, named=True)
    found = disagreements(w.annotations, ["verdict"])
    assert verdict["items_disagreeing"] == found.height > 0
    assert verdict["items_compared"] == w.annotations["id"].n_unique()
    listed = r.tables["disagreement_items"]
    assert "rationale" not in listed.columns
    anywhere = disagreements(w.annotations, ["verdict", "categories", "confidence"])
    assert listed["id"].to_list() == anywhere["id"].cast(pl.String).to_list()
    assert listed.columns == ["id", "n_annotators", "fields", "verdict", "categories",
                              "confidence"]  # fmt: skip


def test_the_store_alone_gives_the_same_report_as_the_widget(study):
    w, path, _ = study
    from_widget = report(w, n_boot=100)
    from_store = report(path, n_boot=100)  # the rubric from the manifest; no widget
    assert set(from_store.charts) == set(from_widget.charts) - {"gold_accuracy"}
    assert from_store.tables["agreement"].equals(from_widget.tables["agreement"])
    # model labels come back from what the store recorded as shown to the raters
    assert from_store.tables["confusion_verdict"].equals(from_widget.tables["confusion_verdict"])
    assert from_store.tables["disagreements"].equals(from_widget.tables["disagreements"])


def test_progress_and_time_are_aggregated_per_annotator(study):
    w, _, _ = study
    r = report(w)
    durations = r.tables["time_per_item"]
    secs = w.annotations.group_by("annotator").agg((pl.col("duration_ms") / 1000).median())
    got = dict(zip(durations["annotator"], durations["median"], strict=True))
    for name, median in secs.iter_rows():
        assert got[name] == pytest.approx(median)
    values = chart_values(r.charts["progress"])
    last = {}
    for row in values:
        last[row["annotator"]] = max(last.get(row["annotator"], 0), row["done"])
    assert last == dict(w.annotations.group_by("annotator").len().iter_rows())


# ------------------------------------------------------------------ confidentiality


def test_by_default_the_file_holds_no_content_prompts_or_rationales(study, tmp_path):
    w, _, df = study
    path = report(w).save(tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    for secret in (CONTENT, PROMPT, RATIONALE):
        assert secret not in text
    assert "This report holds ids, labels and statistics only" in text
    assert "This report contains item content" not in text
    # ids and labels are there
    assert df["id"][0] in text or "disagreement" in text
    assert "borderline" in text
    # nor does the notebook view
    shown = report(w)._repr_mimebundle_()
    for secret in (CONTENT, PROMPT, RATIONALE):
        assert secret not in shown["text/html"]


def test_include_content_adds_items_and_rationales_and_says_so_first(study, tmp_path):
    w, _, _ = study
    r = report(w, include_content=True)
    text = r.save(tmp_path / "with-content.html").read_text(encoding="utf-8")
    assert CONTENT in text
    assert PROMPT in text
    assert RATIONALE in text
    body = text[text.index("<body") :]
    warning = body.index("This report contains item content")
    assert warning < body.index("<section"), "the warning comes before any section"
    assert warning < body.index(CONTENT)
    # a notebook output is shared with the .ipynb: it never carries the content table
    html = r._repr_html_()
    assert "This report contains item content" in html
    assert CONTENT not in html
    assert RATIONALE not in html


def test_a_store_report_with_content_has_rationales_and_asks_for_the_data(study, tmp_path):
    _, path, df = study
    r = report(path, include_content=True)
    text = r.to_html()
    assert RATIONALE in text
    assert CONTENT not in text  # the store never held it
    assert "pass data=" in text
    with_data = report(path, include_content=True, data=df).to_html()
    assert CONTENT in with_data


def test_hostile_ids_and_names_stay_text(tmp_path):
    evil_id = "</script><script>document.title='pwned'</script>"
    evil_name = "<img src=x onerror=alert(1)>"
    ann = pl.DataFrame(
        {
            "id": [evil_id, evil_id, "b", "b", "c", "c"],
            "annotator": [evil_name, "bo"] * 3,
            "verdict": pl.Series(
                ["safe", "violating", "safe", "safe", "violating", "violating"],
                dtype=pl.Enum(VERDICTS),
            ),
        }
    )
    text = report(ann, include_content=True).to_html()
    assert evil_id not in text
    assert evil_name not in text
    assert text.count("<script") == 3  # the Vega bundle, the chart specs, the embed call
    assert "&lt;img src=x onerror=alert(1)&gt;" in text or "\\u003cimg" in text


# ------------------------------------------------------------------ other sources


def test_an_annotations_frame_with_a_rubric_or_named_fields(study):
    w, _, _ = study
    ann = w.annotations
    r = report(ann, rubric=RUBRIC)
    assert "agreement" in r.charts
    assert "confusion_verdict" in r.charts  # suggested_<field> columns are found
    # without a rubric, String columns are free text: the rationale is never analysed
    plain = ann.with_columns(pl.col("verdict").cast(pl.String))
    r = report(plain.drop("suggested_verdict"))
    fields = set(r.tables["agreement"]["field"])
    assert "rationale" not in fields
    assert "verdict" not in fields
    r = report(plain, field="verdict")
    assert set(r.tables["agreement"]["field"]) == {"verdict"}


def test_gold_and_suggestion_can_come_from_the_data(study):
    w, _, df = study
    ann = w.annotations.drop("suggested_verdict")
    r = report(ann, rubric=RUBRIC, suggestion="suggestion", data=df,
               gold=df.select("id", "gold").drop_nulls())  # fmt: skip
    assert "confusion_verdict" in r.charts
    assert r.tables["gold_accuracy"]["n_gold"].sum() > 0


def test_pairwise_study_reports_win_rates_strengths_and_position_bias(tmp_path):
    df = rw.datasets.pairwise(n=80, seed=0)
    store = str(tmp_path / "pairs.sqlite")
    rng = random.Random(3)
    for name in ("ana", "bo", "cy"):
        w = rw.PairwiseRater(df, models=("model_a", "model_b"), store=store, study="rlhf",
                             annotator=name)  # fmt: skip
        for row in df.iter_rows(named=True):
            good = 2 if row["true_better"] == "a" else -2
            w.submit({"preference": good if rng.random() < 0.8 else -good}, item=row["id"],
                     ms=5_000)  # fmt: skip
    r = report(w, n_boot=200)
    assert {"win_rates", "bradley_terry", "agreement"} <= set(r.charts)
    bt = rw.stats.bradley_terry(w.comparisons(), ci=0.95, n_boot=200)
    assert r.tables["bradley_terry"].equals(bt)
    assert r.tables["position_bias"]["annotator"].to_list() == ["ana", "bo", "cy"]
    assert "winner" in r.tables["agreement"]["field"].to_list()
    # read back from the store alone: the widget-owned columns are typed from the answers
    again = report(store, n_boot=200)
    assert again.tables["bradley_terry"].equals(bt)


def test_a_ranking_study_reports_strengths(tmp_path):
    df = rw.datasets.rankings(n=30, seed=0)
    w = rw.RankRater(df, models=["m1", "m2", "m3"], store=str(tmp_path / "rank.sqlite"),
                     annotator="ana")  # fmt: skip
    rng = random.Random(0)
    for row in df.iter_rows(named=True):
        w.submit({"ranks": rng.sample([1, 2, 3], 3)}, item=row["id"])
    r = report(w, n_boot=100)
    assert "bradley_terry" in r.charts
    assert set(r.tables["bradley_terry"]["model"]) == set(rw.datasets.MODEL_STRENGTH)


# ------------------------------------------------------------------ odd data, errors


def test_one_annotator_and_undefined_statistics_become_notes(tmp_path):
    df = items(6)
    w = rw.ItemRater(df, RUBRIC, content="response", store=str(tmp_path / "one.sqlite"),
                     annotator="solo")  # fmt: skip
    for _ in range(6):
        w.submit({"verdict": "safe"})
    r = report(w)  # pytest turns any warning into an error: there must be none
    assert "agreement" not in r.charts
    assert any("only 1 annotator" in n for n in r.notes)
    assert "annotators" in r.tables
    same = pl.DataFrame({"id": [1, 1, 2, 2], "annotator": ["a", "b"] * 2,
                         "verdict": pl.Series(["safe"] * 4, dtype=pl.Enum(VERDICTS))})  # fmt: skip
    r = report(same)
    assert any("undefined" in n for n in r.notes)


def test_store_errors_name_the_problem(study, tmp_path):
    _, path, df = study
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(FileNotFoundError, match="no store at"):
        report(str(missing))
    assert not missing.exists(), "reading a report must not create an empty store"
    with pytest.raises(ValueError, match=r"no study 'pilt'.*'pilot'"):
        report(path, study="pilt")
    two = str(tmp_path / "two.sqlite")
    label(two, df.head(8), study="first")
    label(two, df.head(8), study="second")
    with pytest.raises(ValueError, match=r"holds 2 studies.*\['first', 'second'\]"):
        report(two)
    assert report(two, study="second").tables["annotators"].height == 3
    with pytest.raises(KeyError, match="field='verdikt'"):
        report(path, field="verdikt")
    with pytest.raises(TypeError, match="rater widget, a store"):
        report(42)
    with pytest.raises(ValueError, match=r"\.html"):
        report(path).save(tmp_path / "report.pdf")


def test_a_large_study_builds_from_aggregates(tmp_path):
    """100k annotations: charts carry a few hundred rows at most, never the answers."""
    rng = np.random.default_rng(0)
    n_items, per_item = 50_000, 2
    ids = np.repeat(np.arange(n_items), per_item)
    who = np.stack([rng.choice(12, 2, replace=False) for _ in range(n_items)]).ravel()
    truth = np.repeat(rng.choice(3, n_items), per_item)
    noise = rng.choice(3, n_items * per_item)
    labels = np.where(rng.random(n_items * per_item) < 0.8, truth, noise)
    ann = pl.DataFrame(
        {
            "id": ids,
            "annotator": [f"a{j:02d}" for j in who],
            "verdict": pl.Series(np.array(VERDICTS)[labels]).cast(pl.Enum(VERDICTS)),
            "confidence": rng.integers(1, 6, n_items * per_item),
            "duration_ms": rng.integers(1_000, 60_000, n_items * per_item),
        }
    ).with_columns(
        updated_at=pl.datetime(2025, 1, 1, time_zone="UTC")
        + pl.duration(seconds=pl.int_range(pl.len()) * 7)
    )
    r = report(ann, n_boot=200)
    assert {"agreement", "pairwise_kappa", "time_per_item", "progress"} <= set(r.charts)
    for name, chart in r.charts.items():
        assert 0 < chart_rows(chart.to_dict()) < 1_000, name
    # 12 annotators: the busiest 7 get a line, the other 5 are summed
    lines = {v["annotator"] for v in chart_values(r.charts["progress"])}
    assert len(lines) == 8
    assert "others (5)" in lines


def test_the_notebook_view_is_static_images_light_and_dark(study):
    w, _, _ = study
    bundle = report(w)._repr_mimebundle_()
    html = bundle["text/html"]
    assert "<script" not in html
    images = re.findall(r"<img class='rw-(light|dark)'[^>]*src='data:image/svg\+xml;base64,([^']+)'",
                        html)  # fmt: skip
    assert len(images) == 2 * 7
    svg = base64.b64decode(images[0][1]).decode()
    assert svg.startswith("<svg")
    assert "data-jp-theme-light" in html  # the dark image shows in a dark JupyterLab
    assert bundle["text/plain"].startswith("Report(")


# ------------------------------------------------------------------ the command


def test_cli_writes_the_report_and_prints_its_path(study, tmp_path, capsys):
    _, path, _ = study
    out = tmp_path / "cli.html"
    assert main(["report", path, "--out", str(out), "--title", "CLI run"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out.resolve())
    steps = [line for line in captured.err.splitlines() if line.startswith("[")]
    assert [s[:5] for s in steps] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    text = out.read_text(encoding="utf-8")
    assert "CLI run" in text
    assert RATIONALE not in text
    assert main(["report", path, "--out", str(out), "--include-content", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert RATIONALE in out.read_text(encoding="utf-8")


def test_cli_errors_are_one_clear_line(study, tmp_path, capsys):
    _, path, _ = study
    missing = tmp_path / "missing.sqlite"
    assert main(["report", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rater-widgets report: no store at")
    assert "Traceback" not in err
    assert not missing.exists()
    assert main(["report", path, "--study", "nope", "--out", str(tmp_path / "x.html")]) == 2
    assert "known studies: ['pilot']" in capsys.readouterr().err
    assert main(["report", path, "--out", str(tmp_path / "no" / "dir.html")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["report", "--help"])
    assert exc.value.code == 0
    assert "--include-content" in capsys.readouterr().out


_NO_PSYCOPG = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "psycopg" or name.startswith("psycopg."):
            raise ImportError("No module named 'psycopg' (blocked by the test)")
sys.meta_path.insert(0, Block())
from rater_widgets.adjudicate import disagreements
from rater_widgets.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_cli_runs_as_a_command_and_explains_a_missing_psycopg(study, tmp_path):
    _, path, _ = study
    out = tmp_path / "sub.html"
    done = subprocess.run(
        [sys.executable, "-m", "rater_widgets.cli", "report", path, "--out", str(out)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == out.resolve()
    assert "[4/4] writing" in done.stderr
    assert out.stat().st_size > 500_000  # the Vega bundle is inside
    url = "postgresql://rater@127.0.0.1:1/study"
    done = subprocess.run([sys.executable, "-c", _NO_PSYCOPG, "report", url],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2
    assert "needs psycopg 3" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.postgres
def test_a_postgres_study_reports_like_sqlite(pg_database, tmp_path):
    server, name = pg_database
    url = server.url(name)
    label(url, items(12))
    out = tmp_path / "pg.html"
    assert main(["report", url, "--out", str(out), "--quiet"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Agreement" in text
    assert RATIONALE not in text


# ------------------------------------------------------------------ in a real browser


@pytest.mark.e2e
def test_the_saved_file_renders_every_chart_with_the_network_blocked(study, tmp_path):
    from tests.browser import shared_browser

    w, _, _ = study
    r = report(w, include_content=True)
    path = r.save(tmp_path / "offline.html").resolve()
    browser = shared_browser()  # one Chromium per test process (tests/browser.py)
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        requests: list[str] = []

        def only_the_file(route: Any, requests: list[str] = requests) -> None:
            if route.request.url == path.as_uri():
                route.continue_()
            else:
                requests.append(route.request.url)
                route.abort()

        context.route("**/*", only_the_file)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.on("console",
                lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)  # fmt: skip
        page.goto(path.as_uri())
        drawn = ".rw-chart .chart-wrapper > svg"
        page.wait_for_function(
            f"document.querySelectorAll('{drawn}').length === {len(r.charts)}",
            timeout=30_000,
        )
        # every chart drew marks, not just an empty frame
        marks = page.evaluate(
            f"[...document.querySelectorAll('{drawn}')]"
            ".map(s => s.querySelectorAll('.role-mark path, .role-mark line, "
            ".role-mark text, .role-mark rect').length)"
        )
        assert all(m > 0 for m in marks), marks
        assert requests == [], "the report asked the network for something"
        assert errors == []
        assert page.get_by_text("This report contains item content").is_visible()
        text_colour = page.evaluate(
            f"getComputedStyle(document.querySelector('{drawn} .role-axis-label text')).fill"
        )
        # axis labels are dark on light, light on dark
        bright = sum(int(v) for v in re.findall(r"\d+", text_colour)[:3])
        assert (bright < 200) if scheme == "light" else (bright > 500), text_colour
        assert page.title() != "pwned"
        context.close()


def test_model_scores_on_a_scale_come_back_from_the_store(tmp_path):
    df = pl.DataFrame({"id": [1, 2, 3, 4], "text": list("abcd"), "model": [1, 2, 3, 3]})
    rubric = rw.Rubric([rw.Scale("score", 1, 3)])
    store = str(tmp_path / "scale.sqlite")
    for name in ("ana", "bo"):
        w = rw.ItemRater(df, rubric, content="text", store=store, annotator=name,
                         suggestion={"score": "model"})  # fmt: skip
        for i in range(4):
            w.submit({"score": i % 3 + 1})
    from_store = report(store).tables["confusion_score"]
    assert from_store.equals(report(w).tables["confusion_score"])
    assert from_store.filter(pl.col("model") == pl.col("human"))["n"].sum() == 3
