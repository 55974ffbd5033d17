"""Benefit rules: pure functions of (claim facts, year-to-date state, policy parameters).

Find a rule by its payer: `layers/ncms.py` (basic insurance), `cii.py` (大病保险),
`assistance.py` (医疗救助), `backstop_351.py` (政府兜底), `chronic_180.py`, `supplement_5090.py`,
`reassistance.py` (再救助), `health_poverty_insurance.py` (Hainan 健康扶贫补充保险), `charity.py`
(慈善医疗救助), `hospital_borne.py`. `major_disease_treatment.py` holds Hainan's 大病集中救治 rules
(single-disease standards, designated centres), applied before the payers. `cascade.py` runs them in
the policy's order.
"""
