"""Helpers for browser tests on the transcription page."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def wait_until_image_left(page: Page, root: Locator, task_id: str) -> None:
    """After a skip or a submission: the page shows another image, or says there is nothing
    left for this volunteer (other tests of the session may have taken the rest)."""
    page.wait_for_function(
        "([el, id]) => el.dataset.state === 'finished'"
        " || (el.dataset.state === 'ready' && el.dataset.taskId !== id)",
        arg=[root.element_handle(), task_id],
    )
