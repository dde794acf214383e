"""Web channel: the farmers' chat page and its JSON API."""

from bot.web.app import create_web_app

__all__ = ["create_web_app"]
