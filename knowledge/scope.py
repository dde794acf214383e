"""What the knowledge base is about: the words of its topics, and the neighbouring programmes it does not cover.

Two uses when deciding whether to answer:
- a question in the vocabulary of our topics (loans, farm insurance, scams, service stations — misspelt words are
  fixed first) is in scope, so the answer's confidence floor may be a little lower for it;
- a question about another programme (medical insurance, pensions, car insurance, social security) is out of scope
  even though it shares words such as 保险 or "insurance", unless it is about a scam (a fake medical-insurance card
  notice is a scam question).
"""

from __future__ import annotations

import re

from core.intents import Topic

TOPIC_TERMS: dict[Topic, re.Pattern[str]] = {
    "loan": re.compile(
        r"(贷|借|信贷|利息|贴息|还款|还钱|还清|逾期|续贷|展期|担保|抵押|征信|授信|额度|放款|"
        # the programme's own words: who it is for, its periods and steps
        r"扶贫|脱贫|监测户|监测对象|边缘户|过渡期|评级|信用户|信用村|公示|风险补偿|"
        r"\bloans?\b|\bborrow|\bcredit\b|\binterest\b|\brepay|\boverdue\b|\bcollateral\b|\bguarant|\bmicrocredit\b|"
        r"\bpoverty\b|\btransition period\b|\blpr\b|"
        # credit files and ratings, and the programme's English names
        r"信用档案|信用等级|信用报告|信用记录|\bmicroloans?\b|\bmonitor(?:ing|ed)? households?\b|\brisk fund\b|"
        r"\bxindai\b|\bdaikuan\b|\bzhengxin\b|\btiexi\b)",
        re.IGNORECASE,
    ),
    "insurance": re.compile(
        r"(保险|保费|理赔|赔偿|赔付|赔钱|能赔|赔不|定损|报案|承保|投保|保单|受灾|绝收|灾|淹了|冰雹|干旱|冻害|病死|"
        # the claim's steps and the losses farmers name
        r"查勘|出险|保额|起赔|协保员|雹子|洪水|内涝|虫害|病虫|死了|"
        r"\binsur|\bpremium\b|\bclaims?\b|\bpayout\b|\bcompensat|\bbaoxian\b)",
        re.IGNORECASE,
    ),
    "scam": re.compile(
        r"(骗|诈|集资|庞氏|高利贷|砍头息|套路贷|验证码|安全账户|96110|反诈|传销|非法|"
        # the scammers' props: impersonation, frozen accounts, promised returns, fees before money
        r"冒充|冻结|解冻|客服|保本|高息|分红|入股|返利|"
        r"\bscam|\bfraud|\bponzi\b|\busur|\bloan sharks?\b|\bsuspicious\b|\bfake (police|bank|app|loan|official)s?\b)",
        re.IGNORECASE,
    ),
    "station": re.compile(
        r"(服务站|服务点|取款点|助农|信用村|信用户|取钱|取款|村里取|一卡通|惠农卡|存折|"
        r"\bservice (station|point)s?\b|\bwithdraw)",
        re.IGNORECASE,
    ),
}

# Words our topics share (a subsidy may be an interest subsidy, a premium subsidy or a scammer's bait; the police are
# impersonated in scams and also where a scam is reported): a question using them is in our vocabulary, but they name
# no one topic, so a follow-up saying them does not switch topic (knowledge/followup.py).
SHARED_TERMS = re.compile(
    r"(补贴|理财|投资|公安|警察|派出所|扫码|银行卡|"
    r"\bsubsid|\binvest|\bpolice\b|\bcaller\b|\bsms code\b|\bbank card\b)",
    re.IGNORECASE,
)

# Words of the neighbouring programmes, known to the speller so that a slip (新农和) is read as the programme
# and declined, and the programme's name is never "corrected" into one of ours (交强险 is not 抢险).
NEIGHBOUR_TERMS = ("医保", "医疗保险", "新农合", "合作医疗", "大病保险", "养老保险", "养老金", "社保", "车险", "交强险")

OTHER_PROGRAMMES = re.compile(
    r"(医保|医疗保险|新农合|合作医疗|大病保险|住院报销|养老保险|养老金|社保|低保金额|车险|交强险|商业险|人寿保险|重疾险|"
    r"\bmedical insurance\b|\bhealth insurance\b|\bpensions?\b|\bsocial security\b|\bcar insurance\b|"
    r"\bauto insurance\b|\blife insurance\b|\bvehicle insurance\b)",
    re.IGNORECASE,
)


def topics_named(question: str) -> list[Topic]:
    """The knowledge topics whose vocabulary the question uses, in a fixed order."""
    return [topic for topic, pattern in TOPIC_TERMS.items() if pattern.search(question)]


def in_our_vocabulary(question: str) -> bool:
    """Whether the question uses the words of our topics or the words they share."""
    return bool(topics_named(question)) or bool(SHARED_TERMS.search(question))


def about_other_programme(question: str) -> bool:
    """Whether the question is about a programme the knowledge base does not cover (and not about a scam, nor about
    what a service station does: "服务站能交医保不" is a station question)."""
    if not OTHER_PROGRAMMES.search(question):
        return False
    return not (TOPIC_TERMS["scam"].search(question) or TOPIC_TERMS["station"].search(question))
