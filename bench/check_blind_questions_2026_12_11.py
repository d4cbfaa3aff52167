"""Blind set 2026-12-11: 160 plain-English questions for the c360 assistant
(tests/data/blind_questions_2026_12_11.txt), written before any run, leaning on the phrasings managers and analysts
type that a rigid parser struggles with: negations and exclusions ("excluding", "other than", "except", "not in",
"non-Premium", "without any", "never", "no longer"), spelled-out numbers and ordinals ("top five", "second highest",
"bottom 10", "the two largest"), bounds ("at most", "no more than", "or more", "fewer than", "at least"), date
formats ("2025-03", "03/2025", "Mar '25", "2024-Q3", "the first quarter of 2024", "prior year", "same month last
year", "past 2 quarters", "last 6 weeks", "the week of", "year to date"), "breakdown", "split", "mix", "trend",
"over time", "month over month", "how are we doing on", "give me a rundown of", "what does X look like", distinct
counts, medians, customers defined by their transactions, per-customer figures, shares and rates, two-dimension
breakdowns, named filters (high churn risk, retention targets, upsell targets), segments, states, cities, card
types, employment status, age, tenure, credit limit, utilisation, channels, statuses, merchants, categories,
weekdays / weekends and hours.

Run on a built world (1,000 customers, data as of 2025-06-30):

    PYTHONPATH=src:bench python bench/check_blind_questions_2026_12_11.py HOME [ANSWERS.jsonl] [--edges]

`--edges` only computes every expectation and prints ties at a top-N boundary and empty results, without asking
the assistant. Without it every question is asked (or the answers file is judged) and each line printed RIGHT /
WRONG / REFUSED with a tally per half (DEV = odd lines, HELD-OUT = even lines).

Lines that must be refused (10): 15 (delete rows), 30 (instruction injection / secrets), 45 (forecast),
60 (update a credit limit), 75 (send data to an outside address), 90 (credit score: not in the model),
105 (drop / truncate), 120 (marital status: not in the model), 135 (grant), 150 (income: not in the model).
Every other line has one reading, stated here:

- Time windows relative to as-of 2025-06-30: "last month" = May 2025; "last quarter" = 2025-Q1 (Jan-Mar);
  "this year" / "year to date" / "in 2025" / "2025 so far" / "first half of 2025" = 2025-01-01..2025-06-30;
  "prior year" = 2024; "last N days" = the as-of day and the N-1 days before it (7 = 06-24..06-30, 30 =
  06-01..06-30, 90 = 04-02..06-30); "last 6 weeks" = the last 42 days, 05-20..06-30; "the week of D" = the seven
  days D..D+6 (D is a Monday); "2025-03", "03/2025", "Mar '25" = March 2025; "Mar '24" = March 2024; "2024-Q3" =
  Jul-Sep 2024; "the first quarter of this year" = 2025-Q1. Windows with two readings accept both: "the last three
  months" (36, 113) = Apr-Jun 2025, Mar-May 2025 or the last 90 days; "the last six months" (16) = Jan-Jun 2025 or
  Dec 2024-May 2025; "the last 12 months" (99) = Jul 2024-Jun 2025 or Jun 2024-May 2025 (64: account opened on or
  after 2024-07-01, on or after 2024-06-30, or TENURE_MONTHS < 12); "the past 2 quarters" (56) = 2024-Q4 + 2025-Q1
  or 2025-Q1 + 2025-Q2. "Same month last year" (55) = June 2025 vs June 2024; "the same period last year" (96) =
  2025-01-01..06-30 vs 2024-01-01..06-30. A question with no time words covers every transaction
  (2023-11-29..2025-06-30).
- Spend, "total spend", transaction / purchase counts, average ticket / transaction value, median transaction
  amount, distinct merchants / categories / customers who shopped, "active customers", and per-day / per-customer
  figures count APPROVED transactions only ("excluding declined" changes nothing). Decline rates, approval rates
  count every attempt (approved + declined); "declined amount" / "declined transactions" count declined ones;
  "transactions per status" counts both.
- Shares and rates are accepted as a fraction or as a percentage. A comparison "X vs Y" is accepted as the two
  values (two rows, either order), or, where stated, as the relative change. A superlative is accepted as its top
  row or a ranking whose first row names the group and ends with the value; "second highest / largest" (7, 38,
  108, 136) as the second place alone (its first row) or a ranking whose second row names it with its value.
- Profile attributes (state, city, card type, segment, employment status, age, tenure, credit limit, utilisation,
  churn risk, retention / upsell flags) are the current values of gold.customer_360_profile, also for past
  transactions. "High churn risk" = CHURN_RISK_CATEGORY 'High Risk'; "90-day spend" = SPEND_LAST_90_DAYS;
  "monthly spend" = AVG_MONTHLY_SPEND; "spend change percentage" = SPEND_CHANGE_PCT (mean over customers who have
  one; the stored figure or x100); "credit utilisation" = CREDIT_UTILIZATION_PCT; "days since last transaction" =
  DAYS_SINCE_LAST_TRANSACTION (mean over customers who have one); "churn risk score" = CHURN_RISK_SCORE;
  "churn probability" = CHURN_PROBABILITY; tenure "at least five years" (79) = TENURE_MONTHS >= 60 or TENURE_DAYS
  >= 1825 / 1826; "fewer than 2 years" (97) = TENURE_MONTHS < 24 or TENURE_DAYS < 730; "less than a year" (141)
  = TENURE_MONTHS < 12 or TENURE_DAYS < 365.
- "Travel", "necessities", "dining" as spend = the category GROUP of that name; "Coffee Shops", "Electronics",
  "Airlines", "Hotels", "Grocery Stores", "Gas Stations", "Streaming Services", "Rail & Bus" = that merchant
  category. "Merchants" are MERCHANT_NAME. "Weekend" = Saturday and Sunday. Hours are the hour of
  TRANSACTION_DATE. "between" of ages is inclusive; "over / more than / above / under / fewer than" are strict;
  "at least / or more / at most / no more than" inclusive. "2k" = 2,000, "10k" = 10,000.
- Customers described without "how many" / "number of" (8, 18, 23, 28, 35, 58, 73, 80, 97, 104, 124, 133, 138,
  156) are accepted as their count or as the rows naming them (the set of ids).
- Per-customer figures (43, 88, 111, 123, 70): the total divided by every customer of the group, or by the group's
  customers with an approved transaction in the window (111 also: with an approved dining transaction in it).
- Further readings: 1: ranking of LIFETIME_VALUE among CARD_TYPE != Platinum. 6: approved transactions (all time)
  per customer >= 500. 8: customers (of all 1,000) with no approved transaction in 2025, or with no attempt at all
  in 2025 (both accepted). 10: decline rate over all time of CARD_TYPE != 'Premium' (also accepted: Standard +
  Gold, i.e. neither Premium nor Platinum). 13: 2025 ytd approved spend per category group other than travel.
  17: each 2025 month's approved spend vs the month before (January vs December 2024; January may be left out).
  18: approved 2024 dining-group spend per customer > 2,000. 20: High Risk customers counted per employment status.
  22: weekend 2024 approved transactions per channel: their spend, their count, or the shares of either. 25: 2025
  ytd approval rate vs 2024's: the two rates, their difference, or the relative change. 27: 2025-06-09..06-15.
  28: customers with no Mobile transaction (approved, or any status), of all 1,000 or only of those with a
  transaction (all accepted). 29: CITY names with >= 5 customers and their counts, or (CITY, STATE) pairs with >= 5.
  31: merchant names outside Grocery Stores, 2025 ytd spend. 35: fewer than 50 approved transactions in total, with
  or without the customers who have none. 37: mean LIFETIME_VALUE of customers with no approved transaction in
  04-02..06-30, with or without the ones who never transacted. 39: Platinum 2024 approved spend Mon-Fri vs Sat-Sun.
  40: the hour of 2025 with most declined transactions. 41: 2025 ytd attempts per STATUS. 44 / 148: the category
  names whose decline rate in the window is >= 8% / >= 7.5%. 49: AGE > 65, categories outside the necessities
  group, all time. 50: the medians of approved 2025 ytd amounts. 51: IS_UPSELL_TARGET and not
  IS_RETENTION_TARGET, share of all customers. 52: the two largest approved amounts of June 2025, in order (each
  row holds its amount). 54: counts of High Risk and Medium Risk. 57: mean AVG_MONTHLY_SPEND of AGE < 30 vs >= 30.
  58: CREDIT_LIMIT >= 20,000 and CREDIT_UTILIZATION_PCT < 10. 62: 2025 ytd spend per segment, the four other than
  Budget-Conscious. 67: the 5 lowest LIFETIME_VALUE among customers with an approved transaction. 68: approved
  Q1 2024 spend per customer > 10,000. 69: HVT segment, Q1 2025 travel-group spend / its spend. 73: customers whose
  latest approved transaction is before 2025-01-01 (never-transacted excluded). 74: High Risk vs not High Risk.
  79: Self-Employed. 80: approved Electronics spend 2025 ytd > 1,000 and not IS_UPSELL_TARGET. 81: approved spend per
  (month, channel), April-June 2025. 82: amount > 500, all time. 83: the mean LIFETIME_VALUE per state, among the
  states with >= 20 customers. 84: approved 2024-12-25 transactions per channel. 85: AGE 18..24. 86: mean
  CREDIT_UTILIZATION_PCT of customers with no approved travel-group transaction ever, or of TRAVEL_SHARE = 0 (both
  accepted). 87: a city is its CITY name, or its (CITY, STATE) pair. 91: approved transaction counts per day,
  2025-06-16..06-22. 92: declined amount per category 2024, top 2. 93: approved, CHANNEL != Online, all time.
  95: decline rate of 2025 ytd attempts on Sat/Sun vs Mon-Fri. 98: sum of CREDIT_LIMIT where STATE not in
  CA/TX/NY. 99: distinct customers with an approved transaction per month. 100: the segment with the fewest
  Standard-card customers. 101: Retired, merchants outside those two categories, all time. 102: approved amount >=
  1,000 in Q1 2025. 104: CREDIT_UTILIZATION_PCT > 40 and High Risk. 106: approved Hotels spend per calendar
  quarter, 2023-Q4..2025-Q2 in order. 107: Online attempts per hour. 109: customers with no declined transaction,
  of all 1,000 or of those with any transaction. 112: approved transaction count <= 100 (zero included), customers
  per card type. 114: SPEND_LAST_90_DAYS among CARD_TYPE != Platinum. 115: 2025 ytd approved average amount on
  Sundays vs Saturdays. 116: per card type, the share of its customers with CREDIT_LIMIT >= 10,000. 117: approved
  spend of Unemployed customers per month of 2024. 119: distinct customers with an approved 2025 ytd transaction per
  category outside the travel group, top 10. 121: Platinum 2024 approved travel-group vs necessities-group spend.
  122: customers with an approved transaction in each of Jan..Jun 2025. 124: AGE >= 70 and >= 300 approved
  transactions. 127: per category Q1 2025 spend / Q4 2024 spend - 1, the top five (keyed by category; the change
  last), or the top five by the absolute difference. 129: approved 2024 transactions in hours 0..4 or hours 0..5
  (both accepted). 130: 1 - decline rate, 2025 ytd. 132: mean CREDIT_LIMIT of customers with approved 2024
  travel-group spend > 5,000. 134: approved spend per hour of day, all time, the top three hours. 138: STATE TX,
  CARD_TYPE != Standard, CHURN_PROBABILITY > 0.5. 139: declined transactions 04-02..06-30, share Online. 140:
  distinct merchant categories with an approved Q1 2025 transaction per segment. 142: decline rate per calendar
  quarter 2023-Q4..2025-Q2, in order. 143: approved 2024 dining-group spend on Sat/Sun / all of it. 144: approved
  2025 ytd Online spend per customer among non-retention targets. 146: AGE >= 40. 147: approved May 2025
  transactions / 31. 149: more than 20 approved transactions 06-01..06-30. 153: merchant names with >= 1,000
  approved transactions (a count). 154: decline rate per segment over all time, the top three of the four other
  than Declining. 155: approved spend on 2025-01-01. 156: an approved transaction > 2,000 in 06-01..06-30. 157:
  mean AVG_MONTHLY_SPEND of customers with neither flag. 158: 2024 approval rate per channel. 159: approved May 2025
  spend per category group. 160: HVT customers with no approved Airlines transaction in 06-01..06-30.
"""
import re
import sys
from pathlib import Path

