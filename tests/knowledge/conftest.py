from pathlib import Path

import pytest

DOC_LOAN = """---
doc_id: loan-zh
title: 小额信贷额度
lang: zh
topic: loan
varies_locally: true
source_note: test
---
# 小额信贷额度

## 能贷多少
脱贫人口小额信贷每户原则上不超过5万元。期限一般不超过3年。不用担保，不用抵押。

## 利率
一年以内的贷款利率不超过一年期LPR。利息补贴由各地自己定。
"""

DOC_SCAM = """---
doc_id: scam-zh
title: 贷款诈骗
lang: zh
topic: scam
---
# 贷款诈骗

## 先交钱的都是骗子
正规贷款在放款前不收任何费用。对方让你先交解冻费、保证金，就是诈骗。遇到了请打96110。
"""

DOC_EN = """---
doc_id: insurance-en
title: Farm insurance claims
lang: en
topic: insurance
---
# Farm insurance claims

## Reporting a loss
Report a crop loss to the insurer as soon as possible. Keep photos of the damaged field.
The insurer must decide within the time set by law.
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "loan-zh.md").write_text(DOC_LOAN, encoding="utf-8")
    (folder / "scam-zh.md").write_text(DOC_SCAM, encoding="utf-8")
    (folder / "insurance-en.md").write_text(DOC_EN, encoding="utf-8")
    return folder
