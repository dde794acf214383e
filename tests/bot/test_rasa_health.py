"""Rasa's health as the fallback's probe asks it: its status endpoint (model loaded), with the token, any replica."""

from __future__ import annotations

import httpx

from bot.rasa_client import RasaDialogue


def rasa(handler, urls=("http://rasa-a:5005",)) -> RasaDialogue:  # type: ignore[no-untyped-def]
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return RasaDialogue(http, list(urls), "tok", 10.0)


async def test_a_server_answering_its_status_with_the_token_is_healthy() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"model_file": "nonghui.tar.gz"})

    assert await rasa(handle).healthy()
    assert seen[0].url.path == "/status" and seen[0].url.params["token"] == "tok"


async def test_a_refused_or_loading_server_is_not_healthy() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def loading(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"message": "no model loaded"})

    assert not await rasa(refused).healthy()
    assert not await rasa(loading).healthy()


async def test_one_answering_replica_is_enough() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "rasa-a":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={})

    assert await rasa(handle, urls=("http://rasa-a:5005", "http://rasa-b:5005")).healthy()
