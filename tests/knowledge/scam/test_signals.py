"""Every rule signal, with positive and negative examples in both languages."""

import pytest

from knowledge.scam.detector import ScamDetector

POSITIVE = [
    ("parcel_fee", "您的快递在海关滞留，请点击链接补缴关税15元后安排派送。"),
    ("parcel_fee", "Your package is on hold at the depot. Pay the 1.99 redelivery fee at the link below."),
    ("credit_repair", "您的征信有逾期记录，我们可以帮您修复征信，收费3000元包消除。"),
    ("credit_repair", "Bad credit? We remove late payments from your credit file in 7 days, fee only 99 dollars."),
    ("account_threat", "【社保中心】您的社保卡将被停用，请点击链接重新认证。"),
    ("account_threat", "Your SIM will be blocked today. Tap the link to complete your KYC update."),
    ("advance_fee", "您的贷款已审批，放款前需要先交2000元解冻费。"),
    ("advance_fee", "Your loan is approved. Pay the processing fee of $150 before the funds are released."),
    ("advance_fee", "【扶贫办】您的扶贫补贴已到账，需先交200元手续费激活后领取。"),
    ("loan_frozen", "您的银行卡号填写错误，贷款资金已被冻结，请联系客服处理。"),
    ("loan_frozen", "Your loan payout failed and the funds are frozen because of a wrong card number."),
    ("credential_request", "我是银行客服，请把收到的验证码告诉我，我帮您取消扣费。"),
    ("credential_request", "This is your bank. Please read out the code we just sent you."),
    ("personal_data_request", "请提供您的银行卡号和身份证正反面照片。"),
    ("personal_data_request", "Please confirm your card number and sort code to continue."),
    ("remote_control", "请下载腾讯会议，开启屏幕共享，我指导您操作退款。"),
    ("remote_control", "Please install AnyDesk so our technician can take remote control of your phone."),
    ("safe_account", "为了证明清白，请把存款转到安全账户接受核查。"),
    ("safe_account", "Move your savings into a safe account that we have set up for you."),
    ("impersonate_authority", "我是市公安局的警官，你的身份证涉嫌一起洗钱案件。"),
    ("impersonate_authority", "This is the police. A warrant has been issued for your arrest over money laundering."),
    ("impersonate_service", "我是淘宝客服，您的商品有质量问题要给您退款，请扫码添加理赔专员。"),
    ("impersonate_service", "Amazon customer service: an unauthorised purchase was made. Click the link to cancel."),
    ("subsidy_scam", "扶贫资金发放通知：请扫码下载APP领取补贴，需缴纳1%手续费。"),
    ("subsidy_scam", "You qualify for a government grant. Click the link and pay a small fee to claim it."),
    ("high_return", "投资养殖项目，保本保息，稳赚不赔，每天收益2%。"),
    ("high_return", "Guaranteed returns of 5% daily with our crypto trading robot!"),
    ("high_return", "内部消息，这只股票下周必涨，进群跟庄，会员费9800元。"),
    ("high_return", "Our stock tips are free this week: this share will double by Friday."),
    ("recruit_fundraise", "加入互助会，拉人头越多分红越多，发展下线还有奖励。"),
    ("recruit_fundraise", "Recruit friends into the scheme and build your downline for bigger bonuses."),
    ("urgency", "请在2小时内完成操作，否则账户将被注销。"),
    ("urgency", "Act now or your account will be closed. This is your final notice."),
    ("secrecy", "这个案子需要保密，不要告诉家人和银行工作人员。"),
    ("secrecy", "Don't tell your family or your bank about this, keep it confidential."),
    ("unofficial_link", "点击 http://loan-fast.top/apply 立即申请。"),
    ("unofficial_link", "Apply now at www.cash-now-loans.xyz today"),
    ("offstore_app", "请点击链接下载我们的贷款APP完成签约。"),
    ("offstore_app", "Download the installer quickloan.apk to finish your application."),
    ("relative_money", "妈，我换号了，同学住院急需用钱，你先转3000到这个卡号。"),
    ("relative_money", "Hi mum, I lost my phone, this is my new number. Can you send me money for rent?"),
    ("private_chat", "详情请添加客服QQ 12345678 进一步沟通。"),
    ("private_chat", "For details add me on WhatsApp and join our VIP group."),
    ("prize_claim", "恭喜您被抽中二等奖，领奖前请先缴纳个人所得税和手续费。"),
    ("prize_claim", "Congratulations, you have won a £1000 cash prize! To claim call now."),
    ("premium_rate", "回复1领取，领取中奖奖金请拨打00855123456789。"),
    ("premium_rate", "Text WIN to 80086 for a chance to win. Calls 150p/min, ring 09061234567."),
    ("adult_content", "寂寞吗？同城约炮，加微信看裸聊视频。"),
    ("premium_rate", "Your message is waiting, ring 0906 555 0123 now to hear it. 1.50/min."),
    ("keyword_reply", "Quiz time! Reply QUIZ now to answer 3 easy questions and win a holiday for 2."),
    ("keyword_reply", "Txt the word TONES to get 3 new ringtones every week."),
    ("keyword_reply", "新年大抽奖！SMS LUCKY 即可参加，每条30分。"),
    ("adult_content", "Hot XXX videos sent to your phone tonight, adults only. Reply HOT now."),
    ("rate_above_cap", "借1万，一个月还1200，当天到账。"),
    ("rate_above_cap", "I can lend you 1000, pay back 1500 in two weeks."),
    ("task_rebate", "帮网店刷销量，先垫付本金，下单后本金加佣金马上返还。"),
    (
        "task_rebate",
        "Like shop videos as tasks for commission. Top up 100 to unlock the next order.",
    ),
    ("romance_investment", "亲爱的，我舅舅知道这个平台的内部数据，你充值两万跟着我买，我们以后的家就靠它了。"),
    (
        "romance_investment",
        "Darling, my uncle knows the trading signals. Deposit a little on the app.",
    ),
    ("student_loan_cancel", "你上大学时开通过校园贷账户，现在必须注销，否则影响征信。"),
    (
        "student_loan_cancel",
        "Your student loan account from college must be cancelled today.",
    ),
    ("game_trade", "你的游戏账号卖出去了，但平台说你银行卡信息错误，钱被冻结，要交保证金才能提现。"),
    ("game_trade", "Your game account sale is done but the funds are frozen. Pay a deposit to withdraw them."),
    ("charity_appeal", "山那边的村子受灾了，大家献爱心捐款，直接转到我的个人支付宝就行。"),
    ("charity_appeal", "Flood victims need help now, please donate by transfer to my personal account today."),
    ("card_abnormal", "【医保服务】您的医保卡状态异常，即将停用，请点击链接重新认证。"),
    ("card_abnormal", "Your toll tag is suspended. Click the link to verify your card details and keep driving."),
    ("compensation_offer", "您买的电热毯有质量问题，平台额外赔偿您300元，请添加专属客服领取。"),
    (
        "compensation_offer",
        "Your heater was recalled: triple compensation, reply to contact our agent.",
    ),
    ("proxy_purchase", "老板，我们单位订二十桌酒席，酒水你帮我们从这个厂家代买一下，钱你先垫着，吃饭时一起结。"),
    (
        "proxy_purchase",
        "Booking a table for 30. Buy the wine from our supplier, we pay you back.",
    ),
    ("relative_money", "我是房东，这个月的房租别转旧卡了，汇到我爱人的新卡上，卡号稍后发你。"),
    ("relative_money", "老李，先借我3000周转一下，月底还你，我的账号是6222……"),
    ("impersonate_service", "您好，这里是平台客服，工作人员失误给您开通了会员，稍后我们通过微信联系您取消。"),
]

