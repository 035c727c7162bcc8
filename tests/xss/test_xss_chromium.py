"""The XSS corpus through the real renderer in real Chromium.

The renderer (js/render) is bundled by esbuild with a small test entry (tests/xss/page.ts),
served from a loopback HTTP server, and every payload in tests/xss/payloads.txt is
rendered into the live page as HTML, as markdown and inline in markdown prose. Nothing
may execute (alert/prompt/confirm/print are markers; dialogs, page errors and navigations
are watched) and no request may leave the page: every request is recorded, and anything
not for the page's own server is answered by a local stub so nothing leaves the machine
even on failure.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.xss.site import Site, load_payloads, serve_site

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The renderer bundled, served on a free loopback port, and a Chromium to load it."""
    with serve_site(tmp_path_factory.mktemp("xss-site")) as served:
        yield served


def settle(page: Page) -> None:
    """Let async work run: image errors, animations, focus and toggle events, timers."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.wait_for_timeout(400)


def test_no_payload_runs_script_or_loads_anything(site: Site) -> None:
    payloads = load_payloads()
    page, watch = site.open()
    try:
        rendered = page.evaluate("p => rwXss.renderAll(p)", payloads)
        assert rendered == 3 * len(payloads)
        settle(page)
        page.evaluate("() => rwXss.poke()")
        settle(page)

        marks = page.evaluate("() => rwXss.marks()")
        violations = page.evaluate("() => rwXss.violations()")
        frames = [f.url for f in page.frames if f != page.main_frame]
        culprits = _culprits(site, payloads) if (marks or watch.foreign or watch.dialogs) else []

        assert marks == [], f"script ran: {marks}; payloads: {culprits}"
        assert watch.dialogs == [], f"dialogs opened: {watch.dialogs}; payloads: {culprits}"
        assert watch.foreign == [], f"requests left the page: {watch.foreign}; payloads: {culprits}"
        assert watch.errors == [], f"errors: {watch.errors}"
        assert watch.popups == [], f"popups: {watch.popups}"
        assert frames == [], f"frames were created: {frames}"
        assert page.url == watch.page_url, f"the page navigated to {page.url}"
        details = [
            f"{v['format']} #{v['idx']} {payloads[v['idx']]!r}: {v['problems']}" for v in violations
        ]
        assert details == [], "\n".join(details)
    finally:
        page.close()


def test_the_watch_sees_live_script_and_requests(site: Site) -> None:
    """Control: the same payloads inserted raw (no renderer) are caught, so a pass means something."""
    page, watch = site.open()
    try:
        page.evaluate(
            """() => { document.getElementById('out').innerHTML =
                '<img src=x onerror=alert(1)><img src="http://evil.example/raw.png">' +
                '<div onmouseover="prompt(2)">hover</div>'; }"""
        )
        settle(page)
        page.evaluate(
            "() => document.querySelector('#out div').dispatchEvent(new Event('mouseover'))"
        )
        assert page.evaluate("() => rwXss.marks()") == ["alert(1)", "prompt(2)"]
        assert watch.foreign == ["http://evil.example/raw.png"]
    finally:
        page.close()


def _culprits(site: Site, payloads: list[str]) -> list[str]:
    """Which payloads misbehave on their own (only run when the whole corpus failed)."""
    found = []
    for payload in payloads:
        page, watch = site.open()
        try:
            page.evaluate("p => rwXss.renderAll(p)", [payload])
            settle(page)
            page.evaluate("() => rwXss.poke()")
            settle(page)
            if page.evaluate("() => rwXss.marks()") or watch.foreign or watch.dialogs:
                found.append(payload)
        finally:
            page.close()
    return found


@pytest.mark.parametrize(
    ("fmt", "value", "host"),
    [
        ("markdown", "A cat: ![a cat](https://images.evil.example/cat.png)", "images.evil.example"),
        (
            "html",
            '<p>A cat: <img src="http://pics.evil.example/cat.png" alt="a cat"></p>',
            "pics.evil.example",
        ),
        ("image", "https://photos.evil.example/cat.png", "photos.evil.example"),
    ],
)
def test_remote_image_waits_for_the_rater(site: Site, fmt: str, value: str, host: str) -> None:
    page, watch = site.open()
    try:
        page.evaluate("([f, v]) => rwXss.renderRemote(f, v)", [fmt, value])
        settle(page)
        holder = page.locator("#remote .rw-remote-placeholder")
        assert holder.count() == 1
        assert page.locator("#remote .rw-remote-host").inner_text() == host
        assert page.locator("#remote img").count() == 0
        assert watch.foreign == [], "a remote image loaded before the rater allowed it"

        with page.expect_request(lambda r: host in r.url) as asked:
            page.get_by_role("button", name="Load remote images for this item").click()
        request = asked.value
        assert request.url.endswith("/cat.png")
        assert "referer" not in {k.lower() for k in request.headers}
        img = page.locator("#remote img")
        img.wait_for()
        assert img.get_attribute("referrerpolicy") == "no-referrer"
        page.wait_for_function("() => document.querySelector('#remote img').complete")
        assert page.evaluate("() => document.querySelector('#remote img').naturalWidth") == 1
        assert watch.errors == []
    finally:
        page.close()


def test_content_cannot_draw_outside_its_box(site: Site) -> None:
    overlay = (
        '<div id="cover" style="position:absolute;top:-150px;left:-150px;width:3000px;height:3000px;'
        'background:red;z-index:2147483647">cover</div><p>inside</p>'
        '<div style="width:5000px">wide</div>'
    )
    page, watch = site.open()
    try:
        page.evaluate("([f, v]) => rwXss.renderBoxed(f, v)", ["html", overlay])
        box = page.locator("#frame .rw-content").bounding_box()
        assert box is not None
        assert box["width"] <= 300
        # a point above-left of the box, where the overlay would paint if it escaped
        hit = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.id ?? null",
            [box["x"] - 50, box["y"] - 50],
        )
        assert hit != "user-content-cover"
        below = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('.rw-content') ? 'content' : 'outside'",
            [box["x"] + 10, box["y"] + box["height"] + 40],
        )
        assert below == "outside"
        assert watch.errors == []
    finally:
        page.close()


def test_math_renders_as_mathml(site: Site) -> None:
    page, watch = site.open()
    try:
        page.evaluate(
            "([f, v]) => rwXss.renderBoxed(f, v)",
            ["markdown", "Euler: $e^{i\\pi} + 1 = 0$ and $$\\frac{a}{b}$$"],
        )
        sizes = page.evaluate(
            """() => Array.from(document.querySelectorAll('#frame math'), m => {
                const r = m.getBoundingClientRect();
                return [r.width, r.height, m.getAttribute('display')];
            })"""
        )
        assert len(sizes) == 2
        assert all(w > 10 and h > 5 for w, h, _ in sizes), sizes
        assert sizes[1][2] == "block"
        alt = page.evaluate(
            "() => Array.from(document.querySelectorAll('#frame math'), m => m.getAttribute('alttext'))"
        )
        assert alt == ["e^{i\\pi} + 1 = 0", "\\frac{a}{b}"]  # the TeX source, never shown as text
        text = page.locator("#frame .rw-md").inner_text()
        assert "\\frac" not in text
        assert "\\pi" not in text
        assert watch.errors == []
    finally:
        page.close()


def test_direction_follows_each_paragraph(site: Site) -> None:
    page, _watch = site.open()
    try:
        page.evaluate(
            "([f, v]) => rwXss.renderBoxed(f, v)",
            [
                "markdown",
                "An English answer.\n\nمرحبا بالعالم، هذا نص عربي.\n\n- שלום עולם\n- hello",
            ],
        )
        dirs = page.evaluate(
            "() => Array.from(document.querySelectorAll('#frame p, #frame li'), e => getComputedStyle(e).direction)"
        )
        assert dirs == ["ltr", "rtl", "rtl", "ltr"]
    finally:
        page.close()
