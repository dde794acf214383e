"""The voice evaluation: farmer questions (questions.yaml), clips made by an offline synthesiser, and the command
`python -m bot.voice.evaluate` that measures recognition on them."""
