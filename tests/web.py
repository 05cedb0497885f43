"""Clients for a running platform: HTTP with a logged-in session, and WebSockets."""

from __future__ import annotations

import json
from typing import Any

import httpx
import websockets


def login(base_url: str, username: str, password: str, *, verify: Any = True) -> httpx.Client:
    """A client logged in as `username` (`verify`: httpx's, for a test's own certificate)."""
    client = httpx.Client(base_url=base_url, timeout=30, follow_redirects=False, verify=verify)
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": f"{base_url}/accounts/login/"},
    )
    assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
    return client


def api_token(base_url: str, username: str, password: str, *, verify: Any = True) -> str:
    response = httpx.post(
        f"{base_url}/api/auth/token/",
        data={"username": username, "password": password},
        timeout=30,
        verify=verify,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


async def ws_connect(
    ws_url: str,
    path: str,
    *,
    base_url: str,
    client: httpx.Client | None = None,
    ssl: Any = None,
) -> Any:
    """A socket on `path`, with `client`'s session if given (`ssl`: the context of a wss://
    address, for a test's own certificate)."""
    headers = {"Origin": base_url}
    if client is not None:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return await websockets.connect(
        f"{ws_url}{path}", additional_headers=headers, open_timeout=10, ssl=ssl
    )


async def ws_receive(socket: Any, *, timeout: float = 20) -> dict[str, Any]:
    import asyncio

    return dict(json.loads(await asyncio.wait_for(socket.recv(), timeout=timeout)))


async def ws_receive_until(socket: Any, predicate: Any, *, timeout: float = 30) -> dict[str, Any]:
    """Read messages until one satisfies `predicate`; fail after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    seen = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = await ws_receive(socket, timeout=left)
        except TimeoutError:
            break
        if predicate(message):
            return message
        seen.append(message.get("type"))
    raise AssertionError(f"no matching message within {timeout}s; saw {seen}")


def readiness_until(base_url: str, wanted: Any, *, seconds: float = 30) -> httpx.Response:
    """/health/ready asked until `wanted(answer)`, for at most `seconds`; the last answer. A part
    that missed the probe's 0.4 s budget on a busy machine counts as down for that one answer
    (each process keeps an answer 2 s)."""
    import time

    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base_url, timeout=30) as http:
        while True:
            answer = http.get("/health/ready")
            if wanted(answer) or time.monotonic() > deadline:
                return answer
            time.sleep(0.2)
