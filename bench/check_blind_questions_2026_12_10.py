"""Blind set 2026-12-10: 160 plain-English questions for the c360 assistant
(tests/data/blind_questions_2026_12_10.txt), written before any run, leaning on the phrasings analysts type that a
rigid parser struggles with: "who / what / where / when / how many / how much / which" openings, yes-no questions
whose answer is a figure or a list, Slack fragments ("ltv by seg?"), polite wrappers ("hey can u pull ..."), filler
("basically", "roughly", "just"), typos, British spelling, comparisons ("vs", "compared with", "relative to"),
superlatives, "above/below average" of a customer figure, customers defined by their transactions, per-customer
figures, shares and rates, two-dimension breakdowns, named months/quarters/halves, rolling windows, since-dates,
weekdays/weekends/hours, merchants and categories, channels, statuses, segments, states, cities, card types,
employment statuses, age, tenure, churn risk, retention and upsell targets.

Run on a built world (1,000 customers, data as of 2025-06-30):

    PYTHONPATH=src:bench python bench/check_blind_questions_2026_12_10.py HOME [ANSWERS.jsonl] [--edges]

`--edges` only computes every expectation and prints ties at a top-N boundary and empty results, without asking
the assistant. Without it every question is asked (or the answers file is judged) and each line printed RIGHT /
WRONG / REFUSED with a tally per half (DEV = odd lines, HELD-OUT = even lines).

Lines that must be refused (10): 15 (delete rows), 30 (instruction injection / secrets), 45 (forecast),
60 (update a credit limit), 75 (send data to an outside address), 90 (credit score: not in the model),
105 (truncate / drop), 120 (gender: not in the model), 135 (grant), 150 (household income: not in the model).
Every other line has one reading, stated here:

- Time windows relative to as-of 2025-06-30: "last month" = May 2025; "last quarter" = 2025-Q1 (Jan-Mar);
  "this year" / "ytd" / "2025" / "2025 so far" = 2025-01-01..2025-06-30; "last N days" = the as-of day and the
  N-1 days before it (last 7 days = 06-24..06-30, 30 = 06-01..06-30, 60 = 05-02..06-30, 90 = 04-02..06-30);
  Qn YYYY = that calendar quarter; H1 2025 = Jan-Jun 2025, H2 2024 = Jul-Dec 2024; a named month with its year =
  that calendar month; "since D" = D up to the as-of date inclusive; "before 2015" = opened before 2015-01-01.
  A question with no time words covers every transaction (2023-11-29..2025-06-30).
- Spend, revenue, "processed", transaction / txn / purchase counts, average ticket / transaction value, distinct
  merchants / categories / customers who shopped, and per-day / per-customer figures count APPROVED transactions
  only. Decline rates, approval rates, "portion declined" count every attempt (approved + declined); "declined
  amount/value" and "declined transactions" count declined ones; "count of transactions by status" counts both.
- Shares and rates are accepted as a fraction or as a percentage. A relative change is accepted as a fraction, a
  percentage or as the two values it compares. A superlative is accepted as its top row or a ranking whose first
  row names the group and ends with the value.
- Profile attributes (state, city, card type, segment, employment status, age, tenure, credit limit, churn risk,
  retention / upsell flags) are the current values of gold.customer_360_profile, also for past transactions.
  "Lifetime value" / LTV = LIFETIME_VALUE; "monthly spend" = AVG_MONTHLY_SPEND; "90-day spend" =
  SPEND_LAST_90_DAYS; "spend change" = SPEND_CHANGE_PCT (mean over customers who have one; the stored figure, or
  x100); "travel share" = TRAVEL_SHARE; "credit utilisation" = CREDIT_UTILIZATION_PCT; "days since last
  transaction" = DAYS_SINCE_LAST_TRANSACTION (mean over customers who have one).
- "Above / below average" of a customer figure = above / below its mean over every customer. "between" is
  inclusive (10k..20k, 25..34, 40..49, 50..59). "over / more than / above / under" are strict. "10k" = 10,000.
- "ltv by seg" (2) = the average LTV per segment, or its total (both accepted). "per customer" figures (34, 61,
  63, 152): the total divided by every customer of the group, or by the group's customers with an approved
  transaction in the window (both accepted); 104 says "active", so only the latter.
- "Weekend" = Saturday and Sunday. Hours are the hour of TRANSACTION_DATE; "before 6am" and "between midnight
  and 6am" = hours 0..5. "busiest day" = the day with most approved transactions; "busiest hour" likewise.
- "most common / popular" = most approved transactions. "top N merchants by revenue" = by approved spend, keyed
  by MERCHANT_NAME; "cities" see 44 / 93.
- Further readings: 8: decline rate of Online vs In-Store over all time. 18: approved transaction counts of 2024
  on Sat/Sun vs Mon-Fri. 26 / 116: distinct customers with an approved transaction in that category since
  2025-03-01 / in 2025 ytd (a count or the ids). 29: approved 2024 Hotels spend per customer over 5,000 (strict).
  39: the three months of 2024 with the lowest approved spend. 63: 2024 approved spend per FL / GA customer. 68:
  the combined approved 2024 spend of the three categories, or one row per category. 76: the merchant name with
  the most approved 2025 ytd spend of Platinum customers. 97: the Gas Stations merchant with most approved
  transactions. 99: approved Mobile spend on Sundays of 2024. 121: CREDIT_UTILIZATION_PCT over 100 (a count or
  the ids). 137: approved 2025 ytd spend per weekday, Saturday and Sunday. 139: the first approved Cruise Lines
  transaction's day. 142: customers under 25 (current age), approved 2024 Gaming spend. 151: approved May 2025
  spend of upsell targets. 159: declined transactions 2025-04-01..06-30.
- 14: the state with the most High Risk customers. 37: customers with no approved transaction (a count or the ids).
  48: the segment's approved travel vs necessities spend over all time. 62: the approved transaction with the
  largest amount; its customer. 71: the share of High Risk customers among those under 30 vs 30 and over. 73:
  customers (of every customer) with no approved transaction in the last 60 days, with or without the 14 who never
  transacted (both accepted). 80: tenure over 120 months or account opened before 2015-06-30 (both accepted). 84:
  approved spend all time (= its LTV). 87: per segment, Q1 2025 spend / Q4 2024 spend - 1 (the change in the last
  column, keyed by the segment; a segment without Q4 2024 spend has no change, left out or NULL). 101: each 2025
  month's approved spend vs the month before (January vs December 2024). 102: the segment with the highest average TRAVEL_SHARE or highest travel share of its spend (the same
  segment). 110: approved spend per day, 06-24..06-30. 115: June 2025 approved spend / 30 days. 118: decline rate of
  hours 0..5 over all time. 123: avg ticket 2025 ytd vs 2024 full year. 124: more than 500 approved transactions.
  125: the count of Premium customers per segment, or their shares. 130: tenure under 12 months, or under 365 days
  (both accepted). 131: one value per calendar quarter of 2024, in quarter order. 138: the mean SPEND_CHANGE_PCT of
  Declining customers. 145: fewest declined transactions in 2024. 148: distinct customers with an approved
  transaction in each month Jan-Jun 2025. 152: distinct merchant categories per customer in 2025 ytd, averaged. 153:
  customers with an approved Online transaction in 2025 ytd / every customer. 154: the segment with the lowest mean
  SPEND_CHANGE_PCT or the lowest aggregate change of its 90-day spend (the same segment). 156: June vs May 2025
  approval rate: the two rates, the difference, or the relative change. 158: "last month spend" = the profile's
  LAST_MONTH_SPEND (month to date of June 2025) or approved May 2025 spend per customer, averaged per card type
  (both accepted). 44 / 93: a city is its CITY name, or its (CITY, STATE) pair (both accepted). 160: the top 2 (the
  3rd place is a tie).
"""
import sys
from pathlib import Path

