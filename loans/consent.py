"""Consent wording shown before a pre-application is sent, versioned; the store keeps version and text hash."""

from __future__ import annotations

import hashlib

from core.errors import NonghuiError
from core.lang import Lang
from core.text import Bilingual, bi

CURRENT_CONSENT_VERSION = "2026-11-v1"
CONSENT_WORDINGS: dict[str, Bilingual] = {
    "2026-11-v1": bi(
        "您同意把姓名、手机号、身份证号和贷款意向交给您所在乡镇的农村金融服务站，"
        "只用于联系您、帮您准备小额信贷申请；身份证号加密保存，不会给其他人。"
        "这只是预申请，不是贷款合同，最终由银行审核。您随时可以说“删除我的信息”来删除。",
        "You agree that your name, mobile number, ID number and loan wishes go to the rural finance service "
        "station of your township, only to contact you and help you prepare a microcredit application. Your ID "
        "number is stored encrypted and shared with nobody else. This is a pre-application, not a loan contract: "
        'the bank decides. You can say "delete my data" at any time.',
    ),
}


class UnknownConsentVersionError(NonghuiError):
    """A consent version that was never published."""


def consent_text(version: str, lang: Lang) -> str:
    """The exact wording of a consent version in one language."""
    try:
        return CONSENT_WORDINGS[version].get(lang)
    except KeyError:
        raise UnknownConsentVersionError(f"unknown consent version {version!r}") from None


def consent_hash(version: str, lang: Lang) -> str:
    """SHA-256 (hex) of the exact wording shown, so a record proves which text was agreed to."""
    return hashlib.sha256(consent_text(version, lang).encode("utf-8")).hexdigest()
