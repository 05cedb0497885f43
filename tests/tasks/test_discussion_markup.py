"""Discussion markup: Markdown, tags, mentions and image references as a comment renders them."""

from __future__ import annotations

import pytest

from tasks.markup import Resolvers, comment_render

pytestmark = pytest.mark.django_db


def _plain(**overrides):
    defaults = {
        "person": lambda name: None,
        "image": lambda task_id: None,
        "tag": lambda tag: f"/tags/{tag}/",
    }
    return Resolvers(**{**defaults, **overrides})


def test_markdown_renders_emphasis_quotes_lists_code_and_safe_links():
    html = comment_render(
        "*a* **b**\n\n> quoted\n\n- one\n- two\n\n`x<y` [site](https://example.org)", _plain()
    ).html
    assert "<em>a</em>" in html
    assert "<strong>b</strong>" in html
    assert "<blockquote>" in html
    assert "<li>one</li>" in html
    assert "<code>x&lt;y</code>" in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">site</a>' in html


def test_tags_are_links_to_the_tag_page_stored_case_folded_once_each():
    rendered = comment_render("#Quercus and #quercus, not a#b nor `#code`", _plain())
    assert rendered.tags == ["quercus"]
    assert rendered.html.count('class="hashtag"') == 2
    assert 'href="/tags/quercus/"' in rendered.html
    assert "a#b" in rendered.html
    assert "<code>#code</code>" in rendered.html


def test_mentions_resolve_only_to_known_people_and_unknown_ones_stay_text():
    people = {"alice": "Alice", "jeanne baret": "Jeanne Baret"}
    rendered = comment_render(
        "@alice @[Jeanne Baret] @bob me@example.org",
        _plain(
            person=lambda name: (
                (name.lower(), people[name.lower()]) if name.lower() in people else None
            )
        ),
    )
    assert rendered.mentions == ["alice", "jeanne baret"]
    assert '<span class="mention">@Alice</span>' in rendered.html
    assert '<span class="mention">@Jeanne Baret</span>' in rendered.html
    assert "@bob" in rendered.html
    assert 'mention">@bob' not in rendered.html
    assert "me@example.org" in rendered.html


def test_image_references_link_only_to_images_the_resolver_accepts():
    rendered = comment_render(
        "see ^12 and ^99", _plain(image=lambda task_id: "/img/12/" if task_id == 12 else None)
    )
    assert rendered.images == [12]
    assert '<a class="image-ref" href="/img/12/"' in rendered.html
    assert "^99" in rendered.html
    assert 'href="/img/99/"' not in rendered.html