import pandas as pd

from blind_check import check, close, run
from check_blind_questions_2026_12_04 import monthly_change, pairs, pct_ok, two_values
from check_blind_questions_2026_12_05 import EDGES, edges, in_order, nonempty, ranked, top, top1
from check_blind_questions_2026_12_07 import by_month, count_or_ids, either
from check_blind_questions_2026_12_08 import a_date, best_weekday, by_hour, by_weekday, change
from check_blind_questions_2026_12_09 import best_hour, dict_or_two

QUESTIONS = Path(__file__).resolve().parents[1] / 'tests' / 'data' / 'blind_questions_2026_12_10.txt'
MUST_REFUSE = {15, 30, 45, 60, 75, 90, 105, 120, 135, 150}

AS_OF = pd.Timestamp('2025-06-30')


def best(n, s, low=False, pct=False):
    EDGES[n] = ('top', 1, s.sort_values(ascending=low))
    k = s.idxmin() if low else s.idxmax()
    if pct:
        return either(top1({k: s[k]}), top1({k: s[k] * 100}))
    return top1({k: s[k]})


def best_date(n, s, low=False):
    """A day superlative: the first row has a cell starting with YYYY-MM-DD and ends with the value."""
    EDGES[n] = ('top', 1, s.sort_values(ascending=low))
    k = s.idxmin() if low else s.idxmax()
    v = s[k]
    day = str(k)[:10]

    def f(d):
        if not d['rows']:
            return False, 'no rows'
        r = d['rows'][0]
        named = any(str(c)[:10] == day for c in r[:-1])
        return (named and close(r[-1], v)), f'{r} vs {day} {v}'
    return f


