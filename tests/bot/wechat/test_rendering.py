"""WeChat rendering: 2,048-byte messages split at sentence ends, buttons numbered and tappable, replies packed."""

from __future__ import annotations

from bot.messages import BotReply, Button
from bot.rendering import utf8_length
from bot.wechat.rendering import WECHAT_TEXT_LIMIT, pack, parse_menu_id, render_turn
from core.intents import Intent


def test_a_long_answer_is_split_at_sentence_ends_within_2048_bytes():
    sentence = "扶贫小额信贷的期限一般不超过三年，财政按基准利率贴息。"
    reply = BotReply(text=sentence * 60)
    parts = render_turn([reply], "zh").parts
    assert len(parts) > 1
    assert all(utf8_length(part) <= WECHAT_TEXT_LIMIT for part in parts)
    assert all(part.endswith("。") for part in parts)
    assert "".join(parts) == sentence * 60


def test_buttons_of_all_replies_are_numbered_in_order_as_links_with_their_set():
    first = BotReply(text="⚠️ 这条短信很可能是诈骗。", buttons=[Button(title="怎么办", payload="/ask_scam")])
    second = BotReply(
        text="答案。",
        buttons=[
            Button(title="我要申请贷款", payload=Intent.APPLY_LOAN.payload),
            Button(title="分享手机号", payload=Intent.SHARE_CONTACT.payload),
        ],
    )
    rendered = render_turn([first, second], "zh", offer="ab12")
    assert [b.payload for b in rendered.buttons] == ["/ask_scam", Intent.APPLY_LOAN.payload]  # no contact card
    assert '1. <a href="weixin://bizmsgmenu?msgmenucontent=怎么办&msgmenuid=ab12_1">怎么办</a>' in rendered.parts[0]
    assert "2. <a " in rendered.parts[1] and "msgmenuid=ab12_2" in rendered.parts[1]
    assert parse_menu_id("ab12_2") == ("ab12", 2) and parse_menu_id("x") is None


def test_a_button_title_cannot_break_out_of_its_link():
    rendered = render_turn([BotReply(text="选", buttons=[Button(title='a"><b>&', payload="p")])], "en", offer="o")
    assert "msgmenucontent=a&quot;&gt;&lt;b&gt;&amp;&" in rendered.parts[0]


def test_pack_joins_parts_into_as_few_messages_as_fit():
    small = ["警告", "答案", "来源"]
    assert pack(small) == ["警告\n\n答案\n\n来源"]
    big = ["字" * 600, "字" * 600]  # 1,800 bytes each: cannot share a message
    assert pack(big) == big
