"""Reading a personal name the way Chinese people have them, for the pre-application's first step.

`read_name(text)` says one of three things:
- `name`: a name, taken as it is (2–4 Han characters after a known surname, a compound surname such as 欧阳 with
  up to three more, an ethnic-minority name with a middle dot, or a Latin-script name);
- `ask`: it may be a name, so the form asks "您的名字是「…」，对吗？" instead of refusing;
- `not_a_name`: clearly something else (a place, a sentence or request, digits, a question), with the reason.

Any character may stand in a given name (李保国, 钱桂兰, 申红梅, 王想平): only whole phrases, place endings, digits and
sentence particles count against a text, never single ordinary characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from core.text import Bilingual, bi

Verdict = Literal["name", "ask", "not_a_name"]
MAX_NAME_CHARS = 20
MAX_HAN_NAME = 4
MAX_COMPOUND_NAME = 5
MAX_DOTTED_NAME = 16

# Common single-character surnames (the most frequent few hundred, including the rarer ones of the 百家姓 that
# farmers carry, e.g. 钱, 申, 保). A text starting with one of these reads as a name; one that does not is asked
# about, never refused for that alone.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康"
    "施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成"
    "苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫"
    "费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈"
    "匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰"
    "支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕"
    "危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由保种"
)
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
        "令狐", "端木", "独孤", "南宫", "西门", "轩辕", "钟离", "闻人", "澹台", "公冶", "濮阳", "淳于", "单于",
        "太叔", "申屠", "仲孙", "赫连", "呼延", "万俟", "百里", "东郭", "拓跋", "司空", "第五", "乐正", "巫马",
    }
)  # fmt: skip

_LEAD = re.compile(
    r"^(我的名字(是|叫)|我的姓名(是|叫)?|我叫|名字(是|叫)?|姓名(是)?|我是|本人(是|叫)?|"
    r"my name is|my name's|name is|name|i am|i'm|im|this is)[\s:：,，]*",
    re.IGNORECASE,
)
_TRAIL = " \t。.,，!！~～"
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef"
_HAN_ONLY = re.compile(f"[{_HAN}]+")
_DOTS = re.compile(r"\s*[·・•‧∙.．]\s*")
_DOTTED = re.compile(f"[{_HAN}]+(?:·[{_HAN}]+)+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:[ .]+[A-Za-z][A-Za-z'’\-]*)*")
_DIGITS = re.compile(r"\d")
_QUESTION = re.compile(r"[?？]")
# A place: a name ending in a township, village, county, province or city word ("河西镇新塘村").
_PLACE_END = re.compile(f"[{_HAN}]{{2,}}[镇村县乡省市区屯]$")
# An amount, an age or a term in Chinese numerals ("五万", "两千块", "三十岁", "六个月"); 万年, 千里 are names.
_QUANTITY = re.compile(
    r"[零一二两三四五六七八九十百千万几半]+(?:元|块|岁|个月)"  # with a unit: money, age, months
    r"|[一二两三四五六七八九十几半]+[十百千万]$"  # a bare round amount at the end
)
# "我姓王，叫秀英" / "姓王名秀英": the surname and the given name said apart.
_SAID_APART = re.compile(f"^我?姓([{_HAN}]{{1,2}})[\\s,，]*(?:名字?叫|名字?是|名|叫)([{_HAN}]{{1,3}})$")
# Phrases that do not stand in a personal name but do in what farmers say instead of their name.
_PHRASES = (
    "贷款", "申请", "保险", "利息", "借钱", "借款", "还款", "还钱", "种地", "种田", "养猪", "养鸡", "养牛", "养羊",
    "打工", "干活", "务农", "做生意", "不知道", "不晓得", "不清楚", "不记得", "你好", "您好", "谢谢", "多少",
    "什么", "怎么", "为什么", "为啥", "可以", "没有", "不是", "不要", "不用", "不想", "不办", "我要", "我想",
    "我的", "想借", "想要", "要借", "银行", "手机", "电话", "号码", "身份证", "名字", "姓名", "取消", "算了",
    "请问", "干嘛", "是的", "好的", "对的", "没错", "没问题", "知道了", "收到", "明白", "帮我", "告诉", "一下",
    "服务站", "工作人员", "人工", "客服", "骗子", "补贴", "合作社", "村委",
)  # fmt: skip
# Words that stand in English sentences but not in names.
_ENGLISH_WORDS = frozenset(
    {
        "i", "me", "my", "you", "your", "we", "want", "need", "would", "like", "to", "a", "an", "the", "is", "are",
        "loan", "loans", "apply", "borrow", "insurance", "money", "hello", "hi", "hey", "thanks", "thank", "please",
        "help", "what", "how", "why", "when", "where", "who", "yes", "no", "ok", "okay", "not", "know", "don't",
        "dont", "sure", "cancel", "stop", "name", "and", "or", "of", "for", "in", "on", "it", "this", "that",
    }
)  # fmt: skip
# Sentence particles and pronouns: a short text with one is asked about rather than taken as a name.
_PARTICLES = frozenset("吗呢吧啊呀嘛哦嗯哈喂么啥咋怎谁你您我他她它们的了着这那哪")
_SINGLE_WORDS = frozenset("是对好行嗯哦不没有无要")


@dataclass(frozen=True)
class NameReading:
    """What a name answer says: the cleaned `name`, the `verdict`, and for `not_a_name` the `reason`."""

    verdict: Verdict
    name: str
    reason: Bilingual | None = None


NO_NAME = bi("请发您的姓名。", "Please send your name.")
HAS_DIGITS = bi("姓名里不应有数字，请只发名字。", "A name has no digits: please send just your name.")
A_PLACE = bi(
    "这看起来是地名，村和乡镇后面会问到。请先发您身份证上的名字，例如“王秀英”。",
    "That looks like a place; the village comes later. Please send the name on your ID card first.",
)
NOT_A_NAME = bi(
    "这看起来不像姓名，请只发身份证上的名字，例如“王秀英”。",
    "That does not look like a name: please send just the name on your ID card.",
)
FULL_NAME = bi(
    "请发完整的姓名（姓和名，和身份证上一样），例如“王秀英”。",
    "Please send your full name (family and given name, as on your ID card).",
)


def confirm_question(name: str) -> Bilingual:
    """The question asked when a text may be a name: "您的名字是「…」，对吗？"."""
    return bi(f"您的名字是「{name}」，对吗？", f'Is your name "{name}"?')


def clean_name(text: str) -> str:
    """NFKC, without a lead-in ("我叫", "my name is"), trailing punctuation or doubled spaces."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()[: MAX_NAME_CHARS * 5]
    cleaned = _LEAD.sub("", cleaned).strip(_TRAIL)
    return re.sub(r"\s+", " ", cleaned)


