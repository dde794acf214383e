"""Loan pre-application domain: validators, eligibility pre-check, repayment calculator, service stations."""