import pandas as pd

from blind_check import check, close, run
from check_blind_questions_2026_12_04 import monthly_change, pairs, pct_ok, two_values
from check_blind_questions_2026_12_05 import EDGES, edges, in_order, nonempty, ranked, top, top1
from check_blind_questions_2026_12_07 import by_month, count_or_ids, either
from check_blind_questions_2026_12_08 import best_weekday, by_hour, change
from check_blind_questions_2026_12_09 import best_hour, dict_or_two
from check_blind_questions_2026_12_10 import by_day, dict_any, scalar_any

QUESTIONS = Path(__file__).resolve().parents[1] / 'tests' / 'data' / 'blind_questions_2026_12_11.txt'
MUST_REFUSE = {15, 30, 45, 60, 75, 90, 105, 120, 135, 150}


def best(n, s, low=False, pct=False):
    EDGES[n] = ('top', 1, s.sort_values(ascending=low))
    k = s.idxmin() if low else s.idxmax()
    if pct:
        return either(top1({k: s[k]}), top1({k: s[k] * 100}))
    return top1({k: s[k]})


def _names(c, k):
    return str(c) == str(k) or str(c).startswith(str(k) + '-')


def nth(n, s, k, pct=False):
    """The k-th place: the first row names it and ends with its value, or row k of a ranking does."""
    s = s.sort_values(ascending=False)
    EDGES[n] = ('list', k, s)
    g, v = s.index[k - 1], s.iloc[k - 1]
    vals = [v, v * 100] if pct else [v]

    def f(d):
        rows = d['rows']
        for i in (0, k - 1):
            if len(rows) > i and any(_names(c, g) for c in rows[i]) and any(close(rows[i][-1], x) for x in vals):
                return True, f'row {i + 1}: {rows[i]}'
        return False, f'{rows[:k]} vs {g} {v}'
    return f


