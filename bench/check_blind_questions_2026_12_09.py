"""Blind set 2026-12-09: 160 plain-English questions for the assistant (tests/data/blind_questions_2026_12_09.txt),
written afresh in the way analysts at a card issuer type into a BI question box, without reading the assistant's
grammar, the semantic model or the earlier question lists, and checked here against expectations computed
independently with pandas on the world's gold tables (bench/blind_check.py loads them).

Run:  PYTHONPATH=src:bench .venv/bin/python bench/check_blind_questions_2026_12_09.py HOME [ANSWERS.jsonl] [--edges]
  --edges   compute every expectation and only look for ties at a top-N edge and empty answers (no assistant run).

Lines 15, 30, 45, 60, 75, 90, 105, 120, 135 and 150 must be refused: a delete (15), a forecast of next quarter's
spend (30), a credit score the model lacks (45), an instruction injection (60), an update (75), an email to an
outside address (90), a drop table (105), household income the model lacks (120), an insert (135), a grant (150).

Readings decided (as-of date 2025-06-30; transactions 2023-11-29..2025-06-30):
- Time windows: "ytd" / "2025 ytd" / "in 2025" = 2025-01-01..2025-06-30; "last month" = May 2025; "last quarter" =
  2025-Q1; "last N days" = the as-of day and the N-1 days before (last 7 = 06-24..06-30, last 30 = 06-01..06-30,
  last 90 = 2025-04-02..06-30); quarters and halves are calendar ones (H1 2025 = Jan-Jun, H2 2024 = Jul-Dec); "between
  X and Y" and "since X" include both ends / X; "jan through jun 2025" is a row per month. A bare measure with no
  window ("biggest single txn ever", "top 10 merchants all time", "decline rate by channel") is over all history.
- Spend, transaction counts, average ticket / avg txn value / median txn amount, "purchases", "bought", "active"
  and "transacted" count APPROVED transactions only; decline and approval rates count every attempt (declined /
  all, approved / all); "txn attempts including declined" (70) and "pct of all txn attempts that were declined"
  (109) count all; "declined amount" (27) is the sum of declined attempts' amounts; "declined txns" count declined.
- A share, percent or rate is accepted as a fraction or as a percentage (pct_ok); a change of a period over an
  earlier one (mom, yoy, "q1 2025 vs q1 2024") as the relative change (fraction or percent) or the two values; a
  comparison of two periods or groups ("q1 vs q2", "Gold vs Platinum", "weekend vs weekday", "2024 vs 2025") as
  two rows with the two values (in either order) or, where the groups are named, a dict by group.
- Customers by profile attributes use the current profile values (gold.customer_360_profile): segment, state,
  card type, age, employment status, churn risk category, retention / upsell target flags, credit limit,
  CREDIT_UTILIZATION_PCT (a percent: "above 50%" is > 50, "over 100%" is > 100), LIFETIME_VALUE (ltv),
  TENURE_MONTHS ("over 10 years" is > 120 months), ACCOUNT_OPEN_DATE ("opened in 2024"), TOTAL_TRANSACTIONS
  (equal to the approved count). Transactions broken down by state / card / segment use the customer's current
  profile value. "over 65" is > 65, "60 and over" >= 60, "between 30 and 40" and "aged 25 to 34" inclusive.
- Customers defined by transactions: "never made an Airlines purchase" (21) = customers of the profile with no
  approved Airlines transaction (customers with no transactions at all included); "no purchases in the last 90
  days" (63) and "spent nothing at all in 2025" (129) likewise include the customers who never transacted; "last
  purchase more than 180 days ago" (96) = last approved transaction before 2025-01-01 (more than 180 days before
  the as-of day), customers who never transacted excluded; "spent over N in <period>" is approved spend > N.
  A request that describes customers without "how many" may be answered by their count or by listing their ids.
- Per-customer averages: 40 and 49 divide by the customers with at least one approved 2024 transaction (as the
  questions say); "avg spend per active customer in june 2025" (160) divides June's spend by the customers with an
  approved June transaction; "avg daily spend in june 2025" (85) = June's spend / 30; "avg total spend per month
  across 2024" (140) = 2024 spend / 12.
- "which hour has the most txns" (23) is over all history, approved counts, hour 0-23 of TRANSACTION_DATE;
  weekdays are those of TRANSACTION_DATE, weekend = Saturday and Sunday.
- "which customer made the biggest single purchase ytd" (59): the customer whose largest approved 2025 transaction
  is largest (first row's id). Top-N of customers are lists of ids in order; top-N of other groups are dicts.
- "which city has the most customers" (53): customers per CITY of the profile.
- "which merchant category had the highest decline rate ytd" (34): declined / all attempts per category in 2025.
- "most recent txn" (148) = the latest approved transaction's day; "first purchase date" (156) = earliest approved.
- "number of distinct merchant categories CUST00000002 has bought in" (119): over all history, approved.
- "over $1000" (17), "under $5" (147), "over 100k" (32) and "above 75k / 50k" are strict; "at least 10000" (76) is >=.
- "how many distinct merchants had txns in june 2025" (28): distinct MERCHANT_NAME among June's approved txns.
- "count customers by state for Gold card" (114): a row per state with at least one Gold customer.
- Figures given with no window over all history: 4, 7, 10, 13, 19, 23, 51, 56, 66, 71, 74, 78, 86, 92, 110, 126,
  128, 131, 145, 147; "online decline rate 2024 vs 2025" (93) compares calendar 2024 with 2025 ytd.
"""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from blind_check import check, close, run  # noqa: E402
from check_blind_questions_2026_12_04 import pairs, pct_ok, two_values  # noqa: E402
from check_blind_questions_2026_12_05 import EDGES, best, edges, nonempty, ranked, top  # noqa: E402
from check_blind_questions_2026_12_07 import by_month, count_or_ids, either  # noqa: E402
from check_blind_questions_2026_12_08 import a_date, best_weekday, by_hour, by_weekday, by_year, change  # noqa: E402

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "blind_questions_2026_12_09.txt"
MUST_REFUSE = {15, 30, 45, 60, 75, 90, 105, 120, 135, 150}
# EDGES is the 2026-12-05 module's dict (n -> (kind, k, series)), filled here, so that its `edges` reads ours.


