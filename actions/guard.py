"""The action server answers only the Rasa server: every route but /health needs the shared secret header."""

from __future__ import annotations

import hmac

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

SECRET_HEADER = "X-Nonghui-Action-Token"
OPEN_PATHS = frozenset({"/health"})


def secret_matches(presented: str | None, expected: str) -> bool:
    """True when the presented secret equals the expected one (constant-time compare; empty never matches)."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def require_secret(app: Sanic, secret: str) -> None:
    """Refuse (401) every request to `app` outside /health that lacks `secret` in the X-Nonghui-Action-Token header."""

    async def check(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or secret_matches(request.headers.get(SECRET_HEADER), secret):
            return None
        return json({"error": "unauthorised"}, status=401)

    app.register_middleware(check, "request")