def names(n, s):
    """A set of named things (categories): the rows' first cells are exactly these names."""
    s = {str(x) for x in nonempty(n, set(s))}

    def f(d):
        got = {str(r[0]) for r in d['rows']}
        return got == s, f'{sorted(got ^ s)[:5]} differ'
    return f


def amounts(vals):
    """The first len(vals) rows, in order, each hold that amount in some cell."""
    def f(d):
        rows = d['rows']
        if len(rows) < len(vals):
            return False, f'{len(rows)} rows'
        ok = all(any(close(c, v) for c in r if isinstance(c, (int, float))) for r, v in zip(rows, vals))
        return ok, f'{rows[:len(vals)]} vs {vals}'
    return f


def _mon(c):
    c = str(c)
    return c[:7] if re.match(r'^\d{4}-\d{2}', c) else c


def month_pairs(e):
    """A value per (month, x): two key columns (a month cell normalised to YYYY-MM), in either order."""
    def f(d):
        rows = d['rows']
        if not rows or len(rows[0]) < 3:
            return False, 'fewer than 3 columns'
        got = {(_mon(r[0]), _mon(r[1])): r[-1] for r in rows}
        ee = {(str(a), str(b)): v for (a, b), v in e.items()}
        if set(got) != set(ee):
            ee = {(b, a): v for (a, b), v in ee.items()}
        if set(got) != set(ee):
            return False, f'keys differ {sorted(set(got) ^ set(ee))[:4]}'
        bad = [k for k in ee if not close(got[k], ee[k])]
        return (not bad), f'bad {bad[:4]}'
    return f


def pct_two(a, b):
    return either(two_values(a, b), two_values(a * 100, b * 100))


def pct_dict_or_two(e):
    return either(dict_or_two(e), dict_or_two({k: v * 100 for k, v in e.items()}))


def pct_by_hour(e):
    return either(by_hour(e), by_hour({k: v * 100 for k, v in e.items()}))


def pct_in_order(values):
    return either(in_order(values), in_order([v * 100 for v in values]))


def keyed_first(e):
    e100 = {k: v * 100 for k, v in e.items()}
    return either(lambda d: check(0, d, e), lambda d: check(0, d, e100),
                  lambda d: check(0, d, e, frozenset({0})), lambda d: check(0, d, e100, frozenset({0})))


def top_hours(n, s, k):
    """The top k hours: exactly those hours as rows, or a ranking whose first k rows are they."""
    EDGES[n] = ('top', k, s.sort_values(ascending=False))
    e = {int(h): v for h, v in s.nlargest(k).items()}

    def f(d):
        ok, why = by_hour(e)(d)
        if ok:
            return ok, why
        return by_hour(e)({'rows': d['rows'][:k]})
    return f