def read_name(text: str) -> NameReading:
    """Decide whether `text` is a name, may be one (ask), or is clearly something else (with why)."""
    name = clean_name(text)
    if not name:
        return NameReading("not_a_name", name, NO_NAME)
    if _DIGITS.search(name):
        return NameReading("not_a_name", name, HAS_DIGITS)
    if len(name) > MAX_NAME_CHARS or _QUESTION.search(name):
        return NameReading("not_a_name", name, NOT_A_NAME)
    if name.isascii():
        return _read_latin(name)
    dotted = _DOTS.sub("·", name)
    if "·" in dotted:
        return _read_dotted(dotted)
    compact = name.replace(" ", "")
    apart = _SAID_APART.match(compact)
    if apart:
        compact = apart.group(1) + apart.group(2)
    if _HAN_ONLY.fullmatch(compact):
        return _read_han(compact)
    return NameReading("not_a_name", name, NOT_A_NAME)


def _read_han(name: str) -> NameReading:
    if any(phrase in name for phrase in _PHRASES):
        return NameReading("not_a_name", name, NOT_A_NAME)
    if _QUANTITY.search(name):
        return NameReading("ask", name) if _surname_led(name) else NameReading("not_a_name", name, NOT_A_NAME)
    if _PLACE_END.fullmatch(name) and len(name) >= 3:
        return NameReading("not_a_name", name, A_PLACE)
    if len(name) == 1:
        return NameReading("not_a_name", name, NOT_A_NAME if name in _SINGLE_WORDS else FULL_NAME)
    if any(ch in _PARTICLES for ch in name):
        return NameReading("ask", name)
    if _surname_led(name):
        return NameReading("name", name)
    return NameReading("ask", name)


def _surname_led(name: str) -> bool:
    """A known surname (or compound surname) followed by one to three more characters."""
    if name[:2] in COMPOUND_SURNAMES:
        return len(name) <= MAX_COMPOUND_NAME
    return name[0] in SURNAMES and len(name) <= MAX_HAN_NAME


def _read_dotted(name: str) -> NameReading:
    if not _DOTTED.fullmatch(name) or len(name) > MAX_DOTTED_NAME:
        return NameReading("not_a_name", name, NOT_A_NAME)
    if any(phrase in name for phrase in _PHRASES) or _QUANTITY.search(name):
        return NameReading("not_a_name", name, NOT_A_NAME)
    return NameReading("name", name)


def _read_latin(name: str) -> NameReading:
    if not _LATIN.fullmatch(name):
        return NameReading("not_a_name", name, NOT_A_NAME)
    words = [w for w in re.split(r"[ .]+", name.lower()) if w]
    if any(w.replace("’", "'") in _ENGLISH_WORDS for w in words):
        return NameReading("not_a_name", name, NOT_A_NAME)
    if len(words) > 4:
        return NameReading("not_a_name", name, NOT_A_NAME)
    if len(words) == 1:
        return NameReading("ask", name)
    return NameReading("name", name)