NEGATIVE = [
    ("parcel_fee", "【中通】您的包裹派送失败，已退回网点，请致电网点预约再次派送。"),
    ("parcel_fee", "Your parcel could not be delivered today, we will try again tomorrow."),
    ("credit_repair", "【国家反诈中心】谨防“征信修复”诈骗，征信记录不能花钱删除。"),
    ("credit_repair", "My credit score went up after I paid the loan back on time."),
    ("account_threat", "【中国移动】您的手机号码已欠费，余额不足将停机，请及时缴费。"),
    ("account_threat", "Your library card will be suspended if the books are not returned by Friday."),
    ("advance_fee", "正规贷款放款前不收任何费用，遇到先收费的请报警。"),
    ("advance_fee", "Real lenders never charge a processing fee before the loan is paid out."),
    ("advance_fee", "【邮储银行】您的贷款本期应还款金额2,356.40元，还款日为12月20日，请提前存入足额资金。"),
    ("advance_fee", "【农商银行】您的贷款5万元已到账，请查收，如有疑问请到网点咨询。"),
    ("loan_frozen", "【中国银行】您的账户已成功扣收本月贷款还款1,500.00元。"),
    ("loan_frozen", "Your loan has been paid into your account; the first repayment is due on 1 May."),
    ("credential_request", "【微信】你的验证码是470251，有效期10分钟。不要告诉任何人，包括自称微信工作人员的人。"),
    ("credential_request", "Your verification code is 482913. Never share this code with anyone."),
    ("personal_data_request", "请本人携带身份证到网点办理，我行不会通过短信索要卡号。"),
    ("personal_data_request", "Your card ending 4821 was used at Tesco. If it wasn't you, call the bank."),
    ("remote_control", "【李家村委会】本周六上午9点在村委会召开村民代表大会，请各户派代表参加。"),
    ("remote_control", "Staff meeting agenda for Monday is attached, see you in room 3."),
    ("safe_account", "【国家反诈中心】公检法机关不存在所谓的安全账户，让您转账的都是诈骗。"),
    ("safe_account", "We will never ask you to move money to a safe account."),
    ("impersonate_authority", "【XX公安】反诈提醒：任何自称公检法要求转账的都是诈骗，谨防上当。"),
    ("impersonate_authority", "The police station is open from 9 to 5 for passport photos."),
    ("impersonate_service", "【淘宝】您的退款申请已通过，退款23.80元已原路退回，请注意查收。"),
    ("impersonate_service", "Your refund has been processed and will reach your card in 3 days."),
    ("subsidy_scam", "各组组长：种粮补贴已经打到各户一卡通上了，有问题到村委会问。"),
    ("subsidy_scam", "Your farm subsidy has been paid into your account."),
    ("high_return", "【XX银行】理财有风险，投资需谨慎，产品说明书请到网点领取。"),
    ("high_return", "Savings account interest is 2% a year, see our branch for details."),
    ("high_return", "今年猪肉价格涨了不少，玉米收购价也升了一点。"),
    ("high_return", "Share prices rose a little today; past performance is no guide to the future."),
    ("recruit_fundraise", "借给老王一万块钱买化肥，说好秋收后还，写了借条。"),
    ("recruit_fundraise", "The co-op meeting is on Friday, members only."),
    ("urgency", "妈，我这周末回家，给你带了点药。"),
    ("urgency", "See you at the station at 6, no rush."),
    ("secrecy", "【农业银行】验证码662014，切勿告诉他人，银行工作人员不会索取此验证码。"),
    ("secrecy", "Your one-time passcode is 5521. Never tell anyone this code, not even bank staff."),
    ("unofficial_link", "【中国邮政】您的包裹已到达李家村服务站，请凭取件码6-2-3021到村超市领取。"),
    ("unofficial_link", "Your parcel will be delivered today between 10:00 and 12:00."),
    ("offstore_app", "请在手机自带的应用商店搜索官方APP。"),
    ("offstore_app", "Only install apps from the official app store."),
    ("relative_money", "爸，上次借你的两千块我明天当面还给你。"),
    ("relative_money", "Hi dad, I'm fine, just busy with exams. I'll call you on Sunday."),
    ("private_chat", "老李，明天村里开会说医保缴费的事，你记得去一下。"),
    ("private_chat", "Hey, are you coming to the pub tonight?"),
    ("prize_claim", "本店周年庆，到店消费满200元可参加抽奖，退订回T。"),
    ("prize_claim", "Lol you won't feel bad when we go out for dinner"),
    ("premium_rate", "【中国电信】您的宽带将于下月到期，续费可拨打10000办理。"),
    ("premium_rate", "Call me on my mobile when you get home."),
    ("adult_content", "华泰保险新推出车险优惠，可提供上门服务，欢迎咨询。"),
    ("adult_content", "Miss you loads, see you on Friday xxx"),
    ("premium_rate", "Call me on 07700 900 123 when you land."),
    ("keyword_reply", "Reminder: your dental appointment is on Friday at 10:20. Reply Y to confirm or N to cancel."),
    ("keyword_reply", "Your flu jab is booked for Monday at 3pm. Reply YES to confirm or NO to rearrange."),
    ("keyword_reply", "Pls reply ASAP, need to know if ur coming tonight"),
    ("keyword_reply", "CALL ME WHEN U GET HOME, TEXT BACK ASAP"),
    ("keyword_reply", "【优衣库】冬季新品上市，会员全场8折，详询门店。回T退订"),
    ("keyword_reply", "【美团】周末外卖满30减10元，回复TD退订"),
    ("rate_above_cap", "我在邮储银行办了5万元的产业贷，三年期，年利率3.85%。"),
    ("rate_above_cap", "The bank lends 5000 at an interest rate of 4% a year."),
    ("task_rebate", "【国家反诈中心】刷单就是诈骗，先垫钱的兼职千万不要做。"),
    ("task_rebate", "The harvest team pays by the day, come to the farm at 7."),
    ("romance_investment", "亲爱的，今天降温了，记得多穿点，晚上给你打电话。"),
    ("romance_investment", "Miss you darling, see you at the weekend."),
    ("student_loan_cancel", "【国家助学贷款】您本年度应还利息326元，请于12月20日前存入还款账户。"),
    ("student_loan_cancel", "Your student loan statement is ready in your online account."),
    ("game_trade", "儿子，游戏账号我先帮你收着，考完试再还你。"),
    ("game_trade", "We played the new game all night, it was fun."),
    ("charity_appeal", "【县慈善总会】为受灾群众募捐，请通过本会官方网站查询捐赠渠道，本会不通过个人账户收款。"),
    ("charity_appeal", "Thanks for your donation to the village hall fund, receipts are at the office."),
    ("card_abnormal", "【医保局】提醒：医保部门不会发链接让您认证，收到“医保卡异常”的短信请直接删除。"),
    ("card_abnormal", "Your toll tag was charged 4.20 for today's trip."),
    ("compensation_offer", "本店承诺假一赔三，欢迎到店选购。"),
    ("compensation_offer", "Your refund has been processed to your card."),
    ("proxy_purchase", "【某某饭店】您已成功预订周六晚6点的包间，请准时到店。"),
    ("proxy_purchase", "We booked a table for four at 7, see you there."),
]