def expectations(P, T, M):
    E = {}
    amt = 'TRANSACTION_AMOUNT'
    attrs = P[['CUSTOMER_ID', 'EMPLOYMENT_STATUS', 'AGE', 'IS_UPSELL_TARGET', 'IS_RETENTION_TARGET',
               'CHURN_RISK_CATEGORY']]
    Tx = T.merge(attrs, on='CUSTOMER_ID', how='left')
    Tx = Tx.assign(HOUR=Tx.TRANSACTION_DATE.dt.hour, MON=Tx.d.dt.strftime('%Y-%m'), WE=Tx.d.dt.dayofweek >= 5,
                   Q=Tx.d.dt.to_period('Q').astype(str))
    A = Tx[Tx.STATUS == 'approved']
    D = Tx[Tx.STATUS == 'declined']
    Pi = P.set_index('CUSTOMER_ID')
    n_all = len(P)
    all_ids = set(P.CUSTOMER_ID)
    hr = P.CHURN_RISK_CATEGORY == 'High Risk'
    up, ret = P.IS_UPSELL_TARGET, P.IS_RETENTION_TARGET

    def w(df, a, b):
        return df[(df.d >= pd.Timestamp(a)) & (df.d <= pd.Timestamp(b))]

    def rate(df):
        return float((df.STATUS == 'declined').mean())

    YTD = ('2025-01-01', '2025-06-30')
    MAY = ('2025-05-01', '2025-05-31')
    JUN = ('2025-06-01', '2025-06-30')
    MAR25 = ('2025-03-01', '2025-03-31')
    Q1 = ('2025-01-01', '2025-03-31')
    Q2 = ('2025-04-01', '2025-06-30')
    Q4_24 = ('2024-10-01', '2024-12-31')
    Y24 = ('2024-01-01', '2024-12-31')
    D90 = ('2025-04-02', '2025-06-30')
    W6 = ('2025-05-20', '2025-06-30')
    L3 = [Q2, ('2025-03-01', '2025-05-31'), D90]
    ay, a24, am = w(A, *YTD), w(A, *Y24), w(A, *MAY)

    E[1] = ranked(1, Pi[Pi.CARD_TYPE != 'Platinum'].LIFETIME_VALUE, 5)
    E[2] = int((P.STATE != 'CA').sum())
    E[3] = float(w(A, *MAR25)[amt].sum())
    E[4] = w(A, *MAR25).groupby('CHANNEL')[amt].sum().to_dict()
    E[5] = change(float(w(A, *MAR25)[amt].sum()), float(w(A, '2024-03-01', '2024-03-31')[amt].sum()))
    cnt = A.groupby('CUSTOMER_ID').size().reindex(P.CUSTOMER_ID).fillna(0)
    E[6] = int(nonempty(6, int((cnt >= 500).sum())))
    E[7] = nth(7, a24.groupby('STATE')[amt].sum(), 2)
    no_a = all_ids - set(ay.CUSTOMER_ID)
    no_t = all_ids - set(w(Tx, *YTD).CUSTOMER_ID)
    E[8] = either(count_or_ids(len(nonempty(8, no_a)), no_a), count_or_ids(len(no_t), no_t))
    E[9] = top(9, w(A, *Q1).groupby('MERCHANT_CATEGORY')[amt].sum(), 10, low=True)
    E[10] = either(pct_ok(rate(Tx[Tx.CARD_TYPE != 'Premium'])), pct_ok(rate(Tx[Tx.CARD_TYPE.isin(['Standard', 'Gold'])])))
    E[11] = float(A[A.AGE >= 60][amt].mean())
    E[12] = int((P.CREDIT_LIMIT <= 5000).sum())
    E[13] = ay[ay.CATEGORY_GROUP != 'travel'].groupby('CATEGORY_GROUP')[amt].sum().to_dict()
    E[14] = w(A, '2024-01-01', '2024-03-31').groupby('CARD_TYPE')[amt].sum().to_dict()
    gold = A[A.CARD_TYPE == 'Gold']
    E[16] = either(by_month(w(gold, *YTD).groupby('MON')[amt].sum().to_dict()),
                   by_month(w(gold, '2024-12-01', '2025-05-31').groupby('MON')[amt].sum().to_dict()))
    ms = A.groupby('MON')[amt].sum()
    chg = {m: float(ms[m] / ms.shift(1)[m] - 1) for m in ms.index if m >= '2025-01'}
    E[17] = either(monthly_change(chg), monthly_change({m: v for m, v in chg.items() if m >= '2025-02'}))
    dn = a24[a24.CATEGORY_GROUP == 'dining'].groupby('CUSTOMER_ID')[amt].sum()
    dn = set(dn[dn > 2000].index)
    E[18] = count_or_ids(len(nonempty(18, dn)), dn)
    E[19] = int(ay[ay.EMPLOYMENT_STATUS == 'Student'].MERCHANT_NAME.nunique())
    E[20] = P[hr].groupby('EMPLOYMENT_STATUS').size().to_dict()
    E[21] = top(21, P[ret].groupby('STATE').size(), 3)
    we24 = a24[a24.WE]
    sp, ct = we24.groupby('CHANNEL')[amt].sum(), we24.groupby('CHANNEL').size()
    E[22] = either(lambda d: check(0, d, sp.to_dict()), lambda d: check(0, d, ct.to_dict()),
                   pct_ok((sp / sp.sum()).to_dict()), pct_ok((ct / ct.sum()).to_dict()))
    u50 = set(P[up & (P.CREDIT_UTILIZATION_PCT >= 50)].CUSTOMER_ID)
    E[23] = count_or_ids(len(nonempty(23, u50)), u50)
    E[24] = P[P.EMPLOYMENT_STATUS != 'Retired'].groupby('CARD_TYPE').CREDIT_LIMIT.mean().to_dict()
    ry, r24 = 1 - rate(w(Tx, *YTD)), 1 - rate(w(Tx, *Y24))
    E[25] = either(pct_two(ry, r24), pct_ok(ry - r24), pct_ok(ry / r24 - 1))
    E[26] = w(A, *W6).groupby('CUSTOMER_SEGMENT')[amt].sum().to_dict()
    E[27] = float(w(A, '2025-06-09', '2025-06-15')[amt].sum())
    seen_t = set(T.CUSTOMER_ID)
    m_any = all_ids - set(Tx[Tx.CHANNEL == 'Mobile'].CUSTOMER_ID)
    m_ok = all_ids - set(A[A.CHANNEL == 'Mobile'].CUSTOMER_ID)
    nonempty(28, m_any)
    E[28] = either(*[count_or_ids(len(s), s) for s in (m_any, m_ok, m_any & seen_t, m_ok & seen_t)])
    cc = P.groupby('CITY').size()
    cs = P.groupby(['CITY', 'STATE']).size()
    E[29] = dict_any(nonempty(29, cc[cc >= 5].to_dict()), cs[cs >= 5].to_dict())
    E[31] = top(31, ay[ay.MERCHANT_CATEGORY != 'Grocery Stores'].groupby('MERCHANT_NAME')[amt].sum(), 5)
    q2 = w(A, *Q2)
    E[32] = pct_ok(float(q2[q2.CHANNEL == 'Online'][amt].sum() / q2[amt].sum()))
    E[33] = P.groupby('EMPLOYMENT_STATUS').CREDIT_LIMIT.median().to_dict()
    E[34] = int(P.AGE.between(30, 39).sum())
    f50 = set(cnt[cnt < 50].index)
    f50s = f50 & set(A.CUSTOMER_ID)
    E[35] = either(count_or_ids(len(f50), f50), count_or_ids(len(f50s), f50s))
    E[36] = dict_any(*[w(D, *win).groupby('CHANNEL').size().to_dict() for win in L3])
    idle = all_ids - set(w(A, *D90).CUSTOMER_ID)
    E[37] = scalar_any(float(Pi.loc[sorted(idle)].LIFETIME_VALUE.mean()),
                       float(Pi.loc[sorted(idle & set(A.CUSTOMER_ID))].LIFETIME_VALUE.mean()))
    E[38] = nth(38, P.groupby('CUSTOMER_SEGMENT').CREDIT_UTILIZATION_PCT.mean(), 2)
    pl = a24[a24.CARD_TYPE == 'Platinum']
    E[39] = two_values(float(pl[~pl.WE][amt].sum()), float(pl[pl.WE][amt].sum()))
    E[40] = best_hour(40, w(D, *YTD).groupby('HOUR').size())
    E[41] = w(Tx, *YTD).groupby('STATUS').size().to_dict()
    E[42] = ranked(42, w(A, *Q4_24).groupby('CUSTOMER_ID')[amt].sum(), 10)
    tx = ay[ay.STATE == 'TX']
    E[43] = scalar_any(float(tx[amt].sum() / (P.STATE == 'TX').sum()), float(tx[amt].sum() / tx.CUSTOMER_ID.nunique()))
    dr = w(Tx, *YTD).groupby('MERCHANT_CATEGORY').STATUS.apply(lambda s: float((s == 'declined').mean()))
    E[44] = names(44, dr[dr >= 0.08].index)
    E[46] = pairs(am.groupby(['CUSTOMER_SEGMENT', 'CARD_TYPE'])[amt].sum().to_dict())
    E[47] = float(P[~ret].AGE.mean())
    E[48] = int((P.CARD_TYPE.isin(['Gold', 'Platinum']) & (P.STATE == 'NY')).sum())
    o65 = A[(A.AGE > 65) & (A.CATEGORY_GROUP != 'necessities')]
    E[49] = top(49, o65.groupby('MERCHANT_CATEGORY')[amt].sum(), 3)
    E[50] = dict_or_two({c: float(ay[ay.CHANNEL == c][amt].median()) for c in ('Online', 'In-Store')})
    E[51] = pct_ok(float((up & ~ret).mean()))
    E[52] = amounts([float(x) for x in w(A, *JUN)[amt].nlargest(2).values])
    EDGES[52] = ('top', 2, w(A, *JUN)[amt].sort_values(ascending=False).reset_index(drop=True))
    E[53] = top(53, a24[a24.MERCHANT_CATEGORY == 'Airlines'].groupby('STATE')[amt].sum(), 5)
    E[54] = P[P.CHURN_RISK_CATEGORY != 'Low Risk'].groupby('CHURN_RISK_CATEGORY').size().to_dict()
    E[55] = change(float(w(A, *JUN)[amt].sum()), float(w(A, '2024-06-01', '2024-06-30')[amt].sum()))
    cof = A[A.MERCHANT_CATEGORY == 'Coffee Shops']
    E[56] = scalar_any(int(w(cof, '2024-10-01', '2025-03-31').CUSTOMER_ID.nunique()), int(w(cof, *YTD).CUSTOMER_ID.nunique()))
    E[57] = two_values(float(P[P.AGE < 30].AVG_MONTHLY_SPEND.mean()), float(P[P.AGE >= 30].AVG_MONTHLY_SPEND.mean()))
    c20 = set(P[(P.CREDIT_LIMIT >= 20000) & (P.CREDIT_UTILIZATION_PCT < 10)].CUSTOMER_ID)
    E[58] = count_or_ids(len(nonempty(58, c20)), c20)
    E[59] = top(59, P[hr].groupby('STATE').size(), 5)
    E[61] = float(w(D, *Q1)[amt].sum())
    E[62] = ay[ay.CUSTOMER_SEGMENT != 'Budget-Conscious'].groupby('CUSTOMER_SEGMENT')[amt].sum().to_dict()
    E[63] = best_weekday(63, a24.groupby(a24.d.dt.day_name())[amt].sum(), low=True)
    od = P.ACCOUNT_OPEN_DATE
    E[64] = scalar_any(int((od >= pd.Timestamp('2024-07-01')).sum()), int((od >= pd.Timestamp('2024-06-30')).sum()),
                       int((P.TENURE_MONTHS < 12).sum()))
    E[65] = by_hour(w(A[A.CHANNEL == 'Mobile'], *JUN).groupby('HOUR').size().to_dict())
    E[66] = A.groupby('CATEGORY_GROUP')[amt].mean().to_dict()
    E[67] = ranked(67, Pi.loc[sorted(set(A.CUSTOMER_ID))].LIFETIME_VALUE, 5, low=True)
    q124 = w(A, '2024-01-01', '2024-03-31').groupby('CUSTOMER_ID')[amt].sum()
    E[68] = int(nonempty(68, int((q124 > 10000).sum())))
    hv = w(A[A.CUSTOMER_SEGMENT == 'High-Value Travelers'], *Q1)
    E[69] = pct_ok(float(hv[hv.CATEGORY_GROUP == 'travel'][amt].sum() / hv[amt].sum()))
    nc = a24.groupby('CUSTOMER_ID').MERCHANT_CATEGORY.nunique()
    E[70] = scalar_any(float(nc.mean()), float(nc.sum() / n_all))
    E[71] = top(71, P[P.CARD_TYPE == 'Premium'].groupby('STATE').size(), 10)
    E[72] = w(A, *MAR25).groupby('CATEGORY_GROUP')[amt].sum().to_dict()
    last = A.groupby('CUSTOMER_ID').d.max()
    old = set(last[last < pd.Timestamp('2025-01-01')].index)
    E[73] = count_or_ids(len(nonempty(73, old)), old)
    E[74] = two_values(float(P[hr].DAYS_SINCE_LAST_TRANSACTION.mean()), float(P[~hr].DAYS_SINCE_LAST_TRANSACTION.mean()))
    E[76] = pct_ok(w(Tx, *YTD).groupby('CARD_TYPE').STATUS.apply(lambda s: float((s == 'declined').mean())).to_dict())
    E[77] = top(77, am[am.MERCHANT_CATEGORY == 'Grocery Stores'].groupby('MERCHANT_NAME').size(), 3)
    a6 = w(A, *W6)
    E[78] = float(a6[a6.WE][amt].sum())
    se = P[P.EMPLOYMENT_STATUS == 'Self-Employed']
    E[79] = scalar_any(int((se.TENURE_MONTHS >= 60).sum()), int((se.TENURE_DAYS >= 1825).sum()),
                       int((se.TENURE_DAYS >= 1826).sum()))
    el = ay[ay.MERCHANT_CATEGORY == 'Electronics'].groupby('CUSTOMER_ID')[amt].sum()
    el = set(el[el > 1000].index) & set(P[~up].CUSTOMER_ID)
    E[80] = count_or_ids(len(nonempty(80, el)), el)
    E[81] = month_pairs(q2.groupby(['MON', 'CHANNEL'])[amt].sum().to_dict())
    E[82] = pct_ok(1 - rate(Tx[Tx[amt] > 500]))
    sc = P.groupby('STATE').size()
    E[83] = best(83, P[P.STATE.isin(sc[sc >= 20].index)].groupby('STATE').LIFETIME_VALUE.mean())
    E[84] = A[A.d == pd.Timestamp('2024-12-25')].groupby('CHANNEL').size().to_dict()
    E[85] = float(ay[ay.AGE.between(18, 24) & (ay.MERCHANT_CATEGORY == 'Streaming Services')][amt].sum())
    trav = set(A[A.CATEGORY_GROUP == 'travel'].CUSTOMER_ID)
    E[86] = scalar_any(float(P[~P.CUSTOMER_ID.isin(trav)].CREDIT_UTILIZATION_PCT.mean()),
                       float(P[P.TRAVEL_SHARE == 0].CREDIT_UTILIZATION_PCT.mean()))
    a24c = a24.merge(P[['CUSTOMER_ID', 'CITY']], on='CUSTOMER_ID', how='left')
    cl = a24c.groupby(['CITY', 'STATE'])[amt].sum()
    EDGES[1087] = ('top', 5, cl.sort_values(ascending=False))
    cl5 = cl.nlargest(5)
    E[87] = dict_any(top(87, a24c.groupby('CITY')[amt].sum(), 5), {k: v for k, v in cl5.items()},
                     {(s, c): v for (c, s), v in cl5.items()})
    seg_n = P.groupby('CUSTOMER_SEGMENT').size()
    E[88] = dict_any((am.groupby('CUSTOMER_SEGMENT')[amt].sum() / seg_n).dropna().to_dict(),
                     (am.groupby('CUSTOMER_SEGMENT')[amt].sum() / am.groupby('CUSTOMER_SEGMENT').CUSTOMER_ID.nunique()).to_dict())
    E[89] = int((P.CHURN_RISK_SCORE >= 70).sum())
    E[91] = by_day(w(A, '2025-06-16', '2025-06-22').groupby('d').size().to_dict())
    E[92] = top(92, w(D, *Y24).groupby('MERCHANT_CATEGORY')[amt].sum(), 2)
    E[93] = A[A.CHANNEL != 'Online'].groupby('CARD_TYPE')[amt].mean().to_dict()
    E[94] = P[P.CARD_TYPE == 'Platinum'].groupby('EMPLOYMENT_STATUS').AGE.mean().to_dict()
    ty = w(Tx, *YTD)
    E[95] = pct_two(rate(ty[ty.WE]), rate(ty[~ty.WE]))
    E[96] = change(float(ay[amt].sum()), float(w(A, '2024-01-01', '2024-06-30')[amt].sum()))
    fl = P[(P.STATE == 'FL') & ret]
    f1, f2 = set(fl[fl.TENURE_MONTHS < 24].CUSTOMER_ID), set(fl[fl.TENURE_DAYS < 730].CUSTOMER_ID)
    nonempty(97, f1)
    E[97] = either(count_or_ids(len(f1), f1), count_or_ids(len(f2), f2))
    E[98] = float(P[~P.STATE.isin(['CA', 'TX', 'NY'])].CREDIT_LIMIT.sum())
    E[99] = either(by_month(w(A, '2024-07-01', '2025-06-30').groupby('MON').CUSTOMER_ID.nunique().to_dict()),
                   by_month(w(A, '2024-06-01', '2025-05-31').groupby('MON').CUSTOMER_ID.nunique().to_dict()))
    E[100] = best(100, P[P.CARD_TYPE == 'Standard'].groupby('CUSTOMER_SEGMENT').size(), low=True)
    rt = A[(A.EMPLOYMENT_STATUS == 'Retired') & ~A.MERCHANT_CATEGORY.isin(['Grocery Stores', 'Gas Stations'])]
    E[101] = top(101, rt.groupby('MERCHANT_NAME')[amt].sum(), 5)
    E[102] = int((w(A, *Q1)[amt] >= 1000).sum())
    E[103] = pct_ok(P.groupby('CARD_TYPE').SPEND_CHANGE_PCT.mean().to_dict())
    u80 = set(P[(P.CREDIT_UTILIZATION_PCT > 40) & hr].CUSTOMER_ID)
    E[104] = count_or_ids(len(nonempty(104, u80)), u80)
    ho = A[A.MERCHANT_CATEGORY == 'Hotels']
    E[106] = in_order([float(v) for v in ho.groupby('Q')[amt].sum().sort_index().values])
    E[107] = pct_by_hour(Tx[Tx.CHANNEL == 'Online'].groupby('HOUR').STATUS.apply(lambda s: float((s == 'declined').mean())).to_dict())
    E[108] = nth(108, ay.groupby('MERCHANT_CATEGORY').size(), 2)
    nd = all_ids - set(D.CUSTOMER_ID)
    E[109] = scalar_any(len(nd), len(nd & seen_t))
    E[110] = float(P[(P.CARD_TYPE == 'Gold') & (P.CUSTOMER_SEGMENT != 'Declining')].LIFETIME_VALUE.mean())
    ng = w(A[A.CUSTOMER_SEGMENT == 'New & Growing'], *Q1)
    ngd = ng[ng.CATEGORY_GROUP == 'dining']
    E[111] = scalar_any(float(ngd[amt].sum() / (P.CUSTOMER_SEGMENT == 'New & Growing').sum()),
                        float(ngd[amt].sum() / ng.CUSTOMER_ID.nunique()), float(ngd[amt].sum() / ngd.CUSTOMER_ID.nunique()))
    E[112] = P.assign(N=cnt.values)[lambda x: x.N <= 100].groupby('CARD_TYPE').size().to_dict()
    E[113] = scalar_any(*[float(w(A, *win)[amt].sum()) for win in L3])
    E[114] = ranked(114, Pi[Pi.CARD_TYPE != 'Platinum'].SPEND_LAST_90_DAYS, 5)
    E[115] = two_values(float(ay[ay.d.dt.dayofweek == 6][amt].mean()), float(ay[ay.d.dt.dayofweek == 5][amt].mean()))
    E[116] = pct_ok(P.groupby('CARD_TYPE').CREDIT_LIMIT.apply(lambda s: float((s >= 10000).mean())).to_dict())
    E[117] = by_month(a24[a24.EMPLOYMENT_STATUS == 'Unemployed'].groupby('MON')[amt].sum().to_dict())
    E[118] = best(118, w(D, *JUN).groupby('STATE').size())
    E[119] = top(119, ay[ay.CATEGORY_GROUP != 'travel'].groupby('MERCHANT_CATEGORY').CUSTOMER_ID.nunique(), 10)
    E[121] = dict_or_two({g: float(pl[pl.CATEGORY_GROUP == g][amt].sum()) for g in ('travel', 'necessities')})
    months = ay.groupby('CUSTOMER_ID').MON.nunique()
    every = set(months[months == 6].index)
    E[122] = int(len(nonempty(122, every)))
    E[123] = dict_any((am.groupby('CUSTOMER_SEGMENT').size() / seg_n).to_dict(),
                      (am.groupby('CUSTOMER_SEGMENT').size() / am.groupby('CUSTOMER_SEGMENT').CUSTOMER_ID.nunique()).to_dict())
    a70 = set(P[(P.AGE >= 70) & (cnt.values >= 300)].CUSTOMER_ID)
    E[124] = count_or_ids(len(nonempty(124, a70)), a70)
    E[125] = P.groupby('CUSTOMER_SEGMENT').LIFETIME_VALUE.median().to_dict()
    E[126] = by_day(w(A, '2025-06-24', '2025-06-30').groupby('d')[amt].sum().to_dict())
    c1 = w(A, *Q1).groupby('MERCHANT_CATEGORY')[amt].sum()
    c4 = w(A, *Q4_24).groupby('MERCHANT_CATEGORY')[amt].sum()
    rel = (c1 / c4 - 1).dropna()
    EDGES[1127] = ('top', 5, (c1 - c4).dropna().sort_values(ascending=False))
    E[127] = either(keyed_first(top(127, rel, 5)), lambda d: check(0, d, (c1 - c4).dropna().nlargest(5).to_dict()))
    E[128] = P[~up].groupby('EMPLOYMENT_STATUS').size().to_dict()
    E[129] = scalar_any(int((a24.HOUR < 5).sum()), int((a24.HOUR < 6).sum()))
    E[130] = best(130, 1 - w(Tx, *YTD).groupby('CARD_TYPE').STATUS.apply(lambda s: float((s == 'declined').mean())), pct=True)
    E[131] = w(A, '2024-07-01', '2024-09-30').groupby('CHANNEL')[amt].sum().to_dict()
    tr = a24[a24.CATEGORY_GROUP == 'travel'].groupby('CUSTOMER_ID')[amt].sum()
    tr = tr[tr > 5000].index
    E[132] = float(Pi.loc[nonempty(132, sorted(tr))].CREDIT_LIMIT.mean())
    r100 = set(P[ret & (P.LIFETIME_VALUE >= 100000)].CUSTOMER_ID)
    E[133] = count_or_ids(len(nonempty(133, r100)), r100)
    E[134] = top_hours(134, A[A.CARD_TYPE == 'Platinum'].groupby('HOUR')[amt].sum(), 3)
    E[136] = nth(136, a24.groupby('MON')[amt].sum(), 2)
    E[137] = w(A, '2024-03-01', '2024-03-31').groupby('CHANNEL')[amt].mean().to_dict()
    txp = set(P[(P.STATE == 'TX') & (P.CARD_TYPE != 'Standard') & (P.CHURN_PROBABILITY > 0.5)].CUSTOMER_ID)
    E[138] = count_or_ids(len(nonempty(138, txp)), txp)
    d90 = w(D, *D90)
    E[139] = pct_ok(float((d90.CHANNEL == 'Online').mean()))
    E[140] = w(A, *Q1).groupby('CUSTOMER_SEGMENT').MERCHANT_CATEGORY.nunique().to_dict()
    tm = A.merge(P[['CUSTOMER_ID', 'TENURE_MONTHS', 'TENURE_DAYS']], on='CUSTOMER_ID', how='left')
    EDGES[1141] = ('top', 5, tm[tm.TENURE_DAYS < 365].groupby('STATE')[amt].sum().sort_values(ascending=False))
    E[141] = dict_any(top(141, tm[tm.TENURE_MONTHS < 12].groupby('STATE')[amt].sum(), 5),
                      tm[tm.TENURE_DAYS < 365].groupby('STATE')[amt].sum().nlargest(5).to_dict())
    E[142] = pct_in_order([float(v) for v in Tx.groupby('Q').STATUS.apply(lambda s: (s == 'declined').mean()).sort_index().values])
    d24 = a24[a24.CATEGORY_GROUP == 'dining']
    E[143] = pct_ok(float(d24[d24.WE][amt].sum() / d24[amt].sum()))
    on = ay[(ay.CHANNEL == 'Online') & ~ay.IS_RETENTION_TARGET].groupby('CUSTOMER_ID')[amt].sum()
    E[144] = ranked(144, on, 5)
    E[145] = best(145, q2.groupby('CUSTOMER_SEGMENT')[amt].sum(), low=True)
    E[146] = P[P.AGE >= 40].groupby('CARD_TYPE').CREDIT_UTILIZATION_PCT.mean().to_dict()
    E[147] = len(am) / 31
    dr24 = w(Tx, *Y24).groupby('MERCHANT_CATEGORY').STATUS.apply(lambda s: float((s == 'declined').mean()))
    E[148] = names(148, dr24[dr24 >= 0.075].index)
    jc = w(A, *JUN).groupby('CUSTOMER_ID').size()
    E[149] = int(nonempty(149, int((jc > 20).sum())))
    E[151] = by_month(ay[ay.MERCHANT_CATEGORY == 'Rail & Bus'].groupby('MON')[amt].sum().to_dict())
    E[152] = P[~P.EMPLOYMENT_STATUS.isin(['Student', 'Unemployed'])].groupby('EMPLOYMENT_STATUS').LIFETIME_VALUE.mean().to_dict()
    mc = A.groupby('MERCHANT_NAME').size()
    E[153] = int(nonempty(153, int((mc >= 1000).sum())))
    sr = Tx[Tx.CUSTOMER_SEGMENT != 'Declining'].groupby('CUSTOMER_SEGMENT').STATUS.apply(lambda s: float((s == 'declined').mean()))
    t3 = top(154, sr, 3)
    E[154] = either(lambda d: check(0, d, t3), lambda d: check(0, d, {k: v * 100 for k, v in t3.items()}))
    E[155] = float(A[A.d == pd.Timestamp('2025-01-01')][amt].sum())
    big = set(w(A, *JUN)[w(A, *JUN)[amt] > 2000].CUSTOMER_ID)
    E[156] = count_or_ids(len(nonempty(156, big)), big)
    both = P[~up & ~ret]
    nonempty(157, set(both.CUSTOMER_ID))
    E[157] = float(both.AVG_MONTHLY_SPEND.mean())
    E[158] = pct_ok((1 - w(Tx, *Y24).groupby('CHANNEL').STATUS.apply(lambda s: float((s == 'declined').mean()))).to_dict())
    E[159] = am.groupby('CATEGORY_GROUP')[amt].sum().to_dict()
    hvt = set(P[P.CUSTOMER_SEGMENT == 'High-Value Travelers'].CUSTOMER_ID)
    t30 = set(w(A, *JUN)[lambda x: x.MERCHANT_CATEGORY == 'Airlines'].CUSTOMER_ID)
    E[160] = int(len(nonempty(160, hvt - t30)))
    return E


if __name__ == "__main__":
    run(sys.argv, QUESTIONS, expectations, MUST_REFUSE, edges)
