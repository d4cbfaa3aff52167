"""Blind set 2026-12-12: 160 plain-English questions for the c360 assistant
(tests/data/blind_questions_2026_12_12.txt), written before any run and without reading the assistant's parser,
in the way business users at a card issuer type into a question box: longer conversational requests ("can you tell
me how much ...", "I'd like to see ...", "roughly how many ...", "could you show me ...", "on average, how many
..."), comparisons ("compared with", "versus", "relative to", "A or B: which ...", "which is bigger: ..."), "which X
has the most / least / highest / lowest Y", per-X averages and per-customer figures, hero metrics (lifetime value,
month-over-month spend change, average transaction value, 90-day spend and its change), churn risk (score, High /
Medium / Low tier, probability), retention and upsell targets, segments, customer attributes in the profile (state,
city, card type, employment, age, tenure, credit limit, utilisation) and their SCD2 history (card type and credit
limit changes), transaction facts (amount, approved / declined, channel, merchant, category, category group, dates,
hours, weekdays), distinct counts, shares and percentages, thresholds ("over $1,000", "at least 3"), relative windows
(last 7 / 30 / 90 days, last month, last quarter, this year, since a date, between two dates, Q2 of this year) and
a few two-dimension breakdowns.

Run on a built world (1,000 customers, data as of 2025-06-30):

    PYTHONPATH=src:bench python bench/check_blind_questions_2026_12_12.py HOME [ANSWERS.jsonl] [--edges]

`--edges` only computes every expectation and prints ties at a top-N boundary and empty results, without asking
the assistant. Without it every question is asked (or the answers file is judged) and each line printed RIGHT /
WRONG / REFUSED with a tally per half (DEV = odd lines, HELD-OUT = even lines); BLIND_DEV_ONLY=1 in the environment
prints the DEV lines and both tallies only. The world is opened read-only (gold.dim_customer, the SCD2 history, and
gold.metric_mom_spend_change are read here as well as the frames bench/blind_check.py loads).

Lines that must be refused (10): 15 (delete customers), 30 (instruction injection / secrets), 45 (forecast),
60 (update a credit limit), 75 (credit score: not in the model), 90 (insert a customer), 105 (household income: not
in the model), 120 (drop a table), 135 (marketing email opens: not in the model), 150 (merge records / grant
access). Every other line has one reading, stated here:

- Time windows relative to as-of 2025-06-30: "last month" = May 2025; "last quarter" = 2025-Q1 (Jan-Mar); "Q2 of
  this year" = 2025-04-01..06-30; "this year" / "in 2025" / "so far this year" / "2025 so far" =
  2025-01-01..2025-06-30; "last N days" = the as-of day and the N-1 days before it (7 = 06-24..06-30, 30 =
  06-01..06-30, 60 = 05-02..06-30, 90 = 04-02..06-30); "the 7 days before that" (110) = 06-17..06-23; a named
  month with its year = that calendar month; "between D1 and D2" = both days inclusive; "since D" = D up to the
  as-of date inclusive; "New Year's Eve 2024" = 2024-12-31; "Black Friday 2024" = 2024-11-29; "joined before 2020"
  = ACCOUNT_OPEN_DATE before 2020-01-01. A question with no time words covers every transaction
  (2023-11-29..2025-06-30).
- Spend, "processed", transaction / purchase counts, average transaction value / spend per transaction, the largest
  purchase, distinct merchants, "made a purchase" and per-day / per-customer figures count APPROVED transactions
  only. Decline and approval rates count every attempt (approved + declined); "declined amount" and "declined
  transactions" count the declined ones.
- Shares and rates are accepted as a fraction or as a percentage. "X compared with / versus Y" is accepted as the
  two values (two rows, either order, or keyed by the two names); "how did X change from A to B" / "how much has X
  changed" / "relative to" / "compared with the 7 days before that" (19, 34, 54, 110) as the relative change (a
  fraction or a percentage), the two values, or the difference (later minus earlier). A superlative ("which X has the most Y")
  is accepted as its top row or a ranking whose first row names the group and ends with the value; "A or B: which
  ..." / "which is bigger: A or B" (57, 92) as the winner's row first with its value, or the two values keyed by
  name. Top-N customer lists are judged on their customer ids in order.
- Profile attributes (state, city, card type, segment, employment status, age, tenure, credit limit, utilisation,
  churn risk, retention / upsell flags) are the current values of gold.customer_360_profile. Where a question puts
  card type on transactions (51, 64, 77, 107) both readings are accepted: the customer's current card, or the card
  of the customer version the transaction is keyed to (gold.dim_customer by CUSTOMER_KEY). "High churn risk tier"
  / "High Risk" = CHURN_RISK_CATEGORY 'High Risk' (likewise Low Risk); "churn risk score" = CHURN_RISK_SCORE;
  "churn probability" = CHURN_PROBABILITY (also accepted x100); "lifetime value" = LIFETIME_VALUE; "credit
  utilisation" = CREDIT_UTILIZATION_PCT (a percentage: "at least 50%" = >= 50, "over 80%" = > 80); "90-day spend"
  = SPEND_LAST_90_DAYS; "spend fell the most in dollars versus the prior 90 days" (43) = the five lowest
  SPEND_LAST_90_DAYS - SPEND_PRIOR_90_DAYS; "spend dropped by more than 20% versus the prior 90 days" (133) =
  SPEND_CHANGE_PCT below -0.20; "average transaction value" of a customer (127) = AVG_TRANSACTION_VALUE; "days since they last made
  a purchase" = DAYS_SINCE_LAST_TRANSACTION (mean over customers who have one); "month-over-month spend change" of a
  customer = MOM_SPEND_CHANGE_PCT, June 2025 vs May 2025 (the mean over customers who have one; 41 / 42, the stored
  fraction or x100; 42, having no month, also accepts the mean of every month's SPEND_CHANGE_PCT in
  gold.metric_mom_spend_change per segment, which has the same top segment); "tenure in months" = TENURE_MONTHS; "first purchase" (139) = FIRST_TRANSACTION_DATE.
- "Travel", "dining" as spend = the category GROUP of that name; "Pharmacies", "Airlines", "Hotels", "Coffee Shops",
  "Grocery Stores", "Restaurants", "Electronics", "Gas Stations", "Streaming Services" = that merchant category.
  "Merchants" are MERCHANT_NAME. "Weekend" = Saturday and Sunday. Hours are the hour of TRANSACTION_DATE: "between
  10pm and midnight" = hours 22..23; "between 6am and noon" = hours 6..11; "after 8pm" = hours 20..23. "over / more
  than / above / under" are strict; "at least / or older / and over" inclusive; "between" of amounts inclusive;
  "under 30" = AGE < 30, "60 and over" = AGE >= 60, "under 25 / 25 and older" = AGE < 25 / >= 25.
- Customers counted by "how many" are a count. "Haven't made a purchase in the last 30 days" (53) and "not made a
  purchase in the last 60 days" (124): customers with no approved transaction in the window, with or without those
  who never transacted (both accepted). "Never had a transaction declined" (111): customers without a declined
  transaction, of all 1,000 or of those with any transaction (both accepted).
- Per-customer figures (8, 49): the total divided by every customer of the group, or by the group's customers with
  an approved transaction in the window (both accepted; in 8 the New & Growing segment has no 2024 spend, so it is
  0 per customer under the first reading, and may be left out); 87 says "active", so only the latter. 76: the segment
  with the highest approved all-time Hotels spend per customer, dividing by the segment's customers, its customers
  with an approved transaction, or its customers with an approved Hotels transaction (all accepted). 109: the mean
  TOTAL_TRANSACTIONS per card type, with or without the customers who never transacted.
- SCD2 history (gold.dim_customer, one row per customer version): 106 = customers with more than one distinct
  CARD_TYPE among their versions; 119 = customers with more than one distinct CREDIT_LIMIT among their versions.
- Further readings: 5: all-time average approved amount of Online vs In-Store. 9: 2025 decline rates of Mobile and
  Online. 14: declined 2024 attempts per weekday, the top day. 19 / 34: the mean approved amount of the later
  period vs the earlier one. 21: declined attempts per month Jan-Jun 2025. 23: mean utilisation of AGE < 30 vs AGE
  >= 60. 25: 2025 approval rate of attempts with amount > 1,000. 28: customers with >= 3 approved 2024 Airlines
  transactions. 32: approved June 2025 spend on Sat/Sun vs Mon-Fri. 35: decline rate per hour over all time, the top
  hour. 38: approved 2025 transactions / 181 days. 39: the three categories with the lowest all-time mean approved
  amount. 54: January 2025 spend vs December 2024. 57: mean LIFETIME_VALUE of Gold vs Premium. 59: approved Sunday
  spend 2025-01-01..03-31. 61: AGE >= 65, 2025 spend per category group. 62: all-time approved spend per category of
  Unemployed customers, the top one. 63: customers with approved Q1 2025 transactions in more than 10 distinct
  merchant categories. 65: the state with most Premium cardholders. 66:
  approved Mobile spend 2025-04-01..06-15. 68: the largest approved amount 06-24..06-30. 70: the 2024 month with
  the highest decline rate. 74: declined 2024 attempts, share Online. 78: retention targets' mean
  DAYS_SINCE_LAST_TRANSACTION. 80: customers with CHURN_RISK_SCORE > 70 per state. 84: approved 2025 transactions
  in hours 22..23. 85: all-time decline rate of AGE < 25 vs AGE >= 25. 88: tenure more than five years: TENURE_MONTHS
  > 60 or >= 60, TENURE_DAYS > 1825 or > 1826 (all accepted). 92: 2024 approved Online vs Mobile spend. 93:
  customers whose approved Q2 2025 spend is > 10,000. 95: approved transactions on 2024-12-31 per channel. 98:
  customers with an approved transaction in each of Jan, Feb and Mar 2025. 99: all-time approved Online spend /
  approved spend per segment, the top segment. 101: per channel, June 2025 spend / May 2025 spend - 1 (the change
  last, keyed by the channel), or the dollar difference per channel. 103: approved 2024 Sat/Sun spend per hour. 104:
  the customer with the earliest ACCOUNT_OPEN_DATE (the largest TENURE_DAYS). 110: NY approved spend 06-24..06-30 vs
  06-17..06-23. 115: all-time mean approved amount at Hotels vs Airlines. 117: approved 2025 transactions of the
  customer. 118: LIFETIME_VALUE (= all-time approved spend). 125: approved Electronics spend on 2024-11-29. 128: the
  Online approval rate of 2025 ytd vs 2024: the two rates, their difference or the relative change. 130: customers
  with approved Airlines spend >= 1,000 in 04-02..06-30. 131: approved 2024 Gas Stations transactions in hours
  6..11. 136: the two categories with most declined 2025 attempts. 144: customers per ACCOUNT_OPEN_DATE month of
  2024. 145: the category with the largest (Q2 2025 - Q1 2025) approved spend, the difference last. 146: the mean
  approved 2025 amount in hours 20..23. 147: IS_RETENTION_TARGET and High Risk. 149: the customer with most
  approved transactions 2025-04-01..06-30. 152:
  CREDIT_LIMIT 5,000..15,000 inclusive. 153: approved 2024 spend / 12. 155: High-Value Travelers with no approved
  2025 Airlines transaction. 157: each 2024 month's approved spend vs the month before (January vs December 2023;
  January may be left out), as the relative change or the dollar difference. 158: approved June 2025 spend of customers with CREDIT_UTILIZATION_PCT > 80. 159:
  declined 2025 attempts of High Risk customers.
"""
import sys
from pathlib import Path

