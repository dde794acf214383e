"""The kernel every package shares: languages, errors, bilingual text, the clock, intents and topics, channels.

It imports no web, bot or database framework (checked by import-linter, see pyproject.toml).
"""
