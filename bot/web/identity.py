"""Who a web chat request speaks for: a server-issued, signed chat id in an HttpOnly cookie (browsers), or any
`sender_id` a trusted integration sends with `Authorization: Bearer <NONGHUI_API_KEY>`."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

CHAT_COOKIE = "nh_chat"
CHAT_COOKIE_PATH = "/"
# 18 random bytes: 144 bits, written as 24 URL-safe characters (within the sender-id alphabet).
CHAT_ID_BYTES = 18
DEFAULT_MAX_AGE_DAYS = 180
_SALT = "nonghui.web.chat-id"


@dataclass(frozen=True)
class Caller:
    """A resolved caller: the chat id (without `web:`), whether it came with the API key, and a cookie to set."""

    chat_id: str
    trusted: bool
    new_cookie: str | None = None


class WebIdentity:
    """Issues and checks signed chat ids and recognises the integrations' API key (compared in constant time)."""

    def __init__(
        self,
        *,
        signing_key: str,
        api_key: str | None = None,
        secure_cookies: bool = False,
        max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    ) -> None:
        if len(signing_key) < 16:
            raise ValueError("the chat-id signing key needs at least 16 characters")
        self._serializer = URLSafeTimedSerializer(signing_key, salt=_SALT)
        self._api_key = api_key.encode() if api_key else None
        self._secure = secure_cookies
        self._max_age = max_age_days * 86_400

    @classmethod
    def ephemeral(cls, *, api_key: str | None = None) -> WebIdentity:
        """An identity with a random signing key (cookies do not survive a restart): tests and tools."""
        return cls(signing_key=secrets.token_urlsafe(32), api_key=api_key)

    def bearer(self, connection: HTTPConnection) -> bool | None:
        """True for the right API key, False for a wrong one, None when no `Authorization: Bearer` was sent."""
        header = connection.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return None
        if self._api_key is None:
            return False
        return hmac.compare_digest(self._api_key, given.strip().encode())

    def issue(self) -> tuple[str, str]:
        """A new random chat id and its signed cookie value."""
        chat_id = secrets.token_urlsafe(CHAT_ID_BYTES)
        return chat_id, self._serializer.dumps(chat_id)

    def from_cookie(self, connection: HTTPConnection) -> str | None:
        """The chat id of the request's valid, unexpired signed cookie, else None."""
        return self.read(connection.cookies.get(CHAT_COOKIE))

    def read(self, value: str | None) -> str | None:
        """The chat id signed in a cookie value, or None when missing, forged or expired."""
        if not value or len(value) > 512:
            return None
        try:
            chat_id = self._serializer.loads(value, max_age=self._max_age)
        except BadSignature:
            return None
        return chat_id if isinstance(chat_id, str) and chat_id else None

    def browser_caller(self, connection: HTTPConnection, *, issue: bool) -> Caller | None:
        """The browser's chat from its cookie; without a valid one a new chat when `issue`, else None."""
        chat_id = self.from_cookie(connection)
        if chat_id is not None:
            return Caller(chat_id=chat_id, trusted=False)
        if not issue:
            return None
        chat_id, cookie = self.issue()
        return Caller(chat_id=chat_id, trusted=False, new_cookie=cookie)

    def set_cookie(self, response: Response, cookie: str) -> None:
        """Put the signed chat id on `response` (HttpOnly, SameSite=Strict, never readable by scripts)."""
        response.set_cookie(
            CHAT_COOKIE,
            cookie,
            max_age=self._max_age,
            path=CHAT_COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=self._secure,
        )


def api_key_headers(api_key: str | None) -> dict[str, str]:
    """The `Authorization` header a trusted client sends with the API key (none without a key)."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def configured_api_key_headers() -> dict[str, str]:
    """The header for the API key in `NONGHUI_API_KEY` (the bot's settings), for the evaluation tools."""
    from bot.settings import BotSettings
    from core.settings import secret_value

    return api_key_headers(secret_value(BotSettings().api_key))
