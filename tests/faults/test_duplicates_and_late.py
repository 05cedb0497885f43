"""Fault tier: retries that race and answers that come late (scenario d), while ~10 other
contributors keep the platform busy.

- The same submission (same lease, same key) sent twice at once, one copy to each ASGI process,
  as a browser's outbox retrying while its first send is still in flight: both answers are 2xx
  with the one stored transcription (a 409 would make the outbox drop a saved draft).
- A late answer: a lease runs out, its holder asks for work again, then sends the answer they
  typed on the old lease. Whatever the platform answers, it must not trap them: next-task never
  hands them an image they already transcribed, and their next submission is accepted.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.faults import invariants
from tests.faults.checks import invariants_check
from tests.faults.load import Acknowledged, Client, load_running, message

pytestmark = pytest.mark.faults

ROUNDS = 3  # pairs sent by each of the probe accounts
LOAD_SECONDS = 12  # at least, around the probes


def _pair_send(
    client: Client, senders: list[httpx.Client], urls: list[str], given: dict[str, Any]
) -> list[httpx.Response | None]:
    """Send one submission twice at once, one copy to each server, released by a barrier."""
    task, lease = given["task"]["id"], given["lease"]["id"]
    body = {"lease": lease, "values": client.values(), "idempotency_key": client.new_key()}
    barrier = threading.Barrier(len(senders))
    answers: list[httpx.Response | None] = [None] * len(senders)

    def send(index: int) -> None:
        barrier.wait()
        try:
            answers[index] = senders[index].post(
                f"{urls[index]}/api/tasks/{task}/transcriptions/", json=body
            )
        except httpx.TransportError:
            client.ledger.record("submit", 0)
            return
        client.ledger.record("submit", answers[index].status_code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(senders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for answer in answers:
        if answer is not None and answer.is_success:
            client.ledger.acknowledged.append(
                Acknowledged(
                    client.scenario,
                    client.number,
                    body["idempotency_key"],
                    task,
                    answer.json()["id"],
                    0,
                )
            )
    return answers


def _pairs_of(probe: Client, urls: list[str], slug: str, token: str) -> list[str]:
    """ROUNDS pairs by one probe account; the pairs that were not both 2xx with one id."""
    wrong = []
    senders = [
        httpx.Client(
            headers={"Authorization": f"Token {token}", "Accept-Language": "en"}, timeout=30
        )
        for _url in urls
    ]
    try:
        for _round in range(ROUNDS):
            given = probe.next_task(slug)
            if given is None:
                wrong.append("next-task gave no image")
                continue
            answers = _pair_send(probe, senders, urls, given)
            statuses = [a.status_code if a is not None else "no answer" for a in answers]
            ids = {a.json().get("id") for a in answers if a is not None and a.is_success}
            if not all(a is not None and a.is_success for a in answers) or len(ids) != 1:
                details = [message(a) for a in answers if a is None or not a.is_success]
                wrong.append(f"{statuses} {details}")
    finally:
        for sender in senders:
            sender.close()
    return wrong


def test_the_same_submission_sent_twice_at_once_is_answered_twice_with_the_stored_one(faults):
    slug = "faults-retries"
    with load_running(faults.urls, slug, faults.tokens) as load:
        probes = [
            Client(100 + n, token, faults.urls, load.ledger, scenario=slug)
            for n, token in enumerate(faults.probes)
        ]
        with ThreadPoolExecutor(len(probes)) as pool:
            results = list(
                pool.map(lambda pair: _pairs_of(pair[0], faults.urls, slug, pair[1]),
                         zip(probes, faults.probes, strict=True))
            )  # fmt: skip
        time.sleep(max(0.0, load.started + LOAD_SECONDS - time.monotonic()))
    for probe in probes:
        probe.close()
    wrong = [pair for result in results for pair in result]
    sent = len(probes) * ROUNDS
    problems = (
        [f"{len(wrong)} of {sent} pairs not both 2xx with one id: {wrong[:5]}"] if wrong else []
    )
    invariants_check(
        faults, slug, load.ledger, name=f"duplicate pairs ({sent} pairs)", problems=problems
    )


def _late_answer(probe: Client, slug: str, database_url: str) -> str:
    """One probe's late answer; what went wrong for it, or ''."""
    first = probe.next_task(slug)
    if first is None:
        return "next-task gave no image"
    old_task, old_lease = first["task"]["id"], first["lease"]["id"]
    invariants.leases_run_out(database_url, [old_lease])
    probe.next_task(slug)  # the holder is back and asks for work: a new lease
    late = probe.submit(old_task, old_lease)
    transcribed = {old_task} if late is not None and late.is_success else set()
    then = probe.next_task(slug)
    if then is None:
        return "next-task gave nothing after the late answer"
    if then["task"]["id"] in transcribed:
        return f"next-task gave back image {old_task}, already transcribed by its holder"
    answer = probe.submit(then["task"]["id"], then["lease"]["id"])
    if answer is None or not answer.is_success:
        return f"the next submission was refused: {message(answer)}"
    return ""


def test_a_late_answer_leaves_its_author_no_lease_on_an_image_they_transcribed(faults):
    slug = "faults-late"
    # The load keeps the platform busy on a project of its own: on this one it would fill the
    # probes' images, and a late answer on a full image is rightly refused, trapping no one.
    with load_running(faults.urls, "faults-late-load", faults.tokens) as load:
        probes = [
            Client(100 + n, token, faults.urls, load.ledger, scenario=slug)
            for n, token in enumerate(faults.probes)
        ]
        # One after the other: each probe's image keeps room for its late answer.
        wrong = [w for probe in probes if (w := _late_answer(probe, slug, faults.database_url))]
        time.sleep(max(0.0, load.started + LOAD_SECONDS - time.monotonic()))
    for probe in probes:
        probe.close()
    problems = [f"{len(wrong)} of {len(probes)} late answers trapped: {wrong[:5]}"] if wrong else []
    if trapped := invariants.leases_on_transcribed_images(faults.database_url, slug):
        problems.append(f"live leases on images their holder transcribed: {trapped[:5]}")
    for project in ("faults-late-load", slug):
        invariants_check(
            faults,
            project,
            load.ledger,
            name=f"late answers ({len(probes)}), {project}",
            problems=problems if project == slug else [],
        )
