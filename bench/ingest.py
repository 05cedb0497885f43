"""Ingest benchmark: our whole per-image pipeline against `vips dzsave` making the tiles alone.

    .venv/bin/python bench/ingest.py --images 20     # --images 3 for a quick run

Synthetic 6000x4000 herbarium-like JPEGs (paper grain and noise, a plant, printed and
handwritten labels, colour chart, barcode; quality 95, about 10 MB) are drawn once into a cache
folder in the temp dir. Each sheet is then run single-threaded, in a child process of its own
whose peak resident size is read (VmHWM):

- ours: `worker.imaging.ingest.image_ingest`, the ingest job's pipeline (open, verify, EXIF
  orientation, RGB, `iiif_tiles_write`, a thumbnail fitting 400x400, LANCZOS, reduced from the
  tile set's smallest scaled full image that fills it), and the SHA-256 of the file;
- vips: `vips dzsave FILE OUT --layout iiif3 --tile-size 512 --vips-concurrency=1` (tiles only,
  at its default JPEG quality 75), and the same at Q=85, the quality of our tiles.

Runs are interleaved and repeated (`--repeat`, the least disturbed run of each sheet counts).
Throughput per core is megapixels over the CPU time (user + system) of a run, which holds on a
busy machine where wall time does not; wall time is printed alongside. Ours is also run as a
worker process would, all sheets in one process (first left out), with Pillow keeping freed
memory blocks for the next image (PILLOW_BLOCKS_MAX).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

from worker.imaging.derivatives import THUMBNAIL_SIZE, derivatives_make
from worker.imaging.iiif import iiif_full_path
from worker.imaging.ingest import file_sha256, image_ingest

WIDTH, HEIGHT = 6000, 4000
SOURCE_QUALITY = 95
GENERATOR_VERSION = 2  # bump when the drawing changes: the cache folder name follows it
VIPS_COMMAND = ["--layout", "iiif3", "--tile-size", "512", "--vips-concurrency=1"]
VIPS_VARIANTS = {"vips": [], "vips Q=85": ["--suffix", ".jpg[Q=85]"]}
MB = 1_000_000
WARM_BLOCKS_MAX = 16  # 16 MB blocks: room for one decoded 6000x4000 image and its half


@dataclass(frozen=True)
class Run:
    megapixels: float
    cpu: float  # seconds, user + system
    wall: float  # seconds
    peak_rss: int  # bytes
    baseline_rss: int  # bytes: the process before it touched the image (0 when unknown)
    steps: dict[str, float]  # CPU seconds per step (ours only)


# --- Synthetic herbarium sheets ---------------------------------------------------------------


def images_make(count: int, folder: Path) -> list[Path]:
    """`count` sheets in `folder`, drawn only where missing (the folder is a cache).

    Each is drawn in a child process, so that this one stays small: a child started later
    (vips) would otherwise start with our resident size as its peak (ru_maxrss).
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"sheet-{index:02d}.jpg"
        if not path.exists():
            started = time.perf_counter()
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--draw",
                str(path),
                str(index),
            ]
            subprocess.run(command, check=True)
            print(f"  drew {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
        paths.append(path)
    return paths


def draw_main(path: Path, seed: int) -> None:
    partial = path.with_suffix(".part")
    sheet_draw(seed).save(partial, format="JPEG", quality=SOURCE_QUALITY)
    partial.rename(path)


def sheet_draw(seed: int, size: tuple[int, int] = (WIDTH, HEIGHT)) -> Image.Image:
    """A herbarium-like sheet whose JPEG compresses like a scan: grain, noise, strokes, text."""
    rng = random.Random(seed)
    width, height = size
    noise_patch = Image.effect_noise((1031, 997), 26)  # tiled: drawing 24 MP of noise is slow
    broad = Image.effect_noise((width // 150 + 2, height // 150 + 2), 40)
    luminance = ImageChops.add(
        broad.resize(size, Image.Resampling.BICUBIC), _tiled(noise_patch, size), scale=2.0
    )
    tone = (rng.randint(225, 245), rng.randint(220, 238), rng.randint(195, 215))
    sheet = ImageOps.colorize(luminance, black=(120, 110, 95), white=tone)
    chroma = Image.merge("RGB", [Image.effect_noise((1009, 1013), 30) for _ in range(3)])
    sheet = Image.blend(sheet, _tiled(chroma, size), 0.14)
    draw = ImageDraw.Draw(sheet)
    _plant_draw(draw, rng, size)
    _labels_draw(draw, rng, size)
    _chart_draw(draw, rng, size)
    return sheet


def _tiled(patch: Image.Image, size: tuple[int, int]) -> Image.Image:
    out = Image.new(patch.mode, size)
    for y in range(0, size[1], patch.height):
        for x in range(0, size[0], patch.width):
            out.paste(patch, (x, y))
    return out


def _plant_draw(draw: ImageDraw.ImageDraw, rng: random.Random, size: tuple[int, int]) -> None:
    width, height = size
    for _ in range(rng.randint(25, 45)):
        x, y = rng.uniform(0.1, 0.6) * width, rng.uniform(0.85, 0.97) * height
        angle = rng.uniform(-2.1, -1.0)
        stem = rng.randint(3, 14)
        green = (rng.randint(35, 95), rng.randint(55, 115), rng.randint(15, 55))
        for _ in range(rng.randint(15, 60)):
            step = rng.uniform(20, 70)
            nx, ny = x + math.cos(angle) * step, y + math.sin(angle) * step
            draw.line([(x, y), (nx, ny)], fill=green, width=stem)
            if rng.random() < 0.35:
                lx, ly = nx + rng.uniform(-140, 140), ny + rng.uniform(-90, 90)
                leaf = (green[0] + rng.randint(0, 40), green[1] + rng.randint(0, 50), green[2])
                draw.ellipse(
                    [min(nx, lx), min(ny, ly), max(nx, lx) + 2, max(ny, ly) + 2],
                    fill=leaf,
                    outline=(25, 45, 15),
                    width=2,
                )
                draw.line([(nx, ny), (lx, ly)], fill=(30, 60, 20), width=2)  # midrib
            x, y, angle = nx, ny, angle + rng.uniform(-0.35, 0.35)
            if not (0 < x < width and 0 < y < height):
                break


def _labels_draw(draw: ImageDraw.ImageDraw, rng: random.Random, size: tuple[int, int]) -> None:
    width, height = size
    font = ImageFont.load_default(size=34)
    letters = "abcdefghijklmnopqrstuvwxyz"  # the embedded font has no accents
    for index in range(rng.randint(2, 4)):
        left, top = width * rng.uniform(0.62, 0.72), height * (0.06 + 0.3 * index)
        right, bottom = left + rng.randint(1200, 1600), top + rng.randint(700, 1000)
        draw.rectangle([left, top, right, bottom], fill=(248, 246, 236), outline=(70, 70, 70))
        for line in range(int((bottom - top - 60) // 46)):
            words = (
                "".join(rng.choice(letters) for _ in range(rng.randint(2, 10)))
                for _ in range(rng.randint(3, 8))
            )
            baseline = top + 30 + line * 46
            if rng.random() < 0.6:  # printed
                draw.text(
                    (left + 30, baseline),
                    " ".join(words).capitalize(),
                    fill=(25, 25, 45),
                    font=font,
                )
            else:  # handwriting: a wavy pen trace
                x = left + 30
                ink = (rng.randint(20, 60), rng.randint(20, 50), rng.randint(80, 140))
                for _ in range(rng.randint(3, 7)):
                    points = []
                    for _ in range(rng.randint(8, 30)):
                        points.append((x, baseline + 18 + rng.uniform(-14, 14)))
                        x += rng.uniform(5, 14)
                    draw.line(points, fill=ink, width=3, joint="curve")
                    x += rng.uniform(15, 35)


def _chart_draw(draw: ImageDraw.ImageDraw, rng: random.Random, size: tuple[int, int]) -> None:
    width, height = size
    left, top = width * 0.05, height * 0.04
    for index in range(12):
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.rectangle([left + index * 90, top, left + index * 90 + 85, top + 85], fill=colour)
    ruler_top = top + 110
    draw.rectangle([left, ruler_top, left + 1080, ruler_top + 50], fill=(250, 250, 250))
    for mark in range(0, 1081, 12):
        length = 40 if mark % 120 == 0 else 18
        draw.line([(left + mark, ruler_top), (left + mark, ruler_top + length)], fill=0, width=2)
    x = left
    while x < left + 700:  # barcode
        bar = rng.randint(2, 9)
        draw.rectangle([x, ruler_top + 80, x + bar, ruler_top + 200], fill=(10, 10, 10))
        x += bar + rng.randint(2, 8)


# --- Our pipeline (runs in a child process) ---------------------------------------------------


def pipeline(path: Path, out: Path) -> dict[str, float]:
    """The per-image ingest work, single-threaded: `worker.imaging.ingest.image_ingest` (what the
    ingest job runs) and the SHA-256 of the file; returns CPU seconds per step."""
    steps: dict[str, float] = {}
    clock = time.process_time()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.process_time()
        steps[step] = steps.get(step, 0.0) + now - clock
        clock = now

    image_ingest(
        path,
        tiles_folder=out / "tiles",
        thumbnail_path=out / "thumbnail.jpg",
        base_id="https://example.org/iiif/x",
        max_pixels=Image.MAX_IMAGE_PIXELS or WIDTH * HEIGHT,
        on_step=lap,
    )
    file_sha256(path)
    lap("sha256")
    return steps


def thumbnail_from_tiles(folder: Path, info: dict[str, Any]) -> Image.Image:
    """The thumbnail `derivatives_make` makes (fit in THUMBNAIL_SIZE, LANCZOS), reduced from the
    tile set's smallest scaled full image that fills it rather than from the full image."""
    with Image.open(folder / iiif_full_path(info, THUMBNAIL_SIZE)) as source:
        return source.resize(
            thumbnail_size(info["width"], info["height"]), Image.Resampling.LANCZOS
        )


def thumbnail_from_full(image: Image.Image) -> Image.Image:
    """The same thumbnail reduced from the full image (without copying it first)."""
    size = thumbnail_size(image.width, image.height)
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def thumbnail_size(width: int, height: int) -> tuple[int, int]:
    scale = min(THUMBNAIL_SIZE[0] / width, THUMBNAIL_SIZE[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def memory(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process, in bytes. Unlike ru_maxrss, VmHWM starts
    afresh at exec: it does not inherit the parent's resident size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def child_main(out: Path, paths: list[Path]) -> None:
    """Run the pipeline on each of `paths` in turn, printing one JSON line per image."""
    baseline = memory("VmRSS")
    for path in paths:
        work = out / path.stem
        work.mkdir()
        with Image.open(path) as image:
            megapixels = image.width * image.height / 1e6
        wall, cpu = time.perf_counter(), time.process_time()
        steps = pipeline(path, work)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        result = {"megapixels": megapixels, "cpu": cpu, "wall": wall, "steps": steps}
        print(json.dumps(result | {"peak": memory("VmHWM"), "baseline": baseline}), flush=True)


# --- Runs ---------------------------------------------------------------------------------------


def run_ours(paths: list[Path], out: Path, environment: dict[str, str] | None = None) -> list[Run]:
    """Our pipeline on `paths`, one after the other in one child process."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(out), *map(str, paths)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=environment)
    runs = []
    for line in done.stdout.splitlines():
        result: dict[str, Any] = json.loads(line)
        runs.append(
            Run(
                result["megapixels"],
                result["cpu"],
                result["wall"],
                result["peak"],
                result["baseline"],
                result["steps"],
            )
        )
    return runs


def run_vips(path: Path, megapixels: float, out: Path, extra: list[str]) -> Run:
    command = ["vips", "dzsave", str(path), str(out / "tiles"), *VIPS_COMMAND, *extra]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {stderr}")
    return Run(megapixels, usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss * 1024, 0, {})


def vips_startup(scratch: Path) -> float:
    """CPU seconds `vips dzsave` spends on a 1x1 image: its fixed cost per run."""
    tiny = scratch / "tiny.jpg"
    Image.new("RGB", (1, 1)).save(tiny)
    best = math.inf
    for attempt in range(3):
        out = scratch / f"tiny-{attempt}"
        out.mkdir()
        best = min(best, run_vips(tiny, 0.0, out, []).cpu)
    return best


def cpu_seconds(action: Callable[[], object]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def thumbnail_from_full_cpu(path: Path) -> float:
    with Image.open(path) as image:
        image.load()
        return cpu_seconds(lambda: thumbnail_from_full(image))


def derivatives_cpu(path: Path) -> float:
    with Image.open(path) as image:
        return cpu_seconds(lambda: derivatives_make(image))


# --- Report -------------------------------------------------------------------------------------


def best(attempts: list[Run]) -> Run:
    """The least disturbed of repeated runs of one image: least CPU and wall, highest peak."""
    quickest = min(attempts, key=lambda run: run.cpu)
    return Run(
        quickest.megapixels,
        quickest.cpu,
        min(run.wall for run in attempts),
        max(run.peak_rss for run in attempts),
        min(run.baseline_rss for run in attempts),
        quickest.steps,
    )


def throughput(runs: list[Run], overhead: float = 0.0) -> float:
    """Megapixels per CPU second, less `overhead` CPU seconds per run."""
    return sum(run.megapixels for run in runs) / sum(run.cpu - overhead for run in runs)


def summary(name: str, runs: list[Run], decoded: int) -> str:
    wall = sum(run.megapixels for run in runs) / sum(run.wall for run in runs)
    peak = max(run.peak_rss for run in runs)
    line = (
        f"{name}: {throughput(runs):.1f} MP/s per core (CPU time; wall {wall:.1f} MP/s), "
        f"peak {peak / MB:.0f} MB RSS ({peak / decoded:.1f}x one decoded image"
    )
    if any(run.baseline_rss for run in runs):
        above = max(run.peak_rss - run.baseline_rss for run in runs)
        line += f"; {above / MB:.0f} MB = {above / decoded:.1f}x above the idle interpreter"
    return line + ")"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=20, help="how many sheets (default 20)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each sheet, the least disturbed one counts (default 3)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir())
        / f"crowd-ingest-bench-v{GENERATOR_VERSION}-{WIDTH}x{HEIGHT}",
        help="folder of the generated sheets, kept between runs",
    )
    parser.add_argument(
        "--scratch", type=Path, default=None, help="where tiles are written (default: temp dir)"
    )
    parser.add_argument("--child", nargs="+", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--draw", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child[0], args.child[1:])
        return
    if args.draw:
        draw_main(Path(args.draw[0]), int(args.draw[1]))
        return

    print(f"sheets: {args.images} synthetic {WIDTH}x{HEIGHT} JPEGs (quality {SOURCE_QUALITY})")
    paths = images_make(args.images, args.cache)
    mean_size = sum(path.stat().st_size for path in paths) / len(paths)
    decoded = WIDTH * HEIGHT * 3
    print(
        f"  in {args.cache}, {mean_size / MB:.1f} MB each on average; "
        f"one decoded image (w*h*3) = {decoded / MB:.0f} MB; best of {args.repeat} runs each"
    )
    vips = shutil.which("vips")
    if vips is None:
        print("vips: not found (apt install libvips-tools), comparison skipped")
    names = ["ours", *VIPS_VARIANTS] if vips else ["ours"]
    attempts: dict[str, list[list[Run]]] = {name: [[] for _ in paths] for name in names}
    warm_attempts: list[list[Run]] = [[] for _ in paths[1:]]
    # Outputs are only removed at the end: on ext4 without a journal, creating files next to
    # many just-deleted ones is slow (the inode allocator skips recently deleted inodes), and
    # deleting one run's tiles would slow the next run down.
    with tempfile.TemporaryDirectory(prefix="crowd-ingest-bench-", dir=args.scratch) as scratch:
        startup = vips_startup(Path(scratch)) if vips else 0.0
        for repeat in range(args.repeat):
            for index, path in enumerate(paths):
                with Image.open(path) as image:
                    megapixels = image.width * image.height / 1e6
                for name in names:  # interleaved, so that all see the same machine load
                    out = Path(scratch) / f"{repeat}-{index}-{name.replace(' ', '-')}"
                    out.mkdir()
                    if name == "ours":
                        [run] = run_ours([path], out)
                    else:
                        run = run_vips(path, megapixels, out, VIPS_VARIANTS[name])
                    attempts[name][index].append(run)
                cpu = ", ".join(f"{name} {attempts[name][index][-1].cpu:.2f} s" for name in names)
                print(f"  {repeat + 1}/{args.repeat} {path.name} (CPU): {cpu}", flush=True)
            # A worker process handles image after image: Pillow may then keep freed memory
            # blocks for the next image instead of faulting fresh pages in (PILLOW_BLOCKS_MAX).
            if len(paths) > 1:
                out = Path(scratch) / f"{repeat}-warm"
                out.mkdir()
                environment = os.environ | {"PILLOW_BLOCKS_MAX": str(WARM_BLOCKS_MAX)}
                for index, run in enumerate(run_ours(paths, out, environment)[1:]):
                    warm_attempts[index].append(run)

    runs = {name: [best(each) for each in attempts[name]] for name in names}
    warm = [best(each) for each in warm_attempts]
    ours = runs["ours"]
    print(summary("ours", ours, decoded))
    steps = {step: sum(run.steps[step] for run in ours) / len(ours) for step in ours[0].steps}
    print("  per image (CPU ms): " + ", ".join(f"{k} {v * 1000:.0f}" for k, v in steps.items()))
    if warm:
        name = f"ours, one worker process (PILLOW_BLOCKS_MAX={WARM_BLOCKS_MAX}, 1st sheet left out)"
        print(summary(name, warm, decoded))
    for name in names[1:]:
        print(summary(name, runs[name], decoded))
    for name in names[1:]:
        line = f"ratio ours/{name}: {throughput(ours) / throughput(runs[name]):.2f} per core ("
        line += f"vips less its {startup * 1000:.0f} ms start-up: "
        line += f"{throughput(ours) / throughput(runs[name], startup):.2f}"
        if warm:
            line += f"; ours in one worker process: {throughput(warm) / throughput(runs[name]):.2f}"
        print(line + ")")
    sample = paths[: min(3, len(paths))]
    full = sum(thumbnail_from_full_cpu(path) for path in sample) / len(sample)
    print(
        f"for reference: the thumbnail reduced from the full image instead of the tile set costs"
        f" {full * 1000:.0f} ms CPU (vs {steps['thumbnail'] * 1000:.0f})"
    )
    seconds = sum(derivatives_cpu(path) for path in sample)
    print(
        "for reference: derivatives_make (re-encodes the whole original as a progressive,"
        f" optimised JPEG; not in the pipeline): {len(sample) * WIDTH * HEIGHT / 1e6 / seconds:.1f}"
        " MP/s per core"
    )


if __name__ == "__main__":
    main()
