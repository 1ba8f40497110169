"""Rewards for verified reports: policy, calculation, maker-checker approval, claims and the ledger.

Lifecycle (``models.reward``): proposed → approved → offered → claimed → paid, with rejected,
expired and reversed. Money moves only through the append-only ``LedgerEntry``: an accrual when a
reward is approved, a payout when finance pays, a release when an offer expires, a reversal when a
paid reward is clawed back. Budget used = accruals + releases + reversals; paid = payouts +
reversals (releases and reversals are negative). ``cases`` never imports this app: ``handlers``
reacts to its "close" event.
"""
