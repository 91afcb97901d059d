"""Accessibility checks shared by the browser tests: axe-core, page width, focus rings.

axe-core comes bundled with `axe-playwright-python` (pinned in the dev extras); we inject
its script ourselves and ask only for the WCAG 2.0/2.1 A and AA rules, so a best-practice
hint never fails a build but a WCAG failure of serious or critical impact always does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Page, ViewportSize

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# Playwright's 30 s default is too short when the test workers share two busy cores.
PATIENCE_MS = 120_000


@dataclass
class Finding:
    """One page's blocking axe violations, kept for the one report at the end."""

    url: str
    violations: list[dict] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"{self.url}"]
        for v in self.violations:
            lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:5]:
                target = " ".join(str(t) for t in node["target"])
                lines.append(f"      at {target}")
                lines.append(f"         {node['html'][:160]}")
                if node.get("failureSummary"):
                    summary = " ".join(node["failureSummary"].split())
                    lines.append(f"         {summary[:240]}")
            if len(v["nodes"]) > 5:
                lines.append(f"      … and {len(v['nodes']) - 5} more")
        return "\n".join(lines)


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules; return the serious and critical ones."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]


def check_page(page: Page) -> Finding:
    return Finding(url=urlsplit(page.url).path, violations=axe_violations(page))


def report(findings: list[Finding]) -> str:
    bad = [f for f in findings if f.violations]
    return "\n\n".join(f.describe() for f in bad)


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the document is wider than the viewport (0 when it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.context.set_default_timeout(PATIENCE_MS)
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/t/[^/]+/$"))


def same_site_links(page: Page, selector: str, base_url: str) -> list[str]:
    """The page-local paths of the links under `selector`, in order, without duplicates."""
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
    paths: list[str] = []
    for href in hrefs:
        parts = urlsplit(href)
        if not href.startswith(base_url) or parts.path.endswith((".pdf", ".csv")):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path not in paths:
            paths.append(path)
    return paths


FOCUS_RING_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const r = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
    ring: outline || !!shadow,
    visible: r.width > 0 && r.height > 0,
    inShell: !!el.closest('header, nav.side, .skip-link'),
  };
}
"""


def tab_through(page: Page, limit: int = 60) -> list[dict]:
    """Press Tab from the top of the page; what took focus each time, with its focus ring."""
    # Tab starts from a focus point placed before everything else on the page.
    page.evaluate(
        """() => { const s = document.createElement('span'); s.tabIndex = -1; s.id = 'tab-start';
        document.body.prepend(s); s.focus(); s.addEventListener('blur', () => s.remove()); }"""
    )
    page.keyboard.press("Tab")
    stops = []
    for _ in range(limit):
        info = page.evaluate(FOCUS_RING_JS)
        if info is None or not info["inShell"]:
            break
        stops.append(info)
        page.keyboard.press("Tab")
    return stops
