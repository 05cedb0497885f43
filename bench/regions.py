"""Region boxes: how often a real place near a region's edge would be held back, and what the
tables cost.

    python -m bench.regions

Leave one out: each town at the edge of its region's box (the towns that make the box) is
taken out, the box is made again from the others and widened as the engine widens it, and
the town is checked against it. A town found outside is a real place that a point collected
there would be held back for: the share of them is the false-alarm rate at the edges, an
upper bound for points inside (most of a region is not its edge). Also: how long the tables
take to build (the towns' file read once per process, then each country's towns and regions
the first time one is asked for) and how many regions have a box. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import time

from worker.places import regions
from worker.places import towns as town_file
from worker.places.bounds import box_around


def main() -> None:
    started = time.process_time()
    town_file._places_text()
    codes = town_file.country_codes()
    read = time.process_time() - started
    started = time.process_time()
    france = regions._boxes("FR")
    one = time.process_time() - started
    started = time.process_time()
    towns: dict[str, list[tuple[float, float]]] = {}
    boxes: dict[str, regions.Box] = {}
    names = 0
    for code in codes:
        towns.update(regions._catalogue(code)[0])
        names += len(regions._catalogue(code)[1])
        boxes.update(regions._boxes(code))
    rest = time.process_time() - started
    print(f"towns read in {read:.2f} s CPU; France's regions ({len(france)} boxes) {one:.2f} s")
    print(f"every other country's {rest:.2f} s: {len(towns)} divisions, {len(boxes)} with a box")
    print(f"  {names} (country, name) pairs read")
    tried = outside = 0
    for key in boxes:
        points = towns[key]
        if len(points) <= regions.MIN_TOWNS:
            continue
        lats = [lat for lat, _ in points]
        lons = [lon for _, lon in points]
        edges = {min(lats), max(lats)}, {min(lons), max(lons)}
        for index, (lat, lon) in enumerate(points):
            if lat not in edges[0] and lon not in edges[1]:
                continue  # not an edge: the box without it is the same box
            others = points[:index] + points[index + 1 :]
            box = regions.widen(box_around([(x, y) for y, x in others]), len(others))
            tried += 1
            outside += not regions.in_region((lat, lon), box)
    share = outside / tried if tried else 0.0
    everyone = sum(len(towns[key]) for key in boxes)
    print(f"leave one out: {tried} edge towns, {outside} outside their region ({share:.2%})")
    print(f"  of all {everyone} towns of regions with a box: {outside / everyone:.3%}")
    started = time.perf_counter()
    n = 20_000
    for index in range(n):
        name, country = (("Isère", "FR"), ("Bavière", "DE"), ("FR-31", ""), ("Ohio", "US"))[
            index % 4
        ]
        regions.region_box(name, country)
    per = (time.perf_counter() - started) / n * 1e6
    print(f"look-ups of a region's box by name: {per:.1f} µs each")


if __name__ == "__main__":
    main()
