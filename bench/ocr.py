"""Benchmark the machine reading on the demo generator's images: how well Tesseract reads each
field, and what its vote does to adaptive redundancy.

    python -m bench.ocr [--images 20] [--seed 7]

Three kinds of labels, `--images` of each: herbarium sheets with a printed label and typed
bibliography cards (worker.demo), and the same herbarium sheets with their label made
hand-like (each row of pixels shifted along a wave, strokes thickened and blurred: the
generator draws no handwriting, and this is what OCR meets on it, letters it reads badly).

1. OCR character accuracy per field: for each field whose true value is printed as typed
   (the text fields), 1 - edit distance / length of the best-matching passage of the
   machine's text (rapidfuzz's partial ratio), averaged over the images with a value.
2. Adaptive redundancy with and without the machine's vote: simulated volunteers (the demo's,
   of several levels of care, worker.demo.noise) transcribe each image one after the other
   until the engine settles it or reaches the maximum (2 to 5, threshold 0.6); the same
   volunteers in the same order in both runs. Figures: transcriptions per image, the share
   of images settled without a curator, and the accuracy of the values settled (equal to the
   truth under the field type's comparison).

Needs Tesseract with its French, English and Latin models (`.ci/run` installs them).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageFilter
from rapidfuzz import fuzz

from worker.consensus import Policy, Submission, reconcile_task
from worker.consensus.engine import field_reader
from worker.consensus.machine import folded, machine_submission
from worker.demo import DemoItem, iter_herbarium_items, iter_reference_items
from worker.demo.noise import noisy_values
from worker.ocr import image_read, reading_lines
from worker.template import FieldSpec, template_parse

# The demo's volunteers (tasks/management/commands/seed_demo.py): most careful, one sloppy.
CARE = (0.97, 0.95, 0.9, 0.8, 0.3)
POLICY = Policy(min_transcriptions=2, max_transcriptions=5, agreement_threshold=0.6)
LANGUAGES = ("fra", "eng", "lat")


def specs_of(preset: str) -> tuple[FieldSpec, ...]:
    # The presets' field lists, without Django (tasks.presets marks labels for translation).
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)
        django.setup()
    from tasks.presets import PRESETS

    fields = [
        {**raw, "label": {k: str(v) for k, v in raw["label"].items()}}
        for raw in PRESETS[preset]["fields"]
    ]
    return template_parse(_plain(fields))


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def hand_like(image: Image.Image, seed: int) -> Image.Image:
    """The sheet with its label's rows shifted along a wave and its strokes thickened."""
    rng = random.Random(seed)
    width, height = image.size
    box = (width - 620, height - 560, width, height)  # the label, lower right (worker.demo)
    label = image.crop(box)
    shifted = Image.new("RGB", label.size, (247, 243, 229))
    phase, period, amplitude = rng.random() * 6.28, rng.uniform(18, 30), rng.uniform(3.5, 5.0)

    for y in range(label.size[1]):
        dx = round(amplitude * math.sin(phase + y / period) + rng.uniform(-1.5, 1.5))
        shifted.paste(label.crop((0, y, label.size[0], y + 1)), (dx, y))
    shifted = shifted.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.GaussianBlur(1.4))
    out = image.copy()
    out.paste(shifted, box[:2])
    return out


@dataclass
class Kind:
    name: str
    preset: str
    items: list[DemoItem]
    texts: list[str] = field(default_factory=list)


def kinds(count: int, seed: int) -> list[Kind]:
    herbarium = list(iter_herbarium_items(count=count, seed=seed))
    hand = [
        DemoItem(item.filename, hand_like(item.image, n), item.truth, item.metadata)
        for n, item in enumerate(herbarium)
    ]
    return [
        Kind("printed herbarium labels", "herbarium", herbarium),
        Kind(
            "typed reference cards", "reference", list(iter_reference_items(count=count, seed=seed))
        ),
        Kind("hand-like herbarium labels", "herbarium", hand),
    ]


def read_all(kind: Kind, folder: Path) -> float:
    started = time.monotonic()
    for item in kind.items:
        path = folder / item.filename
        item.image.save(path, quality=90)
        reading = image_read(path, languages=LANGUAGES, timeout=120, max_pixels=20_000_000)
        kind.texts.append("\n".join(reading_lines(w for w in reading.words if w.confidence >= 40)))
    return (time.monotonic() - started) / max(1, len(kind.items))


def character_accuracy(kind: Kind, specs: Sequence[FieldSpec]) -> dict[str, float]:
    scores: dict[str, list[float]] = {}
    for item, text in zip(kind.items, kind.texts, strict=True):
        lines = folded(text.replace("\n", " "))
        for spec in specs:
            truth = folded(item.truth.get(spec.key, ""))
            if spec.type == "text" and truth:
                scores.setdefault(spec.key, []).append(fuzz.partial_ratio(truth, lines) / 100)
    return {key: statistics.fmean(values) for key, values in scores.items()}


@dataclass
class Adaptive:
    transcriptions: int = 0
    images: int = 0
    settled_images: int = 0
    values: int = 0
    right: int = 0


def simulate(kind: Kind, specs: Sequence[FieldSpec], *, machine: bool, seed: int) -> Adaptive:
    types = {spec.key: spec.type for spec in specs}
    readers = {spec.key: field_reader(spec, POLICY) for spec in specs}
    figures = Adaptive()
    for number, (item, text) in enumerate(zip(kind.items, kind.texts, strict=True)):
        rng = random.Random(seed * 1000 + number)  # the same volunteers in both runs
        order = rng.sample(range(len(CARE)), len(CARE))
        people: list[Submission] = []
        while True:
            care = CARE[order[len(people) % len(CARE)]]
            values = noisy_values(item.truth, types, care=care, rng=rng)
            people.append(Submission(user=f"v{len(people)}", values=values))
            votes = list(people)
            if machine:
                vote = machine_submission(specs, people, text)
                if vote is not None:
                    votes.append(vote)
            outcome = reconcile_task(specs, votes, POLICY)
            if outcome.decision != "needs_more":
                break
        figures.images += 1
        figures.transcriptions += len(people)
        figures.settled_images += outcome.decision == "complete"
        for key, result in outcome.fields.items():
            if not result.accepted:
                continue
            figures.values += 1
            truth = item.truth.get(key, "")
            same = (
                readers[key](result.value).key == readers[key](truth).key
                if truth
                else not result.value
            )
            figures.right += bool(same)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crowd-bench-ocr-") as folder:
        for kind in kinds(args.images, args.seed):
            specs = specs_of(kind.preset)
            seconds = read_all(kind, Path(folder))
            print(f"\n{kind.name}: {len(kind.items)} images, {seconds:.2f} s of OCR each")
            accuracy = character_accuracy(kind, specs)
            print(
                "  OCR character accuracy per field: "
                + ", ".join(f"{key} {share:.1%}" for key, share in sorted(accuracy.items()))
            )
            for machine in (False, True):
                run = simulate(kind, specs, machine=machine, seed=args.seed)
                print(
                    f"  {'with' if machine else 'without'} the machine vote: "
                    f"{run.transcriptions / run.images:.2f} transcriptions per image, "
                    f"{run.settled_images / run.images:.0%} settled without a curator, "
                    f"accuracy of settled values {run.right / max(1, run.values):.2%} "
                    f"({run.values} values)"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