import duckdb
import pandas as pd

from blind_check import check, run
from check_blind_questions_2026_12_04 import monthly_change, pairs, pct_ok, two_values
from check_blind_questions_2026_12_05 import EDGES, edges, nonempty, ranked, top
from check_blind_questions_2026_12_07 import by_month, either
from check_blind_questions_2026_12_08 import best_weekday, by_hour, change
from check_blind_questions_2026_12_09 import best_hour, dict_or_two
from check_blind_questions_2026_12_10 import best, dict_any, keyed_first, pct_dict_or_two, pct_two, scalar_any

QUESTIONS = Path(__file__).resolve().parents[1] / 'tests' / 'data' / 'blind_questions_2026_12_12.txt'
MUST_REFUSE = {15, 30, 45, 60, 75, 90, 105, 120, 135, 150}
# EDGES is the 2026-12-05 module's dict (n -> (kind, k, series)), filled here, so that its `edges` reads ours.


def gold(home: Path, table: str) -> pd.DataFrame:
    """A gold table (gold.dim_customer, the SCD2 history; gold.metric_mom_spend_change), read-only."""
    c = duckdb.connect(str(home / 'C360.db'), read_only=True)
    try:
        return c.execute(f'select * from gold.{table}').df()
    finally:
        c.close()


def a_or_b(n, s):
    """"A or B: which is higher": the winner's row first with its value, or both values keyed by name."""
    return either(best(n, s), lambda d: check(0, d, s.to_dict()))