@pytest.mark.parametrize(("code", "text"), POSITIVE)
def test_signal_fires_on_positive_example(rules_only: ScamDetector, code: str, text: str) -> None:
    assert code in rules_only.assess(text).signal_codes()


@pytest.mark.parametrize(("code", "text"), NEGATIVE)
def test_signal_stays_silent_on_negative_example(rules_only: ScamDetector, code: str, text: str) -> None:
    assert code not in rules_only.assess(text).signal_codes()


def test_every_rule_signal_has_positive_and_negative_examples_in_both_languages(rules_only: ScamDetector) -> None:
    from knowledge.scam.rules import RuleSet

    codes = {rule.code for rule in RuleSet.from_yaml().rules} | {"rate_above_cap"}
    for examples in (POSITIVE, NEGATIVE):
        for code in codes:
            texts = [text for found, text in examples if found == code]
            has_zh = any(any("\u4e00" <= char <= "\u9fff" for char in text) for text in texts)
            has_en = any(text.isascii() or "£" in text for text in texts)
            assert has_zh and has_en, code


def test_signal_explanations_quote_the_evidence_in_both_languages(rules_only: ScamDetector) -> None:
    signal = rules_only.assess("您的贷款已审批，放款前需要先交2000元解冻费。").signals[0]
    assert signal.evidence in signal.explanation_zh
    assert signal.evidence in signal.explanation_en
    assert "放款前不收任何费用" in signal.explanation_zh


