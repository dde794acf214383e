"""A fictional statute written for the tests (not a real law), in the form operators copy from the laws database."""

from __future__ import annotations

TITLE = "农业互助保险示范条例"
NOTE = "（虚构的测试文本，不是真实法规。）"
# (chapter or section heading, or None) and the paragraphs that follow it.
STRUCTURE: list[tuple[str | None, list[str]]] = [
    ("第一章　总　则", [
        "第一条　为了规范农业互助保险，保护投保农户的权益，制定本条例。",
        "第二条　本条例所称农业互助保险，是指农户之间按约定分担种植和养殖损失的保险活动。",
    ]),
    ("第二章　理赔", []),
    ("第一节　报案", [
        "第三条　投保农户应当在受灾后及时报案。",
        "依照本条例第十二条第二款的规定，协保员可以代为报案。",
        "第十二条第二款规定的情形，不受前款限制。",
        "前款规定的报案，可以采用电话方式。",
    ]),
    ("第二节　赔付", [
        "第四条　保险机构应当在三十日内作出核定，并有下列义务：",
        "（一）一次性告知需要补充的材料；",
        "（二）依照第三项的规定公示结果；",
        "（三）在达成协议后十日内支付赔款。",
        "第四条之一　赔款应当打入农户本人账户。",
    ]),
    ("第三章　附则", [
        "第五条　本条例自发布之日起施行。",
    ]),
]  # fmt: skip
EXPECTED_LOCATORS = [
    "第一章 总则 · 第一条",
    "第一章 总则 · 第二条",
    "第二章 理赔 · 第一节 报案 · 第三条",
    "第二章 理赔 · 第二节 赔付 · 第四条",
    "第二章 理赔 · 第二节 赔付 · 第四条之一",
    "第三章 附则 · 第五条",
]


def paragraphs(*, heading_prefix: str = "") -> list[str]:
    """The statute as paragraphs (title first), headings prefixed with `heading_prefix` (e.g. "## ")."""
    out = [TITLE, NOTE]
    for heading, body in STRUCTURE:
        if heading:
            out.append(heading_prefix + heading)
        out.extend(body)
    return out