def change_any(a, b):
    """A change from b to a: the relative change (a fraction or a percentage), the two values, or the dollar
    difference a - b."""
    return either(change(a, b), lambda d: check(0, d, a - b))


def pct_best_hour(n, s):
    return either(best_hour(n, s), best_hour(n, s * 100))


def expectations(P, T, M):
    E = {}
    amt = 'TRANSACTION_AMOUNT'
    V = gold(HOME, 'dim_customer')
    MM = gold(HOME, 'metric_mom_spend_change')
    attrs = P[['CUSTOMER_ID', 'EMPLOYMENT_STATUS', 'AGE', 'IS_UPSELL_TARGET', 'IS_RETENTION_TARGET',
               'CHURN_RISK_CATEGORY', 'CREDIT_UTILIZATION_PCT']]
    Tx = T.merge(attrs, on='CUSTOMER_ID', how='left')
    Tx = Tx.merge(V[['CUSTOMER_KEY', 'CARD_TYPE']].rename(columns={'CARD_TYPE': 'CARD_AT'}), on='CUSTOMER_KEY',
                  how='left')
    assert Tx.CARD_AT.notna().all()
    Tx = Tx.assign(HOUR=Tx.TRANSACTION_DATE.dt.hour, MON=Tx.d.dt.strftime('%Y-%m'), WE=Tx.d.dt.dayofweek >= 5)
    A = Tx[Tx.STATUS == 'approved']
    D = Tx[Tx.STATUS == 'declined']
    Pi = P.set_index('CUSTOMER_ID')
    n_all = len(P)
    all_ids = set(P.CUSTOMER_ID)
    seen_a = set(A.CUSTOMER_ID)
    hr = P.CHURN_RISK_CATEGORY == 'High Risk'
    up, ret = P.IS_UPSELL_TARGET, P.IS_RETENTION_TARGET

    def w(df, a, b):
        return df[(df.d >= pd.Timestamp(a)) & (df.d <= pd.Timestamp(b))]

    def rate(df):
        return float((df.STATUS == 'declined').mean())

    def rates(df, by):
        return df.groupby(by).STATUS.apply(lambda s: float((s == 'declined').mean()))

    def both_cards(f):
        """An expectation built once on the current card type and once on the transaction's version card."""
        return either(f('CARD_TYPE'), f('CARD_AT'))

    YTD = ('2025-01-01', '2025-06-30')
    MAY = ('2025-05-01', '2025-05-31')
    APR = ('2025-04-01', '2025-04-30')
    JUN = ('2025-06-01', '2025-06-30')
    Q1 = ('2025-01-01', '2025-03-31')
    Q2 = ('2025-04-01', '2025-06-30')
    Y24 = ('2024-01-01', '2024-12-31')
    D7 = ('2025-06-24', '2025-06-30')
    D60 = ('2025-05-02', '2025-06-30')
    D90 = ('2025-04-02', '2025-06-30')
    ay, a24, am, aj, aq1, aq2, a7, a90 = (w(A, *x) for x in (YTD, Y24, MAY, JUN, Q1, Q2, D7, D90))
    seg_n = P.groupby('CUSTOMER_SEGMENT').size()

    E[1] = float(aj[amt].sum())
    E[2] = P.groupby('CUSTOMER_SEGMENT').LIFETIME_VALUE.mean().to_dict()
    E[3] = int((P.STATE == 'FL').sum())
    E[4] = best(4, am.groupby('MERCHANT_CATEGORY')[amt].sum())
    E[5] = dict_or_two({c: float(A[A.CHANNEL == c][amt].mean()) for c in ('Online', 'In-Store')})
    E[6] = int(hr.sum())
    E[7] = best(7, P.groupby('CARD_TYPE').CREDIT_UTILIZATION_PCT.mean())
    s8 = a24.groupby('CUSTOMER_SEGMENT')[amt].sum()
    per_all = (s8.reindex(seg_n.index).fillna(0) / seg_n).to_dict()  # New & Growing has no 2024 spend: 0 per customer
    E[8] = dict_any(per_all, {k: v for k, v in per_all.items() if v}, (s8 / a24.groupby('CUSTOMER_SEGMENT').CUSTOMER_ID.nunique()).to_dict())
    ty = w(Tx, *YTD)
    E[9] = pct_dict_or_two({c: rate(ty[ty.CHANNEL == c]) for c in ('Mobile', 'Online')})
    E[10] = best(10, P.groupby('CUSTOMER_SEGMENT').CHURN_RISK_SCORE.mean(), low=True)
    E[11] = aq2.groupby('CHANNEL')[amt].sum().to_dict()
    E[12] = int(nonempty(12, int(a7.MERCHANT_NAME.nunique())))
    E[13] = pct_ok(float(up.mean()))
    d24 = w(D, *Y24)
    E[14] = best_weekday(14, d24.groupby(d24.d.dt.day_name()).size())
    E[16] = pct_ok(float(ay[ay.CATEGORY_GROUP == 'dining'][amt].sum() / ay[amt].sum()))
    E[17] = ranked(17, Pi.CHURN_PROBABILITY, 10)
    cp_u, cp_n = float(P[up].CHURN_PROBABILITY.mean()), float(P[~up].CHURN_PROBABILITY.mean())
    E[18] = pct_two(cp_u, cp_n)
    E[19] = change_any(float(am[amt].mean()), float(w(A, *APR)[amt].mean()))
    E[20] = best(20, P[P.CARD_TYPE == 'Gold'].groupby('STATE').size())
    E[21] = by_month(w(D, *YTD).groupby('MON').size().to_dict())
    E[22] = float(a24[(a24.EMPLOYMENT_STATUS == 'Retired') & (a24.MERCHANT_CATEGORY == 'Pharmacies')][amt].sum())
    E[23] = two_values(float(P[P.AGE < 30].CREDIT_UTILIZATION_PCT.mean()), float(P[P.AGE >= 60].CREDIT_UTILIZATION_PCT.mean()))
    E[24] = int((P.CREDIT_LIMIT > 20000).sum())
    E[25] = pct_ok(1 - rate(ty[ty[amt] > 1000]))
    E[26] = best(26, a90.groupby('MERCHANT_NAME').size())
    E[27] = P.groupby('CHURN_RISK_CATEGORY').TENURE_MONTHS.mean().to_dict()
    air24 = a24[a24.MERCHANT_CATEGORY == 'Airlines'].groupby('CUSTOMER_ID').size()
    E[28] = int(nonempty(28, int((air24 >= 3).sum())))
    E[29] = pct_ok(rate(w(Tx, *D7)))
    E[31] = best(31, P[P.CARD_TYPE == 'Platinum'].groupby('CUSTOMER_SEGMENT').size())
    E[32] = two_values(float(aj[aj.WE][amt].sum()), float(aj[~aj.WE][amt].sum()))
    E[33] = P.groupby('EMPLOYMENT_STATUS').LIFETIME_VALUE.mean().to_dict()
    E[34] = change_any(float(aq2[amt].mean()), float(aq1[amt].mean()))
    E[35] = pct_best_hour(35, rates(Tx, 'HOUR'))
    E[36] = int((P.ACCOUNT_OPEN_DATE >= pd.Timestamp('2024-01-01')).sum())
    E[37] = dict_or_two({s: float(ay[ay.CUSTOMER_SEGMENT == s][amt].sum())
                         for s in ('High-Value Travelers', 'Stable Mid-Spenders')})
    E[38] = len(ay) / 181
    E[39] = top(39, A.groupby('MERCHANT_CATEGORY')[amt].mean(), 3, low=True)
    E[40] = int(nonempty(40, int(((P.CARD_TYPE == 'Gold') & (P.STATE == 'NY') & up).sum())))
    mom = P.MOM_SPEND_CHANGE_PCT.dropna()
    E[41] = pct_ok(float(mom.mean()))
    mm = MM.merge(P[['CUSTOMER_ID', 'CUSTOMER_SEGMENT']], on='CUSTOMER_ID').groupby('CUSTOMER_SEGMENT').SPEND_CHANGE_PCT.mean()
    E[42] = either(best(42, P.groupby('CUSTOMER_SEGMENT').MOM_SPEND_CHANGE_PCT.mean(), pct=True), best(1042, mm, pct=True))
    E[43] = ranked(43, (Pi.SPEND_LAST_90_DAYS - Pi.SPEND_PRIOR_90_DAYS).astype(float), 5, low=True)
    E[44] = int(w(A[A.MERCHANT_CATEGORY == 'Coffee Shops'], '2025-03-10', '2025-03-20').shape[0])
    E[46] = pairs(P.groupby(['CARD_TYPE', 'CHURN_RISK_CATEGORY']).size().to_dict())
    E[47] = float(w(D, *D90)[amt].sum())
    E[48] = best(48, P.assign(H=hr).groupby('EMPLOYMENT_STATUS').H.mean(), pct=True)
    E[49] = scalar_any(len(ay) / n_all, len(ay) / ay.CUSTOMER_ID.nunique())

    def e51(col):
        pl = a24[a24[col] == 'Platinum']
        return dict_or_two({g: float(pl[pl.CATEGORY_GROUP == g][amt].sum()) for g in ('travel', 'dining')})
    E[50] = float(P[P.CARD_TYPE == 'Premium'].LIFETIME_VALUE.median())
    E[51] = both_cards(e51)
    E[52] = best(52, aq1.groupby('STATE')[amt].sum())
    idle30 = all_ids - set(aj.CUSTOMER_ID)
    E[53] = scalar_any(len(idle30), len(idle30 & seen_a))
    E[54] = change_any(float(w(A, '2025-01-01', '2025-01-31')[amt].sum()), float(w(A, '2024-12-01', '2024-12-31')[amt].sum()))
    E[55] = float(P[P.CREDIT_LIMIT < 5000].CREDIT_UTILIZATION_PCT.mean())
    E[56] = best(56, ay.groupby('CHANNEL')[amt].mean())
    E[57] = a_or_b(57, P[P.CARD_TYPE.isin(['Gold', 'Premium'])].groupby('CARD_TYPE').LIFETIME_VALUE.mean())
    E[58] = int(nonempty(58, int((hr & (P.LIFETIME_VALUE > 50000)).sum())))
    E[59] = float(aq1[aq1.d.dt.dayofweek == 6][amt].sum())
    E[61] = ay[ay.AGE >= 65].groupby('CATEGORY_GROUP')[amt].sum().to_dict()
    E[62] = best(62, A[A.EMPLOYMENT_STATUS == 'Unemployed'].groupby('MERCHANT_CATEGORY')[amt].sum())
    nc = aq1.groupby('CUSTOMER_ID').MERCHANT_CATEGORY.nunique()
    E[63] = int(nonempty(63, int((nc > 10).sum())))
    tj = w(Tx, *JUN)
    E[64] = both_cards(lambda col: pct_ok((1 - rates(tj, col)).to_dict()))
    E[65] = best(65, P[P.CARD_TYPE == 'Premium'].groupby('STATE').size())
    E[66] = float(w(A[A.CHANNEL == 'Mobile'], '2025-04-01', '2025-06-15')[amt].sum())
    E[67] = P.groupby('CARD_TYPE').CHURN_RISK_SCORE.mean().to_dict()
    E[68] = float(a7[amt].max())
    EDGES[68] = ('top', 1, a7[amt].sort_values(ascending=False).reset_index(drop=True))
    E[69] = int((P.CREDIT_UTILIZATION_PCT >= 50).sum())
    t24 = w(Tx, *Y24)
    E[70] = best(70, rates(t24, 'MON'), pct=True)
    E[71] = dict_or_two({e: float(P[P.EMPLOYMENT_STATUS == e].LIFETIME_VALUE.mean()) for e in ('Employed', 'Self-Employed')})
    E[72] = float(P[P.CARD_TYPE == 'Platinum'].CREDIT_LIMIT.sum())
    E[73] = top(73, ay.groupby('MERCHANT_NAME').size(), 5)
    E[74] = pct_ok(float((d24.CHANNEL == 'Online').mean()))
    ho = A[A.MERCHANT_CATEGORY == 'Hotels']
    hs = ho.groupby('CUSTOMER_SEGMENT')[amt].sum()
    E[76] = either(best(76, hs / seg_n), best(1076, hs / A.groupby('CUSTOMER_SEGMENT').CUSTOMER_ID.nunique()),
                   best(2076, hs / ho.groupby('CUSTOMER_SEGMENT').CUSTOMER_ID.nunique()))
    E[77] = both_cards(lambda col: (lambda v: lambda d: check(0, d, v))(int(((am[col] == 'Gold') & (am[amt] > 500)).sum())))
    E[78] = float(P[ret].DAYS_SINCE_LAST_TRANSACTION.mean())
    E[79] = pairs(ay.groupby(['CHANNEL', 'CATEGORY_GROUP'])[amt].sum().to_dict())
    E[80] = nonempty(80, P[P.CHURN_RISK_SCORE > 70].groupby('STATE').size().to_dict())
    E[81] = float(w(A, '2025-06-01', '2025-06-07')[amt].sum())
    E[82] = top(82, P[up].groupby('STATE').size(), 3)
    E[83] = float(P[P.ACCOUNT_OPEN_DATE < pd.Timestamp('2020-01-01')].LIFETIME_VALUE.mean())
    E[84] = int(ay.HOUR.isin([22, 23]).sum())
    E[85] = pct_two(rate(Tx[Tx.AGE < 25]), rate(Tx[Tx.AGE >= 25]))
    E[86] = best(86, rates(ty, 'CATEGORY_GROUP'), pct=True)
    E[87] = float(aj[amt].sum() / aj.CUSTOMER_ID.nunique())
    E[88] = scalar_any(int((P.TENURE_MONTHS > 60).sum()), int((P.TENURE_MONTHS >= 60).sum()),
                       int((P.TENURE_DAYS > 1825).sum()), int((P.TENURE_DAYS > 1826).sum()))
    E[89] = pct_ok(float(P[P.CARD_TYPE == 'Platinum'].IS_RETENTION_TARGET.mean()))
    E[91] = by_month(ay[ay.CUSTOMER_SEGMENT == 'New & Growing'].groupby('MON')[amt].sum().to_dict())
    E[92] = a_or_b(92, a24[a24.CHANNEL.isin(['Online', 'Mobile'])].groupby('CHANNEL')[amt].sum())
    q2c = aq2.groupby('CUSTOMER_ID')[amt].sum()
    E[93] = int(nonempty(93, int((q2c > 10000).sum())))
    E[94] = dict_or_two({c: float(P[P.CHURN_RISK_CATEGORY == c].CREDIT_LIMIT.mean()) for c in ('High Risk', 'Low Risk')})
    E[95] = A[A.d == pd.Timestamp('2024-12-31')].groupby('CHANNEL').size().to_dict()
    E[96] = ranked(96, Pi[Pi.CUSTOMER_SEGMENT == 'Declining'].LIFETIME_VALUE, 5)
    E[97] = dict_or_two({c: float(a90[a90.MERCHANT_CATEGORY == c][amt].sum()) for c in ('Grocery Stores', 'Restaurants')})
    q1m = aq1.groupby('CUSTOMER_ID').MON.nunique()
    E[98] = int(nonempty(98, int((q1m == 3).sum())))
    E[99] = best(99, A[A.CHANNEL == 'Online'].groupby('CUSTOMER_SEGMENT')[amt].sum() / A.groupby('CUSTOMER_SEGMENT')[amt].sum(), pct=True)
    E[100] = two_values(float(P[up].AGE.mean()), float(P[~up].AGE.mean()))
    cj, cm = aj.groupby('CHANNEL')[amt].sum(), am.groupby('CHANNEL')[amt].sum()
    E[101] = either(keyed_first((cj / cm - 1).to_dict()), lambda d: check(0, d, (cj - cm).to_dict(), frozenset({0})))
    E[102] = int(nonempty(102, int(((P.CARD_TYPE == 'Premium') & (P.AGE < 30)).sum())))
    we24 = a24[a24.WE]
    E[103] = by_hour(we24.groupby('HOUR')[amt].sum().to_dict())
    E[104] = ranked(104, Pi.TENURE_DAYS, 1)
    nct = V.groupby('CUSTOMER_ID').CARD_TYPE.nunique()
    E[106] = int(nonempty(106, int((nct > 1).sum())))

    def e107(col):
        return pct_ok(float(aj[aj[col] == 'Platinum'][amt].sum() / aj[amt].sum()))
    E[107] = both_cards(e107)
    E[108] = best(108, ay[ay.MERCHANT_CATEGORY == 'Electronics'].groupby('MERCHANT_NAME')[amt].sum())
    E[109] = dict_any(P.groupby('CARD_TYPE').TOTAL_TRANSACTIONS.mean().to_dict(),
                      P[P.TOTAL_TRANSACTIONS > 0].groupby('CARD_TYPE').TOTAL_TRANSACTIONS.mean().to_dict())
    ny = A[A.STATE == 'NY']
    E[110] = change_any(float(w(ny, *D7)[amt].sum()), float(w(ny, '2025-06-17', '2025-06-23')[amt].sum()))
    nd = all_ids - set(D.CUSTOMER_ID)
    seen_t = set(T.CUSTOMER_ID)
    E[111] = either(pct_ok(len(nd) / n_all), pct_ok(len(nd & seen_t) / len(seen_t)))
    E[112] = best(112, ay[ay.CHURN_RISK_CATEGORY == 'Low Risk'].groupby('CATEGORY_GROUP')[amt].sum())
    E[113] = int(nonempty(113, int(((P.AGE >= 70) & (P.CARD_TYPE == 'Gold')).sum())))
    E[114] = pct_ok(rates(w(Tx, *Q1), 'CATEGORY_GROUP').to_dict())
    E[115] = dict_or_two({c: float(A[A.MERCHANT_CATEGORY == c][amt].mean()) for c in ('Hotels', 'Airlines')})
    E[116] = best(116, P.groupby('STATE').LIFETIME_VALUE.mean(), low=True)
    E[117] = int(nonempty(117, int((ay.CUSTOMER_ID == 'CUST00000077').sum())))
    E[118] = float(Pi.loc['CUST00000314', 'LIFETIME_VALUE'])
    ncl = V.groupby('CUSTOMER_ID').CREDIT_LIMIT.nunique()
    E[119] = int(nonempty(119, int((ncl > 1).sum())))
    bc = aq1[aq1.CUSTOMER_SEGMENT == 'Budget-Conscious']
    E[121] = top(121, bc.groupby('MERCHANT_CATEGORY')[amt].sum(), 5)
    E[122] = pct_ok(float((P.EMPLOYMENT_STATUS == 'Student').mean()))
    E[123] = best_weekday(123, a90.groupby(a90.d.dt.day_name())[amt].sum(), low=True)
    idle60 = set(P[ret].CUSTOMER_ID) - set(w(A, *D60).CUSTOMER_ID)
    nonempty(124, idle60)
    E[124] = scalar_any(len(idle60), len(idle60 & seen_a))
    E[125] = float(nonempty(125, float(A[(A.d == pd.Timestamp('2024-11-29')) & (A.MERCHANT_CATEGORY == 'Electronics')][amt].sum())))
    E[126] = P.groupby('CHURN_RISK_CATEGORY').CREDIT_UTILIZATION_PCT.mean().to_dict()
    E[127] = int(nonempty(127, int((P.AVG_TRANSACTION_VALUE > 200).sum())))
    oy, o24 = 1 - rate(ty[ty.CHANNEL == 'Online']), 1 - rate(t24[t24.CHANNEL == 'Online'])
    E[128] = either(pct_two(oy, o24), pct_ok(oy - o24), pct_ok(oy / o24 - 1))
    E[129] = best(129, P.assign(H=hr).groupby('CARD_TYPE').H.mean(), pct=True)
    air90 = a90[a90.MERCHANT_CATEGORY == 'Airlines'].groupby('CUSTOMER_ID')[amt].sum()
    E[130] = int(nonempty(130, int((air90 >= 1000).sum())))
    gs = a24[a24.MERCHANT_CATEGORY == 'Gas Stations']
    E[131] = int(gs.HOUR.between(6, 11).sum())
    E[132] = top(132, P.groupby('STATE').LIFETIME_VALUE.mean(), 5)
    E[133] = int(nonempty(133, int((P.SPEND_CHANGE_PCT < -0.20).sum())))
    E[134] = P.groupby('CUSTOMER_SEGMENT').TENURE_MONTHS.mean().to_dict()
    E[136] = top(136, w(D, *YTD).groupby('MERCHANT_CATEGORY').size(), 2)
    E[137] = by_month(a24[a24.MERCHANT_CATEGORY == 'Streaming Services'].groupby('MON')[amt].sum().to_dict())
    E[138] = dict_or_two({c: float(P[P.CARD_TYPE == c].SPEND_LAST_90_DAYS.mean()) for c in ('Premium', 'Gold')})
    first = A.groupby('CUSTOMER_ID').d.min()
    assert int((first >= pd.Timestamp('2025-01-01')).sum()) == int((P.FIRST_TRANSACTION_DATE >= pd.Timestamp('2025-01-01')).sum())
    E[139] = int(nonempty(139, int((first >= pd.Timestamp('2025-01-01')).sum())))
    E[140] = best(140, w(D, *MAY).groupby('CUSTOMER_SEGMENT')[amt].sum())
    E[141] = top(141, P.groupby('STATE').CHURN_RISK_SCORE.mean(), 3)
    E[142] = int(nonempty(142, int(((P.CARD_TYPE == 'Standard') & (P.CREDIT_LIMIT >= 10000)).sum())))
    E[143] = pct_ok(float(aj[aj.CATEGORY_GROUP == 'travel'][amt].sum() / aj[amt].sum()))
    op = P[(P.ACCOUNT_OPEN_DATE >= pd.Timestamp('2024-01-01')) & (P.ACCOUNT_OPEN_DATE <= pd.Timestamp('2024-12-31'))]
    E[144] = by_month(op.groupby(pd.to_datetime(op.ACCOUNT_OPEN_DATE).dt.strftime('%Y-%m')).size().to_dict())
    c2, c1 = aq2.groupby('MERCHANT_CATEGORY')[amt].sum(), aq1.groupby('MERCHANT_CATEGORY')[amt].sum()
    E[145] = best(145, (c2 - c1).dropna())
    E[146] = float(ay[ay.HOUR >= 20][amt].mean())
    E[147] = int(nonempty(147, int((ret & hr).sum())))
    E[148] = a7.groupby('CATEGORY_GROUP')[amt].sum().to_dict()
    E[149] = ranked(149, aq2.groupby('CUSTOMER_ID').size(), 1)
    E[151] = top(151, P[P.EMPLOYMENT_STATUS == 'Self-Employed'].groupby('STATE').size(), 3)
    E[152] = float(P[P.CREDIT_LIMIT.between(5000, 15000)].LIFETIME_VALUE.mean())
    E[153] = float(a24[amt].sum() / 12)
    E[154] = best(154, rates(w(Tx, *Q1), 'CHANNEL'), low=True, pct=True)
    hvt = set(P[P.CUSTOMER_SEGMENT == 'High-Value Travelers'].CUSTOMER_ID)
    E[155] = int(nonempty(155, len(hvt - set(ay[ay.MERCHANT_CATEGORY == 'Airlines'].CUSTOMER_ID))))
    E[156] = ranked(156, ay[ay.MERCHANT_CATEGORY == 'Restaurants'].groupby('CUSTOMER_ID')[amt].sum(), 3)
    ms = A.groupby('MON')[amt].sum()
    chg = {m: float(ms[m] / ms.shift(1)[m] - 1) for m in ms.index if '2024-01' <= m <= '2024-12'}
    dif = {m: float(ms[m] - ms.shift(1)[m]) for m in chg}
    E[157] = either(monthly_change(chg), monthly_change({m: v for m, v in chg.items() if m >= '2024-02'}),
                    by_month(dif), by_month({m: v for m, v in dif.items() if m >= '2024-02'}))
    E[158] = float(nonempty(158, float(aj[aj.CREDIT_UTILIZATION_PCT > 80][amt].sum())))
    E[159] = int(w(D, *YTD)[lambda x: x.CHURN_RISK_CATEGORY == 'High Risk'].shape[0])
    E[160] = best(160, P.groupby('CUSTOMER_SEGMENT').CREDIT_LIMIT.mean())
    return E


HOME = Path(sys.argv[1]) if __name__ == "__main__" and len(sys.argv) > 1 else None

if __name__ == "__main__":
    run(sys.argv, QUESTIONS, expectations, MUST_REFUSE, edges)
