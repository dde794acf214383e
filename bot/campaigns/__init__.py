"""Publicity campaigns: signed deep-link payloads, campaign greetings, QR posters and the funnel report.

- `payloads`: sign and verify placement payloads (Telegram `start` parameter rules, short HMAC).
- `keys`: the signing key (`NONGHUI_CAMPAIGN_KEY`; a development key file otherwise).
- links: each channel makes its own (`campaign_link`, bot/channel.py); `web.CampaignLinks` prints them.
- `topics`: bilingual greetings, first buttons and poster wording per campaign topic.
- `greeter`: the DialogueEngine decorator that records campaign arrivals and greets by topic.
- `posters`: A4 PDF and PNG posters with a QR code (segno + reportlab + Noto CJK).
- `report`: the funnel report as text table, CSV and inline SVG charts.
- `web`: the console pages (report and campaign admin) as a FastAPI router.
- `cli`: `nonghui campaign add|place|list|links|posters|report`.
"""
