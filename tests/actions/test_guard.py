"""The action server refuses calls without the secret Rasa sends; /health stays open."""

import asyncio
from types import SimpleNamespace

from sanic import Sanic

from actions.guard import require_secret, secret_matches


def test_secret_matches_only_the_exact_secret() -> None:
    assert secret_matches("abc-123", "abc-123")
    assert not secret_matches("abc-124", "abc-123")
    assert not secret_matches(None, "abc-123")
    assert not secret_matches("", "")


def _check(app: Sanic):  # type: ignore[no-untyped-def]
    return app.request_middleware[-1] if app.request_middleware else app._future_middleware[-1].middleware


def test_webhook_without_the_header_is_refused_and_health_is_open() -> None:
    app = Sanic("guard_test_app")
    require_secret(app, "s3cret-value")
    check = _check(app)

    def request(path: str, headers: dict[str, str]) -> SimpleNamespace:
        return SimpleNamespace(path=path, headers=headers)

    refused = asyncio.run(check(request("/webhook", {})))
    wrong = asyncio.run(check(request("/webhook", {"X-Nonghui-Action-Token": "guess"})))
    allowed = asyncio.run(check(request("/webhook", {"X-Nonghui-Action-Token": "s3cret-value"})))
    health = asyncio.run(check(request("/health", {})))

    assert refused is not None and refused.status == 401
    assert wrong is not None and wrong.status == 401
    assert allowed is None and health is None