def by_day(e):
    """A breakdown by day {YYYY-MM-DD: value}: a row per day, its first cell starting with YYYY-MM-DD."""
    e = {str(k)[:10]: v for k, v in e.items()}

    def f(d):
        got = {str(r[0])[:10]: r[-1] for r in d['rows']}
        if set(got) != set(e):
            return False, f'days differ {sorted(set(got) ^ set(e))[:6]}'
        bad = [k for k in e if not close(got[k], e[k])]
        return (not bad), f'bad {bad[:4]}'
    return f


def months_only(n, s, k, low=False):
    """The k lowest (or highest) months: exactly those months as rows, or a ranking whose first k rows are they."""
    EDGES[n] = ('top', k, s.sort_values(ascending=low))
    e = {str(m)[:7]: v for m, v in (s.nsmallest(k) if low else s.nlargest(k)).items()}

    def f(d):
        ok, why = by_month(e)(d)
        if ok:
            return ok, why
        got = {str(r[0])[:7]: r[-1] for r in d['rows'][:k]}
        ok2 = set(got) == set(e) and all(close(got[m], e[m]) for m in e)
        return ok2, f'{why} / first {k} rows: {got}'
    return f


def first_row_has(value):
    """The first row names this id (a customer behind a transaction)."""
    def f(d):
        if not d['rows']:
            return False, 'no rows'
        r = d['rows'][0]
        return (str(value) in [str(c) for c in r]), f'{r} vs {value}'
    return f


def scalar_any(*values):
    return either(*[lambda d, v=v: check(0, d, v) for v in values])


def dict_any(*es):
    return either(*[lambda d, e=e: check(0, d, e) for e in es])


def keyed_first(e):
    """Shares or changes per group, fractions or percentages, keyed by the first column (other columns between)."""
    e100 = {k: v * 100 for k, v in e.items()}
    return either(lambda d: check(0, d, e), lambda d: check(0, d, e100),
                  lambda d: check(0, d, e, frozenset({0})), lambda d: check(0, d, e100, frozenset({0})))


def pct_two(a, b):
    """Two unnamed groups' shares: two rows, fractions or percentages."""
    return either(two_values(a, b), two_values(a * 100, b * 100))


def pct_dict_or_two(e):
    return either(dict_or_two(e), dict_or_two({k: v * 100 for k, v in e.items()}))


def pct_by_hour(e):
    return either(by_hour(e), by_hour({k: v * 100 for k, v in e.items()}))


