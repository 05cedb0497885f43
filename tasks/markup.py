"""Markdown written by people (news posts), rendered to HTML that is safe to show.

Two maintained libraries, each doing one job: markdown-it-py (CommonMark) turns the text into
HTML with raw HTML disabled, and nh3 (the Rust sanitiser ammonia) keeps only an allowlist of
tags and attributes, whatever the renderer let through. Links may only be http(s), mailto or
relative, and open with rel="nofollow noopener noreferrer"."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Deeper nesting is flattened by the renderer rather than recursed into: a body of a thousand
# ">" or "*" stays cheap to render.
MAX_NESTING = 20

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_renderer.options["maxNesting"] = MAX_NESTING
# Headings of a post sit under the page's own h1 and h2.
_renderer.disable(["lheading"])


def markdown_render(text: str) -> str:
    """Sanitised HTML for `text`, Markdown written by anyone."""
    html = _renderer.render(text)
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>").replace("<h2>", "<h3>")
    html = html.replace("</h2>", "</h3>").replace("<h5>", "<h4>").replace("</h5>", "</h4>")
    html = html.replace("<h6>", "<h4>").replace("</h6>", "</h4>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