def test_spaced_out_keywords_are_still_caught(rules_only: ScamDetector) -> None:
    assert "safe_account" in rules_only.assess("请把钱转到 安 全 账 户 里").signal_codes()


# Wordings the new-kind rules were widened to (session 5): each fires on a scam SMS in that wording, and a legitimate
# message on the same subject stays silent.
WIDENED_POSITIVE = [
    ("task_rebate", "招聘手机兼职，给短视频点赞一个赚3元，一单一结，有意加薇信了解。"),
    ("task_rebate", "您的派单任务到了第三单，本单需垫资2600元，完成后返还本金和佣金。"),
    ("task_rebate", "在家用手机就能做的工作，先交68元会员费开通任务权限，三天就能回本。"),
    ("task_rebate", "Your task account is frozen. Recharge 500 to unlock it and withdraw your commission."),
    ("romance_investment", "宝贝，我在做黄金期货，跟着我买，赚了钱我们就在一起。"),
    ("romance_investment", "Honey, the platform needs a 10% tax before withdrawal, pay it and we can meet."),
    ("compensation_offer", "您买的取暖器是召回批次，我们退款再补偿您两百元，请加售后徽信领取。"),
    ("compensation_offer", "快递丢了，我们按商品价值三倍给您补偿，请问退到微信还是支付宝？"),
    ("impersonate_service", "亲，退款需要验证信用，请打开支付宝备用金领出来，转到理赔账户后一起退回。"),
    ("impersonate_service", "The shop's after-sales team: your order had a quality issue, add our agent on WeChat."),
    ("card_abnormal", "【ETC服务】您的ETC未完成实名复核，已限制通行，请点 击 链 接 复核。"),
    ("card_abnormal", "您的社保卡要从二代升级到三代，不升级不能用了，请提供身份证号和银行卡号办理。"),
    ("card_abnormal", "Final notice: your toll account shows an outstanding charge. Pay online at toll-pay.info."),
    ("student_loan_cancel", "你好，你在大学期间开过网贷额度，现在要注销，不注销会上报征信。"),
    ("student_loan_cancel", "We found an unclosed student account in your name. Close it to protect your credit."),
    ("game_trade", "兄弟，你那个号我两千收了，你去这个网站上架，钱先冻结在平台上。"),
    ("game_trade", "The buyer paid on our trading site, but your game item sale is on hold until you pay a deposit."),
    ("charity_appeal", "好心人帮帮忙，我爸住院没钱做手术，求大家捐点钱到我支付宝。"),
    ("charity_appeal", "Please help, my son needs surgery. Transfer any amount to my bank account."),
    ("subsidy_scam", "您的种粮直补资金因信息不全无法发放，请点击链接补全银行卡信息。"),
    ("subsidy_scam", "Government farm support: your payment is on hold, verify your details at farm-aid.top."),
    ("advance_fee", "你的任务账户余额5600元，提现需要先缴纳20%的个人所得税。"),
    ("charity_appeal", "老乡们，帮我们村受灾的张家众筹一下，扫码转到这个个人账户。"),
]