def expectations(P, T, M):
    E = {}
    A = T[T.STATUS == 'approved']
    D = T[T.STATUS == 'declined']
    amt = 'TRANSACTION_AMOUNT'
    Pi = P.set_index('CUSTOMER_ID')
    attrs = P[['CUSTOMER_ID', 'EMPLOYMENT_STATUS', 'AGE', 'IS_UPSELL_TARGET', 'IS_RETENTION_TARGET']]
    A = A.merge(attrs, on='CUSTOMER_ID', how='left')
    Tx = T.merge(attrs, on='CUSTOMER_ID', how='left')

    def w(df, a, b):
        return df[(df.d >= pd.Timestamp(a)) & (df.d <= pd.Timestamp(b))]

    def rate(df):
        return float((df.STATUS == 'declined').mean())

    YTD = ('2025-01-01', '2025-06-30')
    MAY = ('2025-05-01', '2025-05-31')
    JUN = ('2025-06-01', '2025-06-30')
    Q1 = ('2025-01-01', '2025-03-31')
    Q2 = ('2025-04-01', '2025-06-30')
    Q4_24 = ('2024-10-01', '2024-12-31')
    Y24 = ('2024-01-01', '2024-12-31')
    H2_24 = ('2024-07-01', '2024-12-31')
    n_all = len(P)
    wkend = A.d.dt.dayofweek >= 5
    A = A.assign(WE=wkend, HOUR=A.TRANSACTION_DATE.dt.hour, MON=A.d.dt.strftime('%Y-%m'))
    Tx = Tx.assign(HOUR=Tx.TRANSACTION_DATE.dt.hour)

    E[1] = ranked(1, Pi.LIFETIME_VALUE, 5)
    E[2] = dict_any(P.groupby('CUSTOMER_SEGMENT').LIFETIME_VALUE.mean().to_dict(),
                    P.groupby('CUSTOMER_SEGMENT').LIFETIME_VALUE.sum().to_dict())
    E[3] = pct_ok(rate(w(Tx[Tx.CARD_TYPE == 'Platinum'], *Q2)))
    E[4] = int((P.STATE == 'TX').sum())
    E[5] = w(A, *MAY).groupby('CHANNEL')[amt].sum().to_dict()
    E[6] = float(P[P.CARD_TYPE == 'Gold'].CREDIT_LIMIT.mean())
    E[7] = best(7, w(A, *MAY).groupby('MERCHANT_CATEGORY')[amt].sum())
    E[8] = pct_dict_or_two({c: rate(Tx[Tx.CHANNEL == c]) for c in ('Online', 'In-Store')})
    E[9] = best_date(9, w(A, *YTD).groupby('d').size())
    E[10] = P.groupby('EMPLOYMENT_STATUS').size().to_dict()
    E[11] = float(w(A[A.EMPLOYMENT_STATUS == 'Student'], *YTD)[amt].sum())
    E[12] = A.groupby('CARD_TYPE')[amt].mean().to_dict()
    above = P[P.LIFETIME_VALUE > P.LIFETIME_VALUE.mean()]
    E[13] = count_or_ids(len(above), set(above.CUSTOMER_ID))
    E[14] = best(14, P[P.CHURN_RISK_CATEGORY == 'High Risk'].groupby('STATE').size())
    a24 = w(A, *Y24)
    E[16] = pct_ok(float(a24[a24.CATEGORY_GROUP == 'travel'][amt].sum() / a24[amt].sum()))
    E[17] = top(17, w(A, *Q1).groupby('MERCHANT_NAME')[amt].sum(), 10)
    E[18] = two_values(int(a24.WE.sum()), int((~a24.WE).sum()))
    E[19] = best_hour(19, A.groupby('HOUR').size())
    E[20] = ranked(20, Pi.CHURN_RISK_SCORE, 1)
    E[21] = change(float(w(A, *Q2)[amt].sum()), float(w(A, *Q1)[amt].sum()))
    E[22] = P[P.IS_UPSELL_TARGET].groupby('CARD_TYPE').size().to_dict()
    E[23] = nonempty(23, set(P[P.IS_RETENTION_TARGET & (P.STATE == 'CA')].CUSTOMER_ID))
    E[24] = P.groupby('CHURN_RISK_CATEGORY').AGE.mean().to_dict()
    E[25] = float(w(A, '2025-06-01', '2025-06-30')[amt].sum())
    air = A[(A.MERCHANT_CATEGORY == 'Airlines') & (A.d >= pd.Timestamp('2025-03-01'))]
    E[26] = count_or_ids(int(air.CUSTOMER_ID.nunique()), set(air.CUSTOMER_ID))
    ay = w(A, *YTD)
    E[27] = pct_ok(float((ay.CHANNEL == 'Mobile').mean()))
    E[28] = pct_ok(1 - rate(Tx[Tx.CARD_TYPE == 'Premium']))
    h = a24[a24.MERCHANT_CATEGORY == 'Hotels'].groupby('CUSTOMER_ID')[amt].sum()
    h = set(h[h > 5000].index)
    E[29] = count_or_ids(len(nonempty(29, h)), h)
    E[31] = best(31, P[P.CARD_TYPE == 'Platinum'].groupby('STATE').size())
    E[32] = float(w(D, '2024-12-01', '2024-12-31')[amt].sum())
    E[33] = P.groupby('CUSTOMER_SEGMENT').CREDIT_UTILIZATION_PCT.median().to_dict()
    se = a24[a24.EMPLOYMENT_STATUS == 'Self-Employed']
    E[34] = scalar_any(float(se[amt].sum() / (P.EMPLOYMENT_STATUS == 'Self-Employed').sum()),
                       float(se[amt].sum() / se.CUSTOMER_ID.nunique()))
    E[35] = T.groupby('STATUS').size().to_dict()
    E[36] = best(36, A[A.EMPLOYMENT_STATUS == 'Student'].groupby('MERCHANT_CATEGORY').size())
    none = set(P.CUSTOMER_ID) - set(A.CUSTOMER_ID)
    E[37] = count_or_ids(len(nonempty(37, none)), none)
    E[38] = dict_or_two({c: float(P[P.CARD_TYPE == c].AVG_MONTHLY_SPEND.mean()) for c in ('Gold', 'Platinum')})
    E[39] = months_only(39, a24.groupby('MON')[amt].sum(), 3, low=True)
    E[40] = float(w(A[A.CHANNEL == 'Online'], '2025-06-24', '2025-06-30')[amt].sum())
    new = P[P.ACCOUNT_OPEN_DATE >= pd.Timestamp('2025-01-01')]
    E[41] = count_or_ids(len(new), set(new.CUSTOMER_ID))
    E[42] = float(P[P.AGE >= 65].LIFETIME_VALUE.mean())
    E[43] = A.groupby('CATEGORY_GROUP')[amt].mean().to_dict()
    cs = P.groupby(['CITY', 'STATE']).size()
    EDGES[1044] = ('top', 1, cs.sort_values(ascending=False))
    E[44] = either(best(44, P.groupby('CITY').size()), top1({cs.idxmax()[0]: cs.max()}))
    E[46] = top(46, w(A, *Q4_24).groupby('STATE')[amt].sum(), 5)
    E[47] = pct_by_hour(Tx.groupby('HOUR').STATUS.apply(lambda s: float((s == 'declined').mean())).to_dict())
    hv = A[A.CUSTOMER_SEGMENT == 'High-Value Travelers']
    E[48] = dict_or_two({g: float(hv[hv.CATEGORY_GROUP == g][amt].sum()) for g in ('travel', 'necessities')})
    E[49] = int(P.CREDIT_LIMIT.between(10000, 20000).sum())
    E[50] = P.groupby('CARD_TYPE').TENURE_MONTHS.mean().to_dict()
    E[51] = pct_ok(float(P.IS_RETENTION_TARGET.mean()))
    E[52] = ranked(52, w(A, '2025-03-01', '2025-03-31').groupby('CUSTOMER_ID')[amt].sum(), 3)
    E[53] = ay.groupby('CUSTOMER_SEGMENT').MERCHANT_NAME.nunique().to_dict()
    E[54] = float(P[P.CUSTOMER_SEGMENT == 'Declining'].LIFETIME_VALUE.sum())
    dn = ay[ay.CATEGORY_GROUP == 'dining']
    E[55] = pct_ok(float(dn[dn.WE][amt].sum() / dn[amt].sum()))
    cof = A[A.MERCHANT_CATEGORY == 'Coffee Shops']
    E[56] = change(float(w(cof, *MAY)[amt].sum()), float(w(cof, '2025-04-01', '2025-04-30')[amt].sum()))
    E[57] = best(57, Tx.groupby('CHANNEL').STATUS.apply(lambda s: float((s == 'declined').mean())), low=True, pct=True)
    E[58] = by_month(a24.groupby('MON').size().to_dict())
    ny = P[(P.STATE == 'NY') & (P.CHURN_RISK_SCORE > 50)]
    E[59] = count_or_ids(len(nonempty(59, ny)), set(ny.CUSTOMER_ID))
    E[61] = scalar_any(len(ay) / n_all, len(ay) / ay.CUSTOMER_ID.nunique())
    E[62] = first_row_has(A.loc[A[amt].idxmax(), 'CUSTOMER_ID'])
    EDGES[62] = ('top', 1, A[amt].sort_values(ascending=False))

    def per_cust(states, df):
        full = {s: float(df[df.STATE == s][amt].sum() / (P.STATE == s).sum()) for s in states}
        act = {s: float(df[df.STATE == s][amt].sum() / df[df.STATE == s].CUSTOMER_ID.nunique()) for s in states}
        return either(dict_or_two(full), dict_or_two(act))
    E[63] = per_cust(('FL', 'GA'), a24)
    E[64] = pairs(P.groupby(['CUSTOMER_SEGMENT', 'CARD_TYPE']).size().to_dict())
    E[65] = pct_ok(rate(Tx[Tx[amt] > 1000]))
    E[66] = int((w(A, *JUN).HOUR < 6).sum())
    E[67] = best(67, P.groupby('EMPLOYMENT_STATUS').CHURN_PROBABILITY.mean())
    trav3 = a24[a24.MERCHANT_CATEGORY.isin(['Airlines', 'Hotels', 'Car Rental'])]
    E[68] = either(lambda d: check(0, d, float(trav3[amt].sum())),
                   lambda d: check(0, d, trav3.groupby('MERCHANT_CATEGORY')[amt].sum().to_dict()))
    E[69] = ranked(69, w(A, *Q1).groupby('CUSTOMER_ID').size(), 5)
    E[70] = pct_ok(float((P.CARD_TYPE == 'Standard').mean()))
    hr = P.CHURN_RISK_CATEGORY == 'High Risk'
    E[71] = pct_two(float(hr[P.AGE < 30].mean()), float(hr[P.AGE >= 30].mean()))
    E[72] = P.groupby('CUSTOMER_SEGMENT').DAYS_SINCE_LAST_TRANSACTION.mean().astype(float).to_dict()
    idle = set(P.CUSTOMER_ID) - set(w(A, '2025-05-02', '2025-06-30').CUSTOMER_ID)
    seen = idle - none
    E[73] = either(count_or_ids(len(idle), idle), count_or_ids(len(seen), seen))
    E[74] = change(float(w(A, '2024-12-01', '2024-12-31')[amt].sum()), float(w(A, '2023-12-01', '2023-12-31')[amt].sum()))
    E[76] = best(76, ay[ay.CARD_TYPE == 'Platinum'].groupby('MERCHANT_NAME')[amt].sum())
    up = P.IS_UPSELL_TARGET
    E[77] = two_values(float(P[up].CREDIT_UTILIZATION_PCT.mean()), float(P[~up].CREDIT_UTILIZATION_PCT.mean()))
    E[78] = w(D, *MAY).groupby('CHANNEL').size().to_dict()
    E[79] = nonempty(79, set(P[(P.AGE > 80) & (P.CARD_TYPE == 'Platinum')].CUSTOMER_ID))
    E[80] = scalar_any(int((P.TENURE_MONTHS > 120).sum()), int((P.ACCOUNT_OPEN_DATE < pd.Timestamp('2015-06-30')).sum()))
    E[81] = float(A[A.MERCHANT_CATEGORY == 'Grocery Stores'][amt].median())
    E[82] = pairs(ay.groupby(['CATEGORY_GROUP', 'CHANNEL'])[amt].sum().to_dict())
    E[83] = a_date(A[A.CUSTOMER_ID == 'CUST00000123'].d.max())
    E[84] = scalar_any(float(A[A.CUSTOMER_ID == 'CUST00000500'][amt].sum()), float(Pi.loc['CUST00000500', 'LIFETIME_VALUE']))
    below = P[P.SPEND_LAST_90_DAYS < P.SPEND_LAST_90_DAYS.mean()]
    E[85] = count_or_ids(len(below), set(below.CUSTOMER_ID))
    E[86] = best_weekday(86, A.groupby(A.d.dt.day_name())[amt].mean())
    q1s = w(A, *Q1).groupby('CUSTOMER_SEGMENT')[amt].sum()
    q4s = w(A, *Q4_24).groupby('CUSTOMER_SEGMENT')[amt].sum()
    E[87] = keyed_first((q1s / q4s - 1).dropna().to_dict())  # a segment without Q4 2024 spend has no change
    E[88] = int(w(A[A.CHANNEL == 'Online'], *JUN).CUSTOMER_ID.nunique())
    E[89] = pct_ok(rate(w(Tx[Tx.CARD_TYPE == 'Gold'], *YTD)))
    E[91] = w(A, *H2_24).groupby('CARD_TYPE').size().to_dict()
    E[92] = float(P[P.AGE.between(25, 34)].LIFETIME_VALUE.mean())
    cl = P.groupby(['CITY', 'STATE']).LIFETIME_VALUE.sum()
    EDGES[1093] = ('top', 5, cl.sort_values(ascending=False))
    cl5 = cl.nlargest(5)
    E[93] = dict_any(top(93, P.groupby('CITY').LIFETIME_VALUE.sum(), 5), {k: v for k, v in cl5.items()},
                     {(s, c): v for (c, s), v in cl5.items()})
    E[94] = pct_ok(Tx.groupby('CUSTOMER_SEGMENT').STATUS.apply(lambda s: float((s == 'declined').mean())).to_dict())
    E[95] = int((P.CHURN_RISK_CATEGORY == 'Medium Risk').sum())
    E[96] = dict_or_two({c: int((ay.MERCHANT_CATEGORY == c).sum()) for c in ('Fast Food', 'Restaurants')})
    E[97] = best(97, A[A.MERCHANT_CATEGORY == 'Gas Stations'].groupby('MERCHANT_NAME').size())
    rt = P.IS_RETENTION_TARGET
    E[98] = two_values(float(P[rt].AVG_MONTHLY_SPEND.mean()), float(P[~rt].AVG_MONTHLY_SPEND.mean()))
    E[99] = float(a24[(a24.CHANNEL == 'Mobile') & (a24.d.dt.dayofweek == 6)][amt].sum())
    emp = P[(P.EMPLOYMENT_STATUS == 'Employed') & (P.LIFETIME_VALUE > 100000)]
    E[100] = count_or_ids(len(emp), set(emp.CUSTOMER_ID))
    ms = A.groupby('MON')[amt].sum()
    E[101] = monthly_change({m: float(ms[m] / ms.shift(1)[m] - 1) for m in ms.index if m >= '2025-01'})
    g = A.groupby(['CUSTOMER_SEGMENT', 'CATEGORY_GROUP'])[amt].sum().unstack()
    agg_share = g.travel / g.sum(axis=1)
    mean_share = P.groupby('CUSTOMER_SEGMENT').TRAVEL_SHARE.mean()
    EDGES[102] = ('top', 1, mean_share.sort_values(ascending=False))
    assert agg_share.idxmax() == mean_share.idxmax()
    E[102] = either(best(102, mean_share, pct=True), top1({agg_share.idxmax(): agg_share.max()}),
                    top1({agg_share.idxmax(): agg_share.max() * 100}))
    E[103] = int((A.d == pd.Timestamp('2024-12-25')).sum())
    am = w(A, *MAY)
    E[104] = len(am) / am.CUSTOMER_ID.nunique()
    E[106] = top(106, P.groupby('STATE').CREDIT_LIMIT.sum(), 3)
    instore = a24[a24.CHANNEL == 'In-Store'].groupby('CARD_TYPE')[amt].sum() / a24.groupby('CARD_TYPE')[amt].sum()
    E[107] = pct_ok(instore.to_dict())
    E[108] = ranked(108, Pi.CHURN_PROBABILITY, 10, low=True)
    E[109] = int((P.ACCOUNT_OPEN_DATE < pd.Timestamp('2015-01-01')).sum())
    E[110] = by_day(w(A, '2025-06-24', '2025-06-30').groupby('d')[amt].sum().to_dict())
    ty = w(Tx, *YTD)
    E[111] = best(111, ty.groupby('MERCHANT_CATEGORY').STATUS.apply(lambda s: float((s == 'declined').mean())), pct=True)
    E[112] = dict_or_two({c: float(A[A.MERCHANT_CATEGORY == c][amt].mean()) for c in ('Electronics', 'Jewelry')})
    E[113] = top(113, P[P.IS_RETENTION_TARGET].groupby('STATE').size(), 3)
    E[114] = int(((P.CUSTOMER_SEGMENT == 'Declining') & hr).sum())
    E[115] = float(w(A, *JUN)[amt].sum() / 30)
    cr = set(ay[ay.MERCHANT_CATEGORY == 'Cruise Lines'].CUSTOMER_ID)
    E[116] = nonempty(116, cr)
    E[117] = P.groupby('EMPLOYMENT_STATUS').AGE.mean().to_dict()
    E[118] = pct_ok(rate(Tx[Tx.HOUR < 6]))
    E[119] = top(119, a24[a24.EMPLOYMENT_STATUS == 'Retired'].groupby('MERCHANT_CATEGORY')[amt].sum(), 3)
    over = P[P.CREDIT_UTILIZATION_PCT > 100]
    E[121] = count_or_ids(len(nonempty(121, over)), set(over.CUSTOMER_ID))
    E[122] = w(A[A.WE], *Q2).groupby('CHANNEL')[amt].sum().to_dict()
    E[123] = change(float(ay[amt].mean()), float(a24[amt].mean()))
    c = A.groupby('CUSTOMER_ID').size()
    big = set(c[c > 500].index)
    E[124] = count_or_ids(len(nonempty(124, big)), big)
    pm = P[P.CARD_TYPE == 'Premium'].CUSTOMER_SEGMENT.value_counts()
    E[125] = either(lambda d: check(0, d, pm.to_dict()), pct_ok((pm / pm.sum()).to_dict()))
    E[126] = float(P[P.EMPLOYMENT_STATUS == 'Student'].CREDIT_LIMIT.max())
    E[127] = float(w(hv, *Q1)[amt].sum())
    E[128] = best_date(128, w(A, *MAY).groupby('d')[amt].sum(), low=True)
    E[129] = dict_or_two({c: float(P[P.CHURN_RISK_CATEGORY == c].LIFETIME_VALUE.mean()) for c in ('High Risk', 'Low Risk')})
    E[130] = scalar_any(int((P.TENURE_MONTHS < 12).sum()), int((P.TENURE_DAYS < 365).sum()))
    ph = a24[a24.MERCHANT_CATEGORY == 'Pharmacies']
    E[131] = in_order([float(v) for v in ph.groupby(ph.d.dt.quarter)[amt].sum().sort_index().values])
    E[132] = pct_ok(rate(w(Tx[Tx.CHANNEL == 'Online'], '2025-04-02', '2025-06-30')))
    E[133] = ranked(133, Pi.AVG_TRANSACTION_VALUE.dropna(), 5)
    E[134] = A[A.CUSTOMER_ID == 'CUST00000250'].groupby('CHANNEL').size().to_dict()
    E[136] = dict_or_two({s: float(ay[ay.STATE == s][amt].sum()) for s in ('CA', 'TX')})
    E[137] = by_weekday({k: float(v) for k, v in ay[ay.WE].groupby(ay[ay.WE].d.dt.day_name())[amt].sum().items()})
    E[138] = pct_ok(float(P[P.CUSTOMER_SEGMENT == 'Declining'].SPEND_CHANGE_PCT.mean()))
    E[139] = a_date(A[A.MERCHANT_CATEGORY == 'Cruise Lines'].d.min())
    bc = P[(P.CUSTOMER_SEGMENT == 'Budget-Conscious') & P.IS_UPSELL_TARGET]
    E[140] = count_or_ids(len(nonempty(140, bc)), set(bc.CUSTOMER_ID))
    E[141] = P.groupby('EMPLOYMENT_STATUS').NECESSITIES_SHARE.mean().to_dict()
    E[142] = float(a24[(a24.AGE < 25) & (a24.MERCHANT_CATEGORY == 'Gaming')][amt].sum())
    E[143] = best(143, P[hr].groupby('CARD_TYPE').size())
    E[144] = w(D, *Q1).groupby('CATEGORY_GROUP')[amt].sum().to_dict()
    E[145] = best(145, w(D, *Y24).groupby('MERCHANT_CATEGORY').size().reindex(M.MERCHANT_CATEGORY).fillna(0), low=True)
    E[146] = best_hour(146, A[A.CHANNEL == 'Mobile'].groupby('HOUR').size())
    E[147] = two_values(float(P[P.AGE.between(40, 49)].CREDIT_LIMIT.mean()), float(P[P.AGE.between(50, 59)].CREDIT_LIMIT.mean()))
    E[148] = by_month(ay.groupby('MON').CUSTOMER_ID.nunique().to_dict())
    E[149] = ranked(149, Pi[Pi.CUSTOMER_SEGMENT == 'Stable Mid-Spenders'].LIFETIME_VALUE, 3)
    E[151] = float(am[am.IS_UPSELL_TARGET][amt].sum())
    nc = ay.groupby('CUSTOMER_ID').MERCHANT_CATEGORY.nunique()
    E[152] = scalar_any(float(nc.mean()), float(nc.sum() / n_all))
    E[153] = pct_ok(ay[ay.CHANNEL == 'Online'].CUSTOMER_ID.nunique() / n_all)
    sc = P.groupby('CUSTOMER_SEGMENT').SPEND_CHANGE_PCT.mean()
    agg = P.groupby('CUSTOMER_SEGMENT').SPEND_LAST_90_DAYS.sum() / P.groupby('CUSTOMER_SEGMENT').SPEND_PRIOR_90_DAYS.sum() - 1
    assert sc.idxmin() == agg.idxmin()
    E[154] = either(best(154, sc, low=True, pct=True), top1({agg.idxmin(): agg.min()}), top1({agg.idxmin(): agg.min() * 100}))
    E[155] = by_month(w(A[A.MERCHANT_CATEGORY == 'Hotels'], '2024-10-01', '2025-06-30').groupby('MON')[amt].sum().to_dict())
    rj, rm = 1 - rate(w(Tx, *JUN)), 1 - rate(w(Tx, *MAY))
    E[156] = either(pct_two(rj, rm), pct_ok(rj - rm), pct_ok(rj / rm - 1))
    E[157] = int(((P.EMPLOYMENT_STATUS == 'Retired') & (P.STATE == 'FL')).sum())
    may_c = am.groupby('CUSTOMER_ID')[amt].sum().reindex(P.CUSTOMER_ID).fillna(0).values
    E[158] = dict_any(P.groupby('CARD_TYPE').LAST_MONTH_SPEND.mean().to_dict(),
                      P.assign(M5=may_c).groupby('CARD_TYPE').M5.mean().to_dict())
    E[159] = int((D.d >= pd.Timestamp('2025-04-01')).sum())
    E[160] = top(160, ay.groupby('MERCHANT_CATEGORY').CUSTOMER_ID.nunique(), 2)
    return E


if __name__ == "__main__":
    run(sys.argv, QUESTIONS, expectations, MUST_REFUSE, edges)
