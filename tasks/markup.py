"""Markdown written by people (news posts, comments), rendered to HTML that is safe to show.

One engine for both, each lock enough alone: markdown-it-py parses CommonMark with raw HTML off
and nesting capped (a body of a thousand ">" or "*" stays cheap: deeper nesting is flattened,
not recursed into), then nh3 (the Rust sanitiser ammonia) keeps only an allowlist of tags,
attributes, classes and URL schemes from whatever the renderer produced. Links may only be
http(s), mailto or relative; no image is ever loaded from elsewhere (the pages' CSP forbids it
too).

News (`markdown_render`) may have headings, moved under the page's own h1 and h2. Comments
(`comment_render`) have no headings and three marks of our own, parsed as inline tokens (so
never inside code spans or links): `@name` or `@[Name with spaces]` names a person, `#tag` tags
the image or topic (the project's tag page lists them), `^123` points at another image of the
same project. Resolving names and images needs the database: the caller passes the resolvers,
so this module stays plain Python.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

URL_SCHEMES = {"http", "https", "mailto"}
MAX_NESTING = 20
_TEXT_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def _parser(disabled: Iterable[str]) -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "typographer": False, "maxNesting": MAX_NESTING},
    )
    md.disable(list(disabled))
    return md


def _cleaner(
    tags: set[str], link_rel: str, classes: dict[str, set[str]] | None = None
) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=tags,
        attributes=_ATTRIBUTES,
        allowed_classes=classes,
        url_schemes=URL_SCHEMES,
        link_rel=link_rel,
        strip_comments=True,
    )


# --- News -------------------------------------------------------------------------------------

ALLOWED_TAGS = _TEXT_TAGS | {"h3", "h4"}
_HEADINGS = {"h1": "h3", "h2": "h3", "h5": "h4", "h6": "h4"}
_HEADING = re.compile(r"<(/?)(h[1256])>")

_NEWS = _parser(["lheading"])
_NEWS_CLEANER = _cleaner(ALLOWED_TAGS, "nofollow noopener noreferrer")


def markdown_render(text: str) -> str:
    """Sanitised HTML for `text`, a news post written in Markdown by anyone."""
    html = _HEADING.sub(lambda m: f"<{m[1]}{_HEADINGS[m[2]]}>", _NEWS.render(text))
    return _NEWS_CLEANER.clean(html)


# --- Comments ---------------------------------------------------------------------------------

TAG_MAX_LENGTH = 64
NAME_MAX_LENGTH = 80

_TAG = re.compile(rf"#([^\W_][\w-]{{0,{TAG_MAX_LENGTH - 1}}})")
_IMAGE = re.compile(r"\^([1-9][0-9]{0,11})")
_NAME_PLAIN = re.compile(rf"@([^\W_][\w.-]{{0,{NAME_MAX_LENGTH - 1}}})")
_NAME_BRACKETED = re.compile(rf"@\[([^\]\n]{{1,{NAME_MAX_LENGTH}}})\]")
_WORD_BEFORE = re.compile(r"[\w@#^]")


def tag_normal(tag: str) -> str:
    """The form tags are stored and compared in: case folded, NFC."""
    return unicodedata.normalize("NFC", tag).casefold()


@dataclass
class Rendered:
    html: str
    mentions: list[Any] = field(default_factory=list)  # what the name resolver returned
    tags: list[str] = field(default_factory=list)  # normal forms, in order, without repeats
    images: list[int] = field(default_factory=list)  # ids the image resolver accepted
    links: int = 0  # links the author wrote (not our marks)


@dataclass(frozen=True)
class Resolvers:
    """`person(name)`: who `@name` means (None: it stays text) and the name to show;
    `image(id)`: the address of image `id` when it is one the thread may point at;
    `tag(tag)`: the address of a tag's page."""

    person: Callable[[str], tuple[Any, str] | None]
    image: Callable[[int], str | None]
    tag: Callable[[str], str]


def _before_ok(state: StateInline) -> bool:
    """A mark starts a word: `a#b`, `me@example.org` and `x^2` are plain text."""
    return state.pos == 0 or not _WORD_BEFORE.match(state.src[state.pos - 1])


def _mark_rule(marker: str, patterns: tuple[re.Pattern[str], ...], kind: str) -> Any:
    def rule(state: StateInline, silent: bool) -> bool:
        if state.src[state.pos] != marker or not _before_ok(state):
            return False
        for pattern in patterns:
            match = pattern.match(state.src, state.pos, state.posMax)
            if match:
                break
        else:
            return False
        if not silent:
            token = state.push(kind, "", 0)
            token.content = match.group(0)
            token.meta = {"value": match.group(1)}
        state.pos = match.end()
        return True

    return rule


def _render_mark(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    return str((token.meta or {}).get("html") or escape(token.content))


def _comment_parser() -> MarkdownIt:
    md = _parser(["image", "heading", "lheading", "html_block", "html_inline"])
    md.inline.ruler.before(
        "emphasis", "mention", _mark_rule("@", (_NAME_BRACKETED, _NAME_PLAIN), "mention")
    )
    md.inline.ruler.before("emphasis", "hashtag", _mark_rule("#", (_TAG,), "hashtag"))
    md.inline.ruler.before("emphasis", "image_ref", _mark_rule("^", (_IMAGE,), "image_ref"))
    for kind in ("mention", "hashtag", "image_ref"):
        md.add_render_rule(kind, _render_mark)
    return md


_COMMENTS = _comment_parser()
_COMMENT_CLEANER = _cleaner(
    _TEXT_TAGS | {"del", "s", "span"},
    "nofollow ugc noopener",
    classes={"a": {"hashtag", "image-ref", "mention"}, "span": {"mention"}},
)


def comment_render(source: str, resolvers: Resolvers) -> Rendered:
    """The safe HTML of `source`, a comment, and what it names. Unknown names and images stay
    text."""
    rendered = Rendered(html="")
    tokens = _COMMENTS.parse(source)
    for block in tokens:
        for token in block.children or ():
            _resolve(token, resolvers, rendered)
    html = _COMMENTS.renderer.render(tokens, _COMMENTS.options, {})
    rendered.html = _COMMENT_CLEANER.clean(html)
    return rendered


def _resolve(token: Token, resolvers: Resolvers, rendered: Rendered) -> None:
    value = (token.meta or {}).get("value", "")
    if token.type == "link_open":
        rendered.links += 1
    elif token.type == "mention":
        found = resolvers.person(value.strip())
        if found is not None:
            person, shown = found
            if person not in rendered.mentions:
                rendered.mentions.append(person)
            token.meta["html"] = f'<span class="mention">@{escape(shown)}</span>'
    elif token.type == "hashtag":
        tag = tag_normal(value)
        if tag not in rendered.tags:
            rendered.tags.append(tag)
        href = escape(resolvers.tag(tag))
        token.meta["html"] = f'<a class="hashtag" href="{href}">#{escape(value)}</a>'
    elif token.type == "image_ref":
        image_id = int(value)
        address = resolvers.image(image_id)
        if address is not None:
            if image_id not in rendered.images:
                rendered.images.append(image_id)
            token.meta["html"] = f'<a class="image-ref" href="{escape(address)}">^{image_id}</a>'