WIDENED_NEGATIVE = [
    ("task_rebate", "【美团优选】新人下单立返5元，爆款低至1元，点击链接抢购。"),
    ("task_rebate", "物流园招分拣员，日结200元，包吃住，地址工业园5号，不收任何费用。"),
    ("romance_investment", "【XX证券】尊敬的客户，今日市场行情波动较大，请理性投资。"),
    ("compensation_offer", "【京东】您的售后单已受理，快递员明天上门取件，退款验货后原路返回。"),
    ("impersonate_service", "【京东物流】您的订单已签收，如有问题请在京东APP内联系客服。"),
    ("impersonate_service", "Just checked my bank app and the refund finally came through."),
    ("card_abnormal", "【县医保局】医保信息系统升级，12月5日暂停业务办理，咨询电话12393。"),
    ("card_abnormal", "【ETC】您的ETC设备电量低，请到就近服务网点免费更换，网点地址见官方APP。"),
    ("card_abnormal", "Your toll account was charged 12.40 this month; see the statement in the official app."),
    ("student_loan_cancel", "【XX学校】毕业生请于6月20日前到校园卡中心办理校园卡注销，卡内余额可退。"),
    ("student_loan_cancel", "Your student loan interest for this year has been collected, thank you."),
    ("game_trade", "【爱回收】旧手机回收平台，上门回收，点击链接估价。"),
    ("game_trade", "Want to play the new game tonight? I'll bring my controller."),
    ("charity_appeal", "村里给受灾的李家捐款，钱交到村委会会计处，名单周五在公示栏公布。"),
    ("charity_appeal", "The church is collecting blankets for the shelter on Saturday, no cash needed."),
    ("subsidy_scam", "【县农业农村局】补贴全部通过一卡通发放，不需要在网上登记银行卡，请勿相信扫码领取的信息。"),
    ("subsidy_scam", "Apply for the machinery grant in person at the county office with your invoice."),
    ("advance_fee", "通知：退耕还林补助已发放到各户一卡通，请到信用社核对，不需要交任何费用。"),
    ("credential_request", "【邮储银行】本行不会以任何理由通过短信链接要求您提供银行卡号、密码和验证码。"),
    ("private_chat", "Community meeting in the village hall on Saturday at 10am."),
    ("task_rebate", "亲，确认收货后五星好评截图发客服，返现5元，感谢支持。"),
    ("impersonate_service", "【XX商城】您的退款进度可关注官方微信公众号查询。"),
    ("card_abnormal", "【XX高速ETC】您的ETC设备即将过期，请关注微信公众号办理续期。"),
    ("game_trade", "新赛季开服，用手机号完成游戏账号注册并登录即送金币，详情点击官网链接。"),
    ("charity_appeal", "感谢您支持我们的新款电饭煲众筹项目，发货进度请点击链接查看。"),
]


@pytest.mark.parametrize(("code", "text"), WIDENED_POSITIVE)
def test_widened_new_kind_signal_fires_on_scam_wording(rules_only: ScamDetector, code: str, text: str) -> None:
    assessment = rules_only.assess(text)
    assert code in assessment.signal_codes()
    assert assessment.should_warn


@pytest.mark.parametrize(("code", "text"), WIDENED_NEGATIVE)
def test_widened_new_kind_signal_stays_silent_on_legitimate_message(
    rules_only: ScamDetector, code: str, text: str
) -> None:
    assessment = rules_only.assess(text)
    assert code not in assessment.signal_codes()
    assert not assessment.should_warn


def test_a_signal_with_several_entries_is_counted_once(rules_only: ScamDetector) -> None:
    text = "兼职点赞一个视频赚2元，第一单先垫付本金100元，返还本金加佣金，先交50元会员费开通任务。"
    codes = rules_only.assess(text).signal_codes()
    assert codes.count("task_rebate") == 1
