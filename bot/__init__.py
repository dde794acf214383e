"""Channels (Telegram, web chat + JSON API) and the process that relays farmers' turns to Rasa."""
