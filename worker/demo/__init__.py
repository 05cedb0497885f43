"""Realistic demo images with their ground truth, for trying the platform without real data.

Pure Python and Pillow: no Django, no disk access. The same arguments always give the same
pixels and truths, and item n does not depend on how many items are asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PIL import Image

from worker.demo.drawing import child_seeds
from worker.demo.herbarium import herbarium_sheet
from worker.demo.references import reference_card

__all__ = [
    "DemoItem",
    "herbarium_items",
    "iter_herbarium_items",
    "iter_reference_items",
    "reference_items",
]

Renderer = Callable[[int], tuple[Image.Image, dict[str, str], dict[str, str]]]


@dataclass(frozen=True)
class DemoItem:
    filename: str  # e.g. "herbarium-0001.jpg", unique within a call
    image: Image.Image  # RGB
    truth: dict[str, str]  # canonical true value per field key ("" where the image has none)
    metadata: dict[str, str]  # read-only context shown with the image


def herbarium_items(*, count: int, seed: int = 1) -> list[DemoItem]:
    """Herbarium sheets with a printed label; truth keys follow Darwin Core."""
    return list(iter_herbarium_items(count=count, seed=seed))


def reference_items(*, count: int, seed: int = 1) -> list[DemoItem]:
    """Typed index cards of a jazz bibliography."""
    return list(iter_reference_items(count=count, seed=seed))


def iter_herbarium_items(*, count: int, seed: int = 1) -> Iterator[DemoItem]:
    """The same items as `herbarium_items`, one at a time: a sheet is about 5 MB in memory."""
    return _items("herbarium", herbarium_sheet, count, seed)


def iter_reference_items(*, count: int, seed: int = 1) -> Iterator[DemoItem]:
    """The same items as `reference_items`, one at a time: a card is about 4 MB in memory."""
    return _items("reference", reference_card, count, seed)


def _items(prefix: str, render: Renderer, count: int, seed: int) -> Iterator[DemoItem]:
    for number, item_seed in enumerate(child_seeds(seed, count), start=1):
        image, truth, metadata = render(item_seed)
        yield DemoItem(f"{prefix}-{number:04d}.jpg", image, truth, metadata)
