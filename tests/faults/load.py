"""The fault tier's load: contributors looping next-task -> submit over HTTP, as volunteers do.

Each client is a thread with its own account (an API token) and its own httpx client. Requests
go round-robin to the two ASGI processes; a request that gets no answer (a refused or dropped
connection) is sent again at once to the other process, and a submission that gets no answer or
a 5xx is sent again with the SAME idempotency key, as the browser's outbox does, until it gets
a final answer. Every answer is recorded by endpoint and phase (what the scenario was doing
then), and every acknowledged (2xx) transcription with its key.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

# Every request's status goes to the ledger; httpx's own log of each would drown a failure's
# report.
logging.getLogger("httpx").setLevel(logging.WARNING)

NO_ANSWER = 0  # the status recorded for a request that got no HTTP answer
# A submission is sent again until it gets a final answer, for at most this long.
SUBMIT_GIVE_UP_SECONDS = 90
REQUEST_TIMEOUT = 15
# A volunteer reads the image before answering. The pause also keeps the load's pace fixed
# whatever the platform's speed: 10 clients cannot finish a project's 1,200 transcriptions in a
# 30 s scenario, so every fault strikes while there is still work to hand out and answers to take.
READING_SECONDS = (0.35, 0.5)
NAMES = ("Quercus ilex L.", "Quercus ilex L.", "Quercus ilex L.", "Quercus robur L.")
COUNTRIES = ("France", "France", "Espagne")


@dataclass(frozen=True)
class Acknowledged:
    project: str  # its slug
    client: int
    key: str
    task: int
    transcription: int
    status: int


@dataclass
class Ledger:
    """What the clients sent and what they were answered, shared by the client threads."""

    phase: str = "before"
    statuses: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    acknowledged: list[Acknowledged] = field(default_factory=list)
    refusals: Counter[tuple[str, str]] = field(default_factory=Counter)
    unfinished: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, status: int) -> None:
        with self.lock:
            self.statuses[(endpoint, self.phase, status)] += 1

    def count(
        self,
        *,
        endpoint: str = "",
        phase: str = "",
        errors: bool = False,
        successes: bool = False,
        unanswered: bool = False,
    ) -> int:
        """Requests recorded, for one endpoint and phase when given; only 5xx with `errors`,
        only 2xx with `successes`, only those that got no answer with `unanswered`."""
        return sum(
            n
            for (e, p, status), n in self.statuses.items()
            if (not endpoint or e == endpoint)
            and (not phase or p == phase)
            and (not errors or status >= 500)
            and (not successes or 200 <= status < 300)
            and (not unanswered or status == NO_ANSWER)
        )

    def unanswered(self) -> dict[str, int]:
        """Requests that got no HTTP answer (refused, dropped, timed out) by endpoint and phase."""
        found: Counter[str] = Counter()
        for (endpoint, phase, status), n in self.statuses.items():
            if status == NO_ANSWER:
                found[f"{endpoint} {phase}"] += n
        return dict(found)

    def server_errors(self) -> dict[str, int]:
        """5xx answers by endpoint and phase, e.g. {"submit during outage": 3}."""
        found: Counter[str] = Counter()
        for (endpoint, phase, status), n in self.statuses.items():
            if status >= 500:
                found[f"{endpoint} {phase}"] += n
        return dict(found)


class Client:
    """One contributor: a token, its own connection pool, the two servers in turn."""

    def __init__(
        self, number: int, token: str, urls: list[str], ledger: Ledger, *, scenario: str
    ) -> None:
        self.number = number
        # Keys are unique per account across the whole run: a key is one submission for good.
        self.scenario = scenario
        self.urls = urls
        self.ledger = ledger
        self.turn = number
        self.sent = 0
        self.random = random.Random(number)  # noqa: S311 (answers to type, not a secret)
        self.http = httpx.Client(
            headers={"Authorization": f"Token {token}", "Accept-Language": "en"},
            timeout=REQUEST_TIMEOUT,
        )

    def close(self) -> None:
        self.http.close()

    def post(self, endpoint: str, path: str, body: Any = None) -> httpx.Response | None:
        """POST to the next server in turn; with no answer, once more to the other one."""
        for _attempt in range(len(self.urls)):
            url = self.urls[self.turn % len(self.urls)]
            self.turn += 1
            try:
                response = self.http.post(f"{url}{path}", json=body)
            except httpx.TransportError:
                self.ledger.record(endpoint, NO_ANSWER)
                continue
            self.ledger.record(endpoint, response.status_code)
            return response
        return None

    def next_task(self, slug: str) -> dict[str, Any] | None:
        response = self.post("next-task", f"/api/projects/{slug}/next-task/")
        if response is None or response.status_code != 200:
            return None
        return dict(response.json())

    def values(self) -> dict[str, str]:
        return {
            "scientificName": self.random.choice(NAMES),
            "country": self.random.choice(COUNTRIES),
            "minimumElevationInMeters": str(self.random.choice((650, 650, 700))),
        }

    def new_key(self) -> str:
        self.sent += 1
        return f"{self.scenario}-client{self.number}-{self.sent}"

    def submit(
        self, task: int, lease: int, *, key: str = "", values: dict[str, str] | None = None
    ) -> httpx.Response | None:
        """Send a transcription until a final answer (2xx or 4xx), with one key throughout."""
        key = key or self.new_key()
        body = {"lease": lease, "values": values or self.values(), "idempotency_key": key}
        give_up = time.monotonic() + SUBMIT_GIVE_UP_SECONDS
        while time.monotonic() < give_up:
            response = self.post("submit", f"/api/tasks/{task}/transcriptions/", body)
            if response is not None and response.status_code < 500:
                self.settle(key, task, response)
                return response
            time.sleep(0.3)
        with self.ledger.lock:
            self.ledger.unfinished.append(key)
        return None

    def settle(self, key: str, task: int, response: httpx.Response) -> None:
        ledger = self.ledger
        with ledger.lock:
            if response.is_success:
                ledger.acknowledged.append(
                    Acknowledged(
                        self.scenario,
                        self.number,
                        key,
                        task,
                        response.json()["id"],
                        response.status_code,
                    )
                )
            else:
                ledger.refusals[(str(response.status_code), message(response))] += 1

    def loop(self, slug: str, stop: threading.Event) -> None:
        while not stop.is_set():
            given = self.next_task(slug)
            if given is None:
                time.sleep(0.2)
                continue
            stop.wait(self.random.uniform(*READING_SECONDS))
            self.submit(given["task"]["id"], given["lease"]["id"])


def message(response: httpx.Response | None) -> str:
    """The platform's message in an error answer ({"error": {"message": ...}})."""
    if response is None:
        return "no answer"
    try:
        return str(response.json()["error"]["message"])[:80]
    except (ValueError, KeyError, TypeError):
        return response.text[:80]


@dataclass
class Load:
    ledger: Ledger
    clients: list[Client]
    started: float

    def phase(self, name: str) -> None:
        with self.ledger.lock:
            self.ledger.phase = name


@contextmanager
def load_running(urls: list[str], slug: str, tokens: list[str]) -> Iterator[Load]:
    """Run one client per token on project `slug` until the block ends; then let each finish
    the submission in hand (retries included) before returning."""
    ledger = Ledger()
    clients = [Client(n, token, urls, ledger, scenario=slug) for n, token in enumerate(tokens)]
    stop = threading.Event()
    threads = [
        threading.Thread(target=client.loop, args=(slug, stop), name=f"client{client.number}")
        for client in clients
    ]
    for thread in threads:
        thread.start()
    try:
        yield Load(ledger, clients, time.monotonic())
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=SUBMIT_GIVE_UP_SECONDS + 2 * REQUEST_TIMEOUT)
        for client in clients:
            client.close()
        ledger.phase = "after"
