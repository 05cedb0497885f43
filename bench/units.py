"""Number reading benchmark: uncached parses per second of elevations as labels write them, in
a field without a unit and in a field in metres (where "1200 ft" and "3000 pieds" are converted).

    python bench/units.py
    python bench/units.py --answers 500000

The engine caches each distinct answer, so this is the cost of a new answer, on one core.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import time

from worker.consensus import numbers

FORMS = ("{} m", "{}", "alt. {} m", "{} ft", "{} pieds", "{}'", "1 {:03d}", "{},5", "{} km")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200_000)
    args = parser.parse_args()
    rng = random.Random(1898)
    answers = [rng.choice(FORMS).format(rng.randint(0, 999)) for _ in range(args.answers)]
    parse = numbers.parse_number.__wrapped__  # uncached: the cost of each new answer
    for unit in ("", "m", "ft"):
        started = time.perf_counter()
        read = sum(parse(answer, unit) is not None for answer in answers)
        elapsed = time.perf_counter() - started
        print(
            f"unit {unit or '(none)':>6}: {len(answers) / elapsed:>10,.0f} answers/s, "
            f"{read / len(answers):.0%} read"
        )


if __name__ == "__main__":
    main()
