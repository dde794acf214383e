"""The push's security: signatures checked in constant time, and in safe mode AES decryption of pushes and
encryption of replies (wechatpy's WeChatCrypto)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Literal

from core.errors import NonghuiError

Mode = Literal["plain", "safe"]
MAX_PUSH_BYTES = 64 * 1024


class PushRejected(NonghuiError):
    """A request to the push URL that is not from WeChat: bad or missing signature, or an unreadable body."""


def wechat_signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 over the parts sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _same(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))


class PushSecurity:
    """Checks requests to the push URL and seals replies, for plain or safe (AES) mode."""

    def __init__(self, *, token: str, mode: Mode, app_id: str, encoding_aes_key: str | None = None) -> None:
        self._token = token
        self.mode = mode
        self._crypto = None
        if mode == "safe":
            if not encoding_aes_key:
                raise PushRejected("safe mode needs the EncodingAESKey")
            from wechatpy.crypto import WeChatCrypto

            try:
                self._crypto = WeChatCrypto(token, encoding_aes_key, app_id)
            except (AssertionError, ValueError) as err:
                raise PushRejected("the EncodingAESKey must be the 43 characters the platform shows") from err

    def check_signature(self, query: Mapping[str, str]) -> None:
        """PushRejected unless `signature` matches the token, `timestamp` and `nonce` (both modes)."""
        expected = wechat_signature(self._token, query.get("timestamp", ""), query.get("nonce", ""))
        if not _same(expected, query.get("signature")):
            raise PushRejected("bad signature")

    def handshake(self, query: Mapping[str, str]) -> str:
        """The URL verification: the `echostr` to send back once the signature is right."""
        self.check_signature(query)
        return query.get("echostr", "")

    def open_push(self, query: Mapping[str, str], body: bytes) -> str:
        """The push's XML: signature checked, and in safe mode `msg_signature` checked and the body decrypted."""
        self.check_signature(query)
        if len(body) > MAX_PUSH_BYTES:
            raise PushRejected("push too large")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise PushRejected("push is not UTF-8") from err
        if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
            raise PushRejected("push with a document type")
        if self._crypto is None:
            return text
        encrypted = _element(text, "Encrypt")
        if encrypted is None:
            raise PushRejected("safe-mode push without Encrypt")
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not _same(wechat_signature(self._token, timestamp, nonce, encrypted), query.get("msg_signature")):
            raise PushRejected("bad msg_signature")
        try:
            return str(self._crypto.decrypt_message({"Encrypt": encrypted}, query["msg_signature"], timestamp, nonce))
        except Exception as err:  # wrong key or app id, bad padding, truncated text: all the same to us
            raise PushRejected("push could not be decrypted") from err

    def seal(self, xml: str, *, nonce: str, timestamp: str) -> str:
        """The reply as sent: the XML itself in plain mode, encrypted and signed in safe mode."""
        if self._crypto is None:
            return xml
        return str(self._crypto.encrypt_message(xml, nonce, timestamp))


def _element(xml: str, name: str) -> str | None:
    """The text of the first `<name>` element of a small WeChat XML document, or None."""
    import xmltodict

    try:
        root = xmltodict.parse(xml).get("xml")
    except Exception:  # xml.parsers.expat.ExpatError and friends: not WeChat's XML
        return None
    value = root.get(name) if isinstance(root, dict) else None
    return value if isinstance(value, str) else None
