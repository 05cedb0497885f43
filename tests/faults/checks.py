"""The invariants every scenario ends with, all checked (not only up to the first that fails)
and printed with the scenario's figures."""

from __future__ import annotations

from tests.faults import invariants
from tests.faults.load import Ledger
from tests.faults.stack import FIGURES, IMAGES, REDUNDANCY, FaultStack


def figures_line(
    name: str, ledger: Ledger, *, stored: int, drained: float | None, served_during: str = ""
) -> str:
    errors = ledger.server_errors()
    refused = ", ".join(
        f"{status} {detail!r} x{n}" for (status, detail), n in ledger.refusals.items()
    )
    return (
        f"{name}: {ledger.count()} requests "
        f"(next-task {ledger.count(endpoint='next-task')}, submit {ledger.count(endpoint='submit')}), "
        f"{len(ledger.acknowledged)} acknowledged, {stored} stored, "
        f"5xx: {errors or 'none'}, "
        f"no answer: {ledger.unanswered() or 'none'}, "
        f"refused: {refused or 'none'}, "
        + (
            f"2xx {served_during}: next-task "
            f"{ledger.count(endpoint='next-task', phase=served_during, successes=True)}, submit "
            f"{ledger.count(endpoint='submit', phase=served_during, successes=True)}, "
            if served_during
            else ""
        )
        + (f"drained in {drained:.0f} s" if drained is not None else "NOT drained")
    )


def invariants_check(
    faults: FaultStack,
    slug: str,
    ledger: Ledger,
    *,
    name: str,
    problems: list[str] | None = None,
    served_during: str = "",
    every_request_answered: bool = False,
) -> None:
    """Wait for the platform to owe nothing, print the figures, then assert: acknowledged is
    stored, no duplicate, no image over its target, nothing pending, results equal to the
    engine's recomputation, no 5xx at all. With `served_during`, a phase: next-task and submit
    were each answered 2xx at least once in it (the fault did not stop the service, whatever
    it did to errors). With `every_request_answered`: no request went without an HTTP answer
    (none refused, dropped or timed out), for faults that leave every web process up."""
    problems = list(problems or [])
    if served_during:
        for endpoint in ("next-task", "submit"):
            if not ledger.count(endpoint=endpoint, phase=served_during, successes=True):
                problems.append(
                    f"no {endpoint} answered 2xx {served_during}: "
                    f"{ledger.count(endpoint=endpoint, phase=served_during)} sent, "
                    f"{ledger.count(endpoint=endpoint, phase=served_during, unanswered=True)}"
                    " without an answer"
                )
    if every_request_answered and (unanswered := ledger.unanswered()):
        problems.append(f"requests without an answer (endpoint, phase): {unanswered}")
    database = faults.database_url
    drained, left = invariants.wait_drained(database, slug)
    stored = invariants.stored_transcriptions(database, slug)
    FIGURES.append(
        figures_line(name, ledger, stored=len(stored), drained=drained, served_during=served_during)
    )
    if len(stored) >= IMAGES * REDUNDANCY:
        problems.append(
            f"the load filled the project ({len(stored)} transcriptions) before it stopped:"
            " the fault may have struck with nothing left to hand out"
        )
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
