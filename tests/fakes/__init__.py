"""Test doubles that are real servers (fake Telegram Bot API) shared by unit and integration tests."""
