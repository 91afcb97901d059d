"""Page titles are plain text: every page the navigation leads to, and the pages those
link to, for every demo role, has a <title> without tags or character references (a
block with markup used in <title> once put an import form in the parties page's title)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from backoffice.site.demo import seed_demo
from backoffice.tenancy.selectors import accessible_tenants

TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
LINK = re.compile(r'href="(/t/[^"#?]+/)"')
SKIP = re.compile(r"(export|pdf|download|\.csv|\.xlsx|/file|/source|/attachment|logout)", re.I)


def title_problem(html: str) -> str | None:
    """What is wrong with the document's title (the one in <head>; an SVG chart's own
    <title> elements are tooltips, not the page's)."""
    head, _, _ = html.partition("</head>")
    found = TITLE.findall(head)
    if len(found) != 1:
        return f"{len(found)} <title> elements"
    title = found[0]
    if "<" in title or ">" in title:
        return f"markup in the title: {title[:120]!r}"
    if re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", title, re.I):
        return f"a character reference in the title: {title[:120]!r}"
    if not title.strip() or "\n" in title.strip():
        return f"an empty or multi-line title: {title[:120]!r}"
    return None


def test_title_problem_finds_markup_and_entities():
    assert title_problem("<title>Parties · Backoffice</title>") is None
    assert title_problem("<title>Parties<form method=post></form> · B</title>")
    assert title_problem("<title>Smith &amp; Co · Backoffice</title>")
    assert title_problem("<html></html>")


def _pattern(url: str) -> str:
    """One page per kind: `/t/x/commerce/documents/12/` and `/13/` are the same page."""
    return re.sub(r"/\d+/", "/N/", url)


@pytest.mark.django_db
def test_every_page_reached_from_the_navigation_has_a_plain_title():
    ctx = seed_demo()
    assert ctx is not None
    problems: list[str] = []
    visited = 0
    for username, user in sorted(ctx.users.items()):
        c = Client()
        c.force_login(user)
        tenants = accessible_tenants(user)
        if not tenants:
            continue
        # the dashboard, the pages the navigation leads to, and the pages they link to
        queue = [(f"/t/{tenants[0][0].slug}/", 0)]
        seen: set[str] = set()
        while queue:
            url, depth = queue.pop(0)
            if SKIP.search(url) or _pattern(url) in seen:
                continue
            seen.add(_pattern(url))
            response = c.get(url)
            visited += 1
            if response.status_code >= 500:
                problems.append(f"{username} {url}: {response.status_code}")
                continue
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            html = response.content.decode()
            problem = title_problem(html)
            if problem:
                problems.append(f"{username} {url}: {problem}")
            if depth < 2:
                queue += [(link, depth + 1) for link in sorted(set(LINK.findall(html)))]
    assert visited > 50, "the crawl reached too few pages to mean anything"
    assert not problems, "\n".join(problems)