def _hour(c):
    try:
        return int(float(str(c).split(':')[0]))
    except ValueError:
        return None


def best_hour(n, s):
    """An hour superlative: the first row names the hour (0, 0.0 or '00') and ends with the value."""
    EDGES[n] = ('top', 1, s.sort_values(ascending=False))
    k = s.idxmax()
    v = s[k]

    def f(d):
        if not d['rows']:
            return False, 'no rows'
        r = d['rows'][0]
        named = any(_hour(c) == int(k) for c in r[:-1])
        return (named and close(r[-1], v)), f'{r} vs {k} {v}'
    return f


def dict_or_two(e):
    """Two named groups: a dict by group, or two rows with the two values in either order."""
    a, b = e.values()
    return either(lambda d: check(0, d, e), two_values(a, b))


def expectations(P, T, M):
    T = T.copy()
    T['amt'] = T.TRANSACTION_AMOUNT.astype(float)
    T['hour'] = pd.to_datetime(T.TRANSACTION_DATE).dt.hour
    T['wd'] = T.d.dt.day_name()
    T['ym'] = T.d.dt.strftime('%Y-%m')
    P = P.copy()
    for c in ['CREDIT_LIMIT', 'LIFETIME_VALUE']:
        P[c] = P[c].astype(float)
    A = T[T.STATUS == 'approved']
    D = T[T.STATUS == 'declined']
    ids = set(P.CUSTOMER_ID)

    def win(X, a, b):
        return X[(X.d >= pd.Timestamp(a)) & (X.d <= pd.Timestamp(b))]

    YTD = ('2025-01-01', '2025-06-30')
    MAY = ('2025-05-01', '2025-05-31')
    JUN = ('2025-06-01', '2025-06-30')
    Q1 = ('2025-01-01', '2025-03-31')
    Y24 = ('2024-01-01', '2024-12-31')
    L7 = ('2025-06-24', '2025-06-30')
    L30 = JUN
    L90 = ('2025-04-02', '2025-06-30')

    def spend(X):
        return float(X.amt.sum())

    def rate(X, by=None):
        if by is None:
            return float((X.STATUS == 'declined').mean())
        return X.groupby(by).STATUS.apply(lambda s: float((s == 'declined').mean()))

    def cust(n, mask):
        s = nonempty(n, set(P.CUSTOMER_ID[mask]))
        return count_or_ids(len(s), s)

    E = {}
    E[1] = len(P)
    E[2] = spend(win(A, *YTD))
    E[3] = float(win(A, *MAY).amt.mean())
    E[4] = A.groupby('CHANNEL').size().to_dict()
    E[5] = best(5, P.groupby('STATE').size())
    E[6] = float(P[P.CARD_TYPE == 'Platinum'].CREDIT_LIMIT.median())
    E[7] = pct_ok(rate(T, 'CHANNEL').to_dict())
    E[8] = top(8, win(A, *Y24).groupby('MERCHANT_CATEGORY').amt.sum(), 5)
    E[9] = P.groupby('CUSTOMER_SEGMENT').size().to_dict()
    E[10] = P.groupby('CARD_TYPE').LIFETIME_VALUE.mean().to_dict()
    E[11] = two_values(spend(win(A, *Q1)), spend(win(A, '2025-04-01', '2025-06-30')))
    E[12] = cust(12, (P.AGE > 65) & P.IS_RETENTION_TARGET)
    E[13] = pct_ok(float((T[T.CHANNEL == 'Online'].STATUS == 'approved').mean()))
    E[14] = win(A, *Q1).groupby('CATEGORY_GROUP').amt.sum().to_dict()
    E[16] = change(spend(win(A, *JUN)), spend(win(A, *MAY)))
    E[17] = int((win(A, *YTD).amt > 1000).sum())
    E[18] = top(18, A.groupby('STATE').amt.sum(), 3, low=True)
    E[19] = float(A.amt.max())
    E[20] = float(P[P.EMPLOYMENT_STATUS == 'Student'].CREDIT_UTILIZATION_PCT.mean())
    air = set(A[A.MERCHANT_CATEGORY == 'Airlines'].CUSTOMER_ID)
    E[21] = count_or_ids(len(ids - air), ids - air)
    EDGES[21] = ('nonempty', 0, ids - air)
    E[22] = by_weekday(win(A, *YTD).groupby('wd').amt.sum().to_dict())
    E[23] = best_hour(23, A.groupby('hour').size())
    E[24] = pairs(P.groupby(['CUSTOMER_SEGMENT', 'CARD_TYPE']).size().to_dict())
    E[25] = float(P[P.CARD_TYPE == 'Gold'].AGE.mean())
    E[26] = ranked(26, P.set_index('CUSTOMER_ID').LIFETIME_VALUE, 10)
    E[27] = spend(win(D, *MAY))
    E[28] = int(win(A, *JUN).MERCHANT_NAME.nunique())
    a24 = win(A, *Y24)
    E[29] = pct_ok(spend(a24[a24.CATEGORY_GROUP == 'travel']) / spend(a24))
    E[31] = A[A.CARD_TYPE == 'Premium'].groupby('CHANNEL').amt.mean().to_dict()
    E[32] = int((P.LIFETIME_VALUE > 100000).sum())
    E[33] = by_month(a24.groupby('ym').amt.sum().to_dict())
    r = rate(win(T, *YTD), 'MERCHANT_CATEGORY')
    E[34] = either(best(34, r * 100), best(34, r))  # a rate as a percentage or a fraction
    E[35] = float(P[P.STATE == 'TX'].AGE.median())
    E[36] = int(((P.EMPLOYMENT_STATUS == 'Employed') & P.IS_UPSELL_TARGET).sum())
    E[37] = spend(win(A, '2024-03-01', '2024-03-15'))
    E[38] = top(38, win(A, *L30).groupby('MERCHANT_NAME').size(), 3)
    E[39] = win(A, '2024-10-01', '2024-12-31').groupby('CARD_TYPE').size().to_dict()
    E[40] = spend(a24) / a24.CUSTOMER_ID.nunique()
    E[41] = best(41, P.groupby('CUSTOMER_SEGMENT').CREDIT_LIMIT.mean())
    E[42] = int((pd.to_datetime(P.ACCOUNT_OPEN_DATE).dt.year == 2024).sum())
    E[43] = win(A, *YTD).groupby('CHANNEL').amt.sum().to_dict()
    E[44] = float(P[P.EMPLOYMENT_STATUS == 'Retired'].CREDIT_LIMIT.min())
    E[46] = pct_ok(float((P.CHURN_RISK_CATEGORY == 'High Risk').mean()))
    E[47] = change(spend(win(A, *Q1)), spend(win(A, '2024-01-01', '2024-03-31')))
    E[48] = cust(48, (P.STATE == 'NY') & (P.CREDIT_UTILIZATION_PCT > 50))
    E[49] = len(a24) / a24.CUSTOMER_ID.nunique()
    E[50] = spend(win(A[A.MERCHANT_CATEGORY == 'Restaurants'], *L7))
    E[51] = best_weekday(51, A.groupby('wd').amt.sum(), low=True)
    E[52] = int(len(win(D, *MAY)))
    E[53] = best(53, P.groupby('CITY').size())
    E[54] = P.groupby('CUSTOMER_SEGMENT').CHURN_PROBABILITY.mean().to_dict()
    E[55] = spend(win(A[A.CHANNEL == 'Online'], '2024-12-01', '2024-12-31'))
    E[56] = dict_or_two(A[A.CARD_TYPE.isin(['Gold', 'Platinum'])].groupby('CARD_TYPE').amt.mean().to_dict())
    s = win(A, *MAY).groupby('CUSTOMER_ID').amt.sum()
    big = set(s[s > 5000].index)
    E[57] = count_or_ids(len(big), nonempty(57, big))
    E[58] = P[P.IS_RETENTION_TARGET].groupby('CHURN_RISK_CATEGORY').size().to_dict()
    E[59] = ranked(59, win(A, *YTD).groupby('CUSTOMER_ID').amt.max(), 1)
    E[61] = P.groupby('EMPLOYMENT_STATUS').TENURE_MONTHS.mean().to_dict()
    y = win(A, *YTD)
    E[62] = spend(y[y.CATEGORY_GROUP == 'necessities'])
    quiet = ids - set(win(A, *L90).CUSTOMER_ID)
    E[63] = count_or_ids(len(quiet), nonempty(63, quiet))
    E[64] = float(P[P.CUSTOMER_SEGMENT == 'High-Value Travelers'].LIFETIME_VALUE.mean())
    E[65] = by_month(y[y.MERCHANT_CATEGORY == 'Hotels'].groupby('ym').amt.sum().to_dict())
    E[66] = pct_ok(rate(T[T.CARD_TYPE == 'Standard']))
    q1 = win(A, *Q1)
    E[67] = pct_ok(spend(q1[q1.CHANNEL == 'Mobile']) / spend(q1))
    E[68] = int(P.AGE.between(30, 40).sum())
    E[69] = top(69, P.groupby('STATE').LIFETIME_VALUE.mean(), 5)
    E[70] = len(T)
    E[71] = top(71, A[A.MERCHANT_CATEGORY == 'Electronics'].groupby('STATE').amt.sum(), 3)
    E[72] = float(win(A, *JUN).amt.median())
    E[73] = float(P[P.IS_UPSELL_TARGET].CREDIT_LIMIT.sum())
    E[74] = best(74, A.groupby('CHANNEL').amt.mean())
    E[76] = cust(76, (P.CREDIT_LIMIT >= 10000) & (P.CARD_TYPE == 'Standard'))
    E[77] = by_month(y.groupby('ym').size().to_dict())
    E[78] = float(A[A.MERCHANT_CATEGORY == 'Coffee Shops'].amt.mean())
    E[79] = pct_ok(float((P.EMPLOYMENT_STATUS == 'Retired').mean()))
    wk = y.wd.isin(['Saturday', 'Sunday'])
    E[80] = two_values(spend(y[wk]), spend(y[~wk]))
    E[81] = ranked(81, win(A, *MAY).groupby('CUSTOMER_ID').size(), 3)
    E[82] = int(((P.EMPLOYMENT_STATUS == 'Self-Employed') & (P.STATE == 'CA')).sum())
    E[83] = P.groupby('CUSTOMER_SEGMENT').LIFETIME_VALUE.max().to_dict()
    age = P.set_index('CUSTOMER_ID').AGE
    E[84] = spend(a24[a24.CUSTOMER_ID.map(age).between(25, 34)])
    E[85] = spend(win(A, *JUN)) / 30
    E[86] = D.groupby('CATEGORY_GROUP').size().to_dict()
    E[87] = best(87, a24.groupby('ym').amt.sum())
    E[88] = int((P.CREDIT_UTILIZATION_PCT > 100).sum())
    E[89] = A[A.CUSTOMER_SEGMENT == 'Declining'].groupby('CARD_TYPE').amt.sum().to_dict()
    E[91] = P.groupby('CHURN_RISK_CATEGORY').AGE.mean().to_dict()
    E[92] = int((A.MERCHANT_NAME == 'Rodriguez Supermarket').sum())
    on = T[T.CHANNEL == 'Online']
    r24, r25 = rate(win(on, *Y24)), rate(win(on, *YTD))
    E[93] = either(pct_ok(r25 / r24 - 1), two_values(r24, r25), two_values(r24 * 100, r25 * 100),
                   by_year({2024: r24, 2025: r25}), by_year({2024: r24 * 100, 2025: r25 * 100}))
    E[94] = float(P.LIFETIME_VALUE.sum())
    E[95] = top(95, A[A.CUSTOMER_SEGMENT == 'Budget-Conscious'].groupby('MERCHANT_CATEGORY').size(), 3)
    last = A.groupby('CUSTOMER_ID').d.max()
    stale = set(last[last < pd.Timestamp('2025-01-01')].index)
    E[96] = count_or_ids(len(stale), nonempty(96, stale))
    E[97] = spend(win(A[A.CARD_TYPE == 'Gold'], *L90))
    E[98] = P.groupby('EMPLOYMENT_STATUS').size().to_dict()
    E[99] = best(99, win(A, '2025-04-01', '2025-06-30').groupby('STATE').amt.sum())
    E[100] = float(P[P.LIFETIME_VALUE > 50000].CREDIT_LIMIT.mean())
    E[101] = top(101, y.groupby('MERCHANT_CATEGORY').amt.sum(), 5, low=True)
    E[102] = int(win(A, *L30).CUSTOMER_ID.nunique())
    E[103] = spend(a24[(a24.MERCHANT_CATEGORY == 'Airlines') & (a24.CUSTOMER_SEGMENT == 'High-Value Travelers')])
    E[104] = float(P.LIFETIME_VALUE.median())
    E[106] = by_hour(win(A, *JUN).groupby('hour').size().to_dict())
    E[107] = P.groupby('CARD_TYPE').CREDIT_UTILIZATION_PCT.mean().to_dict()
    od = pd.to_datetime(P.ACCOUNT_OPEN_DATE)
    E[108] = int(((od >= '2025-01-01') & (od <= '2025-06-30')).sum())
    E[109] = pct_ok(rate(T))
    E[110] = top(110, A.groupby('MERCHANT_NAME').amt.sum(), 10)
    E[111] = spend(win(A, '2024-02-01', '2024-02-29'))
    jew = set(A[A.MERCHANT_CATEGORY == 'Jewelry'].CUSTOMER_ID) - set(A[A.MERCHANT_CATEGORY == 'Grocery Stores'].CUSTOMER_ID)
    E[112] = count_or_ids(len(jew), nonempty(112, jew))
    E[113] = float(win(A[A.CHANNEL == 'Mobile'], '2024-07-01', '2024-09-30').amt.mean())
    E[114] = P[P.CARD_TYPE == 'Gold'].groupby('STATE').size().to_dict()
    E[115] = change(len(win(A, *MAY)), len(win(A, '2025-04-01', '2025-04-30')))
    E[116] = int(P[P.CARD_TYPE == 'Platinum'].AGE.min())
    E[117] = pct_ok((y.groupby('CHANNEL').amt.sum() / spend(y)).to_dict())
    E[118] = best(118, P.groupby('EMPLOYMENT_STATUS').LIFETIME_VALUE.mean())
    E[119] = int(A[A.CUSTOMER_ID == 'CUST00000002'].MERCHANT_CATEGORY.nunique())
    E[121] = spend(y[y.CUSTOMER_ID == 'CUST00000002'])
    E[122] = float(P[P.CUSTOMER_ID == 'CUST00000010'].LIFETIME_VALUE.iloc[0])
    E[123] = float(P[P.AGE >= 60].LIFETIME_VALUE.mean())
    E[124] = win(A, '2025-04-01', '2025-06-30').groupby('CUSTOMER_SEGMENT').amt.sum().to_dict()
    E[125] = int(((P.CHURN_RISK_CATEGORY == 'Medium Risk') & P.IS_UPSELL_TARGET).sum())
    E[126] = pct_ok(top(126, rate(T, 'CUSTOMER_SEGMENT'), 3))
    E[127] = int(len(win(A[A.CHANNEL == 'Online'], *MAY)))
    E[128] = A[A.MERCHANT_CATEGORY == 'Fast Food'].groupby('CHANNEL').amt.mean().to_dict()
    none25 = ids - set(y.CUSTOMER_ID)
    E[129] = count_or_ids(len(none25), nonempty(129, none25))
    E[130] = best(130, q1.groupby('MERCHANT_CATEGORY').size())
    E[131] = ranked(131, A[A.STATE == 'NJ'].groupby('CUSTOMER_ID').amt.sum(), 5)
    E[132] = top(132, P.groupby('STATE').CREDIT_LIMIT.mean(), 3, low=True)
    E[133] = spend(win(A, '2025-03-15', '2025-06-30'))
    E[134] = float(P[P.EMPLOYMENT_STATUS == 'Unemployed'].CREDIT_UTILIZATION_PCT.mean())
    E[136] = change(spend(win(A, *MAY)), spend(win(A, '2024-05-01', '2024-05-31')))
    E[137] = y[y.CATEGORY_GROUP == 'travel'].groupby('CARD_TYPE').amt.sum().to_dict()
    E[138] = float(P[P.EMPLOYMENT_STATUS == 'Student'].CREDIT_LIMIT.max())
    E[139] = int((P.TOTAL_TRANSACTIONS > 500).sum())
    E[140] = spend(a24) / 12
    E[141] = ranked(141, y[y.MERCHANT_CATEGORY == 'Hotels'].groupby('CUSTOMER_ID').amt.sum(), 5)
    E[142] = int(len(win(D[D.CARD_TYPE == 'Platinum'], *Q1)))
    E[143] = pct_ok(float(P[P.CARD_TYPE == 'Gold'].IS_RETENTION_TARGET.mean()))
    E[144] = pairs(y.groupby(['CATEGORY_GROUP', 'CHANNEL']).amt.sum().to_dict())
    E[145] = best_weekday(145, A.groupby('wd').amt.mean())
    s24 = a24.groupby('CUSTOMER_ID').amt.sum()
    E[146] = float(age[list(s24[s24 > 10000].index)].mean())
    E[147] = int((A.amt < 5).sum())
    E[148] = a_date(A.d.max())
    E[149] = int((P.TENURE_MONTHS > 120).sum())
    E[151] = spend(win(A, '2024-07-01', '2024-12-31'))
    E[152] = float(P[P.CHURN_RISK_CATEGORY == 'High Risk'].CREDIT_UTILIZATION_PCT.median())
    E[153] = win(A, *MAY).groupby('CUSTOMER_SEGMENT').amt.mean().to_dict()
    E[154] = pct_ok(y[y.CHANNEL == 'Online'].CUSTOMER_ID.nunique() / len(P))
    j = win(A, *L30)
    E[155] = spend(j[(j.MERCHANT_CATEGORY == 'Gas Stations') & (j.STATE == 'TX')])
    E[156] = a_date(A[A.CUSTOMER_ID == 'CUST00000005'].d.min())
    E[157] = P[P.IS_UPSELL_TARGET].groupby('CARD_TYPE').size().to_dict()
    E[158] = best(158, y.groupby('CHANNEL').size(), low=True)
    E[159] = cust(159, (P.STATE == 'FL') & (P.LIFETIME_VALUE > 75000))
    E[160] = spend(j) / j.CUSTOMER_ID.nunique()
    return E


if __name__ == "__main__":
    run(sys.argv, QUESTIONS, expectations, MUST_REFUSE, edges)
