"""The WeChat channel: the server side of a WeChat Official Account (Service Account) message push.

Pushes arrive at `POST /wechat` (signed, in safe mode AES-encrypted), are answered passively within WeChat's
5-second window when the answer is ready, otherwise through the customer-service message API (bot/wechat/api.py).
"""
