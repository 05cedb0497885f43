"""The site's style sheet gives secondary buttons their look wherever they are."""

from __future__ import annotations

import re
from pathlib import Path

SITE_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "site.css"


def rules(css: str) -> dict[str, str]:
    """Each selector of the sheet's plain rules (not nested in @media), with its declarations."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found: dict[str, str] = {}
    for selectors, body in re.findall(r"(?:^|})\s*([^{}@]+?)\s*\{([^{}]*)\}", css):
        for selector in selectors.split(","):
            found[" ".join(selector.split())] = found.get(" ".join(selector.split()), "") + body
    return found


def test_a_secondary_button_looks_secondary_on_every_page_not_only_on_the_review_page():
    # An unscoped rule: the transcription page's Skip and Keyboard shortcuts, and dialogs
    # outside a page's container, would otherwise take the primary look of `button`.
    declarations = rules(SITE_CSS.read_text(encoding="utf-8"))
    assert "button.secondary" in declarations
    assert "background: transparent" in declarations["button.secondary"]
