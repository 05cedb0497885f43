"""The API against its own schema: schemathesis generates requests for every operation of the
live server's OpenAPI schema, valid and invalid, and checks that none is answered with a server
error and that every answer (status, media type, body) is one the schema describes.

Requests are signed with the token of a lead of the seeded projects, so the operations run past
authentication. Each generated request is sent once as generated and once more with its path
naming objects that exist (the seeded project, a task, a disputed value, the lead's lease, a
batch), so the operations also run past their lookups. Rates are raised for this server: the
test checks answers, not throttling.

CROWD_FUZZ_EXAMPLES sets how many requests are generated per operation (default 40); the
inputs are the same at each run unless CROWD_FUZZ_RANDOM=1, which explores new ones.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.servers import full_stack
from tests.web import api_token

pytestmark = pytest.mark.stack

EXAMPLES = int(os.environ.get("CROWD_FUZZ_EXAMPLES") or 40)
RANDOM = os.environ.get("CROWD_FUZZ_RANDOM") == "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PROJECT = "demo-herbarium"
RATES = {
    "API_THROTTLE_ANON": "100000/minute",
    "API_THROTTLE_USER": "100000/minute",
    "API_THROTTLE_NEXT_TASK": "100000/minute",
    "API_THROTTLE_SUBMIT": "100000/minute",
    "API_THROTTLE_TEMPLATE_VALIDATE": "100000/minute",
    "API_THROTTLE_PLACES": "100000/minute",
    "LOGIN_ATTEMPTS_PER_HOUR": "100000",
}
# Revoking the token the test signs with would leave every later request unauthenticated; the
# fast tier tests it (tests/tasks/test_api_data.py).
EXCLUDED = [("DELETE", "/api/auth/token/")]


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory):
    with full_stack(
        tmp_path_factory.mktemp("fuzz"),
        separate="fuzz",
        seed=("--images", "6", "--transcriptions"),
        env=RATES,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def lead_session(fuzz_stack):
    token = api_token(fuzz_stack.base_url, "lead", DEMO_PASSWORD)
    session = requests.Session()
    session.headers.update({"Authorization": f"Token {token}", "Accept-Language": "en"})
    yield session
    session.close()


@pytest.fixture(scope="module")
def known(fuzz_stack, lead_session):
    """Path parameters naming objects that exist, made through the API as a lead would."""
    api = httpx.Client(
        base_url=f"{fuzz_stack.base_url}/api", headers=dict(lead_session.headers), timeout=30
    )
    tasks = api.get(f"/projects/{PROJECT}/tasks/").json()["results"]
    disputed = api.get(f"/projects/{PROJECT}/field-results/?status=disputed").json()["results"]
    values = disputed or api.get(f"/projects/{PROJECT}/field-results/").json()["results"]
    assert tasks, "the seeded project has no task"
    assert values, "the seeded project has no field result"
    decided = api.post(
        f"/field-results/{values[0]['id']}/resolve/",
        json={"decision": "value", "value": "Quercus ilex L.", "reason": "reading_checked"},
    )
    assert decided.status_code in {200, 409}, decided.text
    lease = api.post(f"/projects/{PROJECT}/next-task/")
    batches = api.get(f"/projects/{PROJECT}/batches/").json()["results"]
    ids = {
        "slug": PROJECT,
        "task_id": tasks[0]["id"],
        "field_result_id": values[-1]["id"],
        "batch_id": batches[0]["id"],
        "username": "contributor1",
    }
    if lease.status_code == 200:
        ids["lease_id"] = lease.json()["lease"]["id"]
    api.close()
    return ids


@pytest.fixture(scope="module")
def api_schema(fuzz_stack, lead_session):
    raw = lead_session.get(f"{fuzz_stack.base_url}/api/schema/?format=json", timeout=30)
    assert raw.status_code == 200, raw.text
    return schemathesis.openapi.from_dict(raw.json())


def test_every_operation_answers_as_its_schema_says(api_schema, fuzz_stack, lead_session, known):
    # One Hypothesis run per operation, all run even when one fails, every failure reported.
    # (schemathesis' own pytest integration loads schemas at collection time, or through a
    # fixture whose node renaming pytest 9 no longer allows.)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    failures = []
    ran = 0
    for operation in operations:
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        try:
            _fuzz(operation, fuzz_stack, lead_session, known)
        except (Exception, BaseExceptionGroup) as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
        ran += 1
    assert ran >= 30, f"only {ran} operations in the schema"
    assert not failures, "\n\n".join(failures)


def _fuzz(operation: Any, stack: Any, session: requests.Session, known: dict[str, Any]) -> None:
    names = {parameter.name for parameter in operation.path_parameters}
    fixed = {name: known[name] for name in names} if names and names <= set(known) else None
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    if fixed:
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters=fixed) for mode in modes
        ]

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(base_url=stack.base_url, session=session, checks=CHECKS, timeout=30)

    run()
