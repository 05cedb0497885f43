"""The invariants every scenario ends with, all checked (not only up to the first that fails)
and printed with the scenario's figures."""

from __future__ import annotations

from tests.faults import invariants
from tests.faults.load import Ledger
from tests.faults.stack import FIGURES, REDUNDANCY, FaultStack


def figures_line(name: str, ledger: Ledger, *, stored: int, drained: float | None) -> str:
    errors = ledger.server_errors()
    refused = ", ".join(
        f"{status} {detail!r} x{n}" for (status, detail), n in ledger.refusals.items()
    )
    return (
        f"{name}: {ledger.count()} requests "
        f"(next-task {ledger.count(endpoint='next-task')}, submit {ledger.count(endpoint='submit')}), "
        f"{len(ledger.acknowledged)} acknowledged, {stored} stored, "
        f"5xx: {errors or 'none'}, "
        f"no answer: {sum(n for (_e, _p, s), n in ledger.statuses.items() if s == 0)}, "
        f"refused: {refused or 'none'}, "
        + (f"drained in {drained:.0f} s" if drained is not None else "NOT drained")
    )


def invariants_check(
    faults: FaultStack, slug: str, ledger: Ledger, *, name: str, problems: list[str] | None = None
) -> None:
    """Wait for the platform to owe nothing, print the figures, then assert: acknowledged is
    stored, no duplicate, no image over its target, nothing pending, results equal to the
    engine's recomputation, no 5xx at all."""
    problems = list(problems or [])
    database = faults.database_url
    drained, left = invariants.wait_drained(database, slug)
    stored = invariants.stored_transcriptions(database, slug)
    FIGURES.append(figures_line(name, ledger, stored=len(stored), drained=drained))
    if drained is None:
        problems.append(
            f"still pending {invariants.DRAIN_BOUND_SECONDS} s after the load stopped: {left}"
        )
    if missing := invariants.acknowledged_missing(database, slug, ledger):
        problems.append(f"acknowledged but not stored: {missing[:10]} ({len(missing)})")
    if ledger.unfinished:
        problems.append(f"submissions never answered finally: {ledger.unfinished[:10]}")
    if found := invariants.duplicates(database, slug):
        problems.append(f"duplicates: {found[:10]}")
    if found := invariants.over_target(database, slug, REDUNDANCY):
        problems.append(f"images over target or miscounted: {found[:10]}")
    recomputed = faults.django("project_recompute", slug=slug)
    if recomputed["differences"]:
        problems.append(
            f"results differ from the engine's recomputation on {len(recomputed['differences'])}"
            f" fields: {recomputed['differences'][:5]}"
        )
    if errors := ledger.server_errors():
        problems.append(f"5xx answers (endpoint, phase): {errors}")
    assert not problems, f"{name}:\n- " + "\n- ".join(problems)
