"""The blind check of 2026-12-04: ask tests/data/blind_questions_2026_12_04.txt (160 questions, written afresh the
way analysts at a card issuer type them: terse, abbreviated, now and then misspelt) on a built world and judge
every answer against an independent pandas computation over the gold tables (not a pytest module: it needs the
1,000-customer default world, `c360 run --home HOME --customers 1000`).

    python bench/check_blind_questions_2026_12_04.py HOME    # RIGHT / WRONG / REFUSED per question, tally per half

Lines 15, 30, 45, 60, 75, 90, 105, 120, 135 and 150 must be refused (writes and grants, instructions typed into
the box, an action outside the data, data the model lacks, forecasts); a refusal of any other line is "refused
though answerable", an answer to one of them is wrong. The odd lines are the DEV half; the even lines are the
HELD-OUT half, reported only: nobody tunes the assistant on them.

Every question and every expectation below was written before the assistant was run on any of them. Readings
decided before the run (the data's as-of date is 2025-06-30):

- time windows: "ytd" is 2025-01-01..2025-06-30; "last month" May 2025 and "last quarter" 2025-Q1 (the last
  complete ones); "q1", "q2", "march", "may", "june", "feb 2025" without a year are 2025; "the last 3 months"
  is April..June 2025 (calendar months, as in the earlier sets); "the past 30 days" is 2025-06-01..2025-06-30;
  "the last 90 days" is 2025-04-02..2025-06-30; "q4 2024" is 2024-10-01..2024-12-31;
- spend, "txns", txn counts, tickets and averages of amounts count approved transactions only (the model's
  definition); decline and approval rates count every attempt; "declined amount" sums declined attempts;
- "at-risk" and "high risk" are the High Risk churn category; "flagged for retention" is IS_RETENTION_TARGET;
- customer attributes in a transaction question (state, card, segment, age, employment) are the customer's
  current ones from the profile;
- "signup" / "joined" / "accounts opened" is ACCOUNT_OPEN_DATE; a signup-month cohort is its calendar month;
- "haven't used their card in 180 days" is at least 180 days since the last approved transaction, customers who
  never transacted included; "no txns / no purchase in <window>" is no approved transaction in the window,
  customers without any transaction included; "never transacted online" and "never had a declined txn" are
  over all the data, customers without any transaction included (12 counts them);
- a city is its name (17, 119: the CITY column, whatever the state); "$0 ltv" is LIFETIME_VALUE = 0;
- "spend mix" and "wallet share" are fractions of the group's approved spend (a share of 1 is 100%); "mobile
  share of txns" is by count; "in-store share of spend" is by amount;
- "spend per customer" (38) divides by the customers of the segment who had an approved transaction in 2025;
  "avg txns per active cust in june" divides June's approved transactions by the customers with one; "avg txns
  per day in june" divides by the 30 days of June;
- "utilization" is CREDIT_UTILIZATION_PCT in percent ("over 50% of their limit" is above 50); "spend change"
  is SPEND_CHANGE_PCT (a fraction; "grew" is above 0); "in their 20s/30s" is age 20..29 / 30..39; "over 70" and
  "aged 65+" are > 70 and >= 65; "under 30" is < 30; "between 10k and 20k" includes both ends;
- "mom change in grocery spend in q2" is the relative change of each of April, May and June against the month
  before (March for April), as a fraction or a percentage;
- "the single biggest txn" (50) names the merchant of the largest approved transaction;
- a comparison of two unnamed groups (weekend vs weekday, q1 vs q2, upsell targets vs everyone else, feb 2025
  vs feb 2024) is judged on its two values, whatever the labels;
- a single-figure superlative ("which ... the most") is judged on the group named in the first row and that
  row's last value, so a ranking with the top one first counts as well as a single row;
- a share given as a percentage is accepted where the expectation is a fraction only in the questions that say
  "%" or "pct" (7, 24, 56, 82, 124, 154) and in 132.

Ties at the edge of a top or bottom N, ties inside a ranked list and empty answers were looked for in the data
before the run, and the questions that had one were reworded then.

Corrections after the first run (how an answer is compared, never what is expected): none. Every wrong answer
was looked at: each reads the question otherwise than the readings above (amounts for a spend mix, a decline
rate for a share of declines, a count of customers for a declined amount, a row per customer for an average,
one pooled average for three states, a share of each status that holds Platinum for the Platinum holders'
mix, declined attempts in an average ticket, April's change left empty for want of March) and none of the
expectations was found wrong.

First run (default world, 1,000 customers, 2026-12-03 main 4c7dda1): DEV 50 right, 4 wrong (21, 111, 121,
159), 5 refused correctly, 21 refused though answerable (7, 9, 13, 19, 25, 33, 37, 41, 47, 61, 65, 69, 77, 79,
97, 103, 113, 115, 117, 137, 151); HELD-OUT 50 right, 8 wrong, 5 refused correctly, 17 refused though
answerable.
"""
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from blind_check import answers, check, close, judge, load_frames  # noqa: E402

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "blind_questions_2026_12_04.txt"
MUST_REFUSE = {15, 30, 45, 60, 75, 90, 105, 120, 135, 150}


def top1(e):
    """A one-group superlative {group: value}: the first row names the group and ends with the value."""
    (k, v), = e.items()

    def f(d):
        if not d['rows']:
            return False, 'no rows'
        r = d['rows'][0]
        return (str(k) in [str(c) for c in r] and close(r[-1], v)), f'{r} vs {k} {v}'
    return f


def two_values(a, b):
    """A comparison of two unnamed groups: two rows whose last values are a and b in either order."""
    def f(d):
        rows = d['rows']
        if len(rows) != 2:
            return False, f'{len(rows)} rows vs 2'
        x, y = rows[0][-1], rows[1][-1]
        return ((close(x, a) and close(y, b)) or (close(x, b) and close(y, a))), f'{x}, {y} vs {a}, {b}'
    return f


def pct_ok(e):
    """A scalar or a dict of shares given as fractions or as percentages."""
    def f(d):
        ok, why = check(0, d, e)
        if ok:
            return ok, why
        e100 = {k: v * 100 for k, v in e.items()} if isinstance(e, dict) else e * 100
        ok2, why2 = check(0, d, e100)
        return ok2, f'{why} / as %: {why2}'
    return f


def pairs(e):
    """A count per (a, b) pair, the two key columns in either order."""
    def f(d):
        rows = d['rows']
        if not rows:
            return False, 'no rows'
        got = {}
        for r in rows:
            if len(r) < 3:
                return False, 'fewer than 3 columns'
            got[(str(r[0]), str(r[1]))] = r[-1]
        ee = {(str(a), str(b)): v for (a, b), v in e.items()}
        if set(got) != set(ee):
            ee = {(b, a): v for (a, b), v in ee.items()}
        if set(got) != set(ee):
            return False, f'keys differ {sorted(set(got) ^ set(ee))[:4]}'
        bad = [k for k in ee if not close(got[k], ee[k])]
        return (not bad), f'bad {bad[:4]}'
    return f


def monthly_change(e):
    """{YYYY-MM: relative change}: a row per month (its first cell starting with YYYY-MM), the change last, as a
    fraction or a percentage; rows of other months are ignored only when their change is empty."""
    def f(d):
        got = {}
        for r in d['rows']:
            got[str(r[0])[:7]] = r[-1]
        miss = [k for k in e if k not in got or got[k] is None]
        if miss:
            return False, f'missing {miss}'
        extra = [k for k in got if k not in e and got[k] is not None]
        if extra:
            return False, f'extra months {extra[:3]}'
        ok = all(close(got[k], v) for k, v in e.items()) or all(close(got[k], v * 100) for k, v in e.items())
        return ok, f'{ {k: got[k] for k in e} } vs {e}'
    return f


def first_row_names(name):
    def f(d):
        if not d['rows']:
            return False, 'no rows'
        r = d['rows'][0]
        return (name in [str(c) for c in r]), f'{r} vs {name}'
    return f


def expectations(P, T, M):
    A = T[T.STATUS == 'approved']
    def rng(a, b): return T[(T.d >= a) & (T.d <= b)]
    def ar(a, b): x = rng(a, b); return x[x.STATUS == 'approved']
    def dr(x): return (x.STATUS == 'declined').mean()
    def drs(s): return (s == 'declined').mean()
    def top(s, k): return s.nlargest(k).to_dict()
    def best(s): return {s.idxmax(): s.max()}
    def worst(s): return {s.idxmin(): s.min()}
    def ym(x): return x.d.dt.strftime('%Y-%m')
    def ids(mask): return set(P[mask].CUSTOMER_ID)
    def of(x, mask): return x[x.CUSTOMER_ID.isin(P[mask].CUSTOMER_ID)]
    YTD = ('2025-01-01', '2025-06-30'); LM = ('2025-05-01', '2025-05-31'); LQ = ('2025-01-01', '2025-03-31')
    Q2 = ('2025-04-01', '2025-06-30'); L3M = Q2; P30 = ('2025-06-01', '2025-06-30'); JUN = P30
    L90 = ('2025-04-02', '2025-06-30'); MAR = ('2025-03-01', '2025-03-31'); Y25 = ('2025-01-01', '2025-12-31')
    Y24 = ('2024-01-01', '2024-12-31')
    days = P.DAYS_SINCE_LAST_TRANSACTION.astype('float')
    def inactive(n): return (days >= n) | days.isna()
    od = pd.to_datetime(P.ACCOUNT_OPEN_DATE)
    hr = P.CHURN_RISK_CATEGORY == 'High Risk'
    ret, up = P.IS_RETENTION_TARGET.astype(bool), P.IS_UPSELL_TARGET.astype(bool)
    plat = P.CARD_TYPE == 'Platinum'; gold = P.CARD_TYPE == 'Gold'
    seg = P.CUSTOMER_SEGMENT; hvt = seg == 'High-Value Travelers'
    util = P.CREDIT_UTILIZATION_PCT
    band = pd.cut(P.AGE, [0, 24, 34, 44, 54, 64, 200], labels=['18-24', '25-34', '35-44', '45-54', '55-64', '65+'])
    tb = pd.cut(P.TENURE_MONTHS, [-1, 5, 11, 23, 10**6], labels=['0-5 months', '6-11 months', '1-2 years', '2+ years'])
    o25 = (od >= '2025-01-01') & (od <= '2025-12-31'); o24 = (od >= '2024-01-01') & (od <= '2024-12-31')
    E = {}
    E[1] = int(((P.CARD_TYPE == 'Premium') & (P.STATE == 'TX')).sum())
    E[2] = ar(*YTD).TRANSACTION_AMOUNT.sum()
    E[3] = P[seg == 'Declining'].LIFETIME_VALUE.mean()
    E[4] = ar(*MAR).groupby('CARD_TYPE').size().to_dict()
    x = rng(*LM); E[5] = dr(x[x.CHANNEL == 'Online'])
    E[6] = P.groupby('STATE').CREDIT_LIMIT.mean().nsmallest(5).to_dict()
    E[7] = pct_ok((P[ret].STATE == 'CA').mean())
    x = of(A, plat); E[8] = (x.groupby('CATEGORY_GROUP').TRANSACTION_AMOUNT.sum() / x.TRANSACTION_AMOUNT.sum()).to_dict()
    x = P[o25]; E[9] = x.groupby(od[x.index].dt.strftime('%Y-%m')).CHURN_PROBABILITY.mean().to_dict()
    x = A[A.MERCHANT_CATEGORY.isin(['Airlines', 'Hotels'])]; E[10] = x.groupby('MERCHANT_CATEGORY').TRANSACTION_AMOUNT.mean().to_dict()
    E[11] = top(ar(*L3M).groupby('CARD_TYPE').TRANSACTION_AMOUNT.sum(), 3)
    E[12] = int((~P.CUSTOMER_ID.isin(T[T.STATUS == 'declined'].CUSTOMER_ID)).sum())
    E[13] = P[P.CARD_TYPE.isin(['Gold', 'Standard'])].groupby('CARD_TYPE').CHURN_PROBABILITY.mean().to_dict()
    E[14] = ar(*P30).TRANSACTION_AMOUNT.sum()
    E[16] = P[ret].AGE.median()
    E[17] = top1(best(P[P.STATE == 'CA'].groupby('CITY').LIFETIME_VALUE.sum()))
    E[18] = P.groupby('CARD_TYPE').CREDIT_UTILIZATION_PCT.mean().to_dict()
    x = ar(*Q2); E[19] = x[x.TRANSACTION_AMOUNT > 1000].TRANSACTION_AMOUNT.sum() / x.TRANSACTION_AMOUNT.sum()
    E[20] = top(P[up].STATE.value_counts(), 5)
    E[21] = (T[T.STATUS == 'declined'].CHANNEL == 'Mobile').mean()
    x = ar(*YTD); E[22] = x[x.MERCHANT_CATEGORY == 'Grocery Stores'].TRANSACTION_AMOUNT.sum()
    E[23] = days[hr].mean()
    E[24] = pct_ok(P.CARD_TYPE.isin(['Premium', 'Platinum']).mean())
    x = ar(*Y25); E[25] = x.groupby(ym(x)).CUSTOMER_ID.nunique().to_dict()
    E[26] = ar(*LQ).groupby('CARD_TYPE').TRANSACTION_AMOUNT.sum().to_dict()
    E[27] = top1(worst(P.groupby('CUSTOMER_SEGMENT').LIFETIME_VALUE.mean()))
    E[28] = int((hr & (P.LIFETIME_VALUE > 50000)).sum())
    x = ar(*YTD); x = x[x.CATEGORY_GROUP == 'entertainment']; E[29] = x.groupby(ym(x)).TRANSACTION_AMOUNT.sum().to_dict()
    E[31] = of(A, P.EMPLOYMENT_STATUS == 'Student').TRANSACTION_AMOUNT.mean()
    E[32] = ids(P.STATE.isin(['NJ', 'CT']) & plat)
    E[33] = P.groupby(od.dt.year).size().to_dict()
    E[34] = top(T[T.STATUS == 'declined'].groupby('MERCHANT_NAME').size(), 10)
    E[35] = rng(*Q2).groupby('CATEGORY_GROUP').STATUS.apply(drs).to_dict()
    E[36] = P[(P.EMPLOYMENT_STATUS == 'Retired') & (P.AGE > 70)].CREDIT_LIMIT.mean()
    E[37] = int((~P.CUSTOMER_ID.isin(ar(*LM).CUSTOMER_ID)).sum())
    x = ar(*Y25).groupby('CUSTOMER_SEGMENT'); E[38] = (x.TRANSACTION_AMOUNT.sum() / x.CUSTOMER_ID.nunique()).to_dict()
    x = ar(*LM); w = x.d.dt.weekday >= 5
    E[39] = two_values(x[w].TRANSACTION_AMOUNT.sum(), x[~w].TRANSACTION_AMOUNT.sum())
    E[40] = two_values(ar(*LQ).TRANSACTION_AMOUNT.sum(), ar(*Q2).TRANSACTION_AMOUNT.sum())
    E[41] = int((gold & ret).sum())
    E[42] = P[(P.AGE >= 20) & (P.AGE <= 29)].AVG_MONTHLY_SPEND.mean()
    E[43] = int(((od >= '2025-03-01') & (od <= '2025-03-31')).sum())
    E[44] = top(of(A, seg == 'Declining').groupby('MERCHANT_CATEGORY').TRANSACTION_AMOUNT.sum(), 5)
    E[46] = P[hvt].SPEND_CHANGE_PCT.mean()
    E[47] = ids(P.CARD_TYPE.isin(['Gold', 'Platinum']) & (util > 50))
    x = ar(*YTD); E[48] = x[x.CHANNEL == 'In-Store'].TRANSACTION_AMOUNT.sum() / x.TRANSACTION_AMOUNT.sum()
    E[49] = P.groupby('CARD_TYPE').TOTAL_TRANSACTIONS.mean().to_dict()
    E[50] = first_row_names(A.loc[A.TRANSACTION_AMOUNT.idxmax(), 'MERCHANT_NAME'])
    E[51] = int(((P.EMPLOYMENT_STATUS == 'Unemployed') & hr).sum())
    x = rng(*YTD); E[52] = x[(x.STATUS == 'declined') & (x.MERCHANT_CATEGORY == 'Airlines')].TRANSACTION_AMOUNT.sum()
    E[53] = P.groupby(tb, observed=True).LIFETIME_VALUE.mean().to_dict()
    E[54] = int((inactive(180) & (P.STATE == 'TX')).sum())
    E[55] = list(ar(*LQ).groupby('CUSTOMER_ID').size().sort_values(ascending=False).index[:5])
    E[56] = pct_ok((P[hvt].CARD_TYPE == 'Platinum').mean())
    E[57] = of(A, hr).groupby('CHANNEL').TRANSACTION_AMOUNT.mean().to_dict()
    x = ar(*Y25); E[58] = x.groupby(x.CUSTOMER_ID.map(dict(zip(P.CUSTOMER_ID, band)))).TRANSACTION_AMOUNT.sum().to_dict()
    E[59] = P[P.STATE == 'TX'].CUSTOMER_SEGMENT.value_counts().to_dict()
    E[61] = two_values(P[up].CREDIT_LIMIT.mean(), P[~up].CREDIT_LIMIT.mean())
    x = ar(*L3M); E[62] = x[x.MERCHANT_CATEGORY == 'Bars & Pubs'].TRANSACTION_AMOUNT.sum()
    E[63] = int((P.CREDIT_LIMIT == 10000).sum())
    E[64] = A.groupby('CUSTOMER_SEGMENT').CHANNEL.apply(lambda s: (s == 'Mobile').mean()).to_dict()
    x = P[P.STATE == 'FL']; E[65] = [x.loc[x.TOTAL_TRANSACTIONS.idxmax(), 'CUSTOMER_ID']]
    E[66] = top(P.groupby('STATE').CHURN_RISK_SCORE.mean(), 5)
    x = ar(*Y25); E[67] = int((x.d.dt.weekday == 6).sum())
    E[68] = ids(~P.CUSTOMER_ID.isin(ar(*Y25).CUSTOMER_ID))
    E[69] = ar(*JUN).groupby('CATEGORY_GROUP').TRANSACTION_AMOUNT.mean().to_dict()
    s = A.groupby('CUSTOMER_ID').TRANSACTION_AMOUNT.sum(); E[70] = s.nlargest(10).sum() / s.sum()
    E[71] = ids(ret & P.EMPLOYMENT_STATUS.isin(['Student', 'Unemployed']))
    E[72] = pairs(P[hr].groupby(['CUSTOMER_SEGMENT', 'CARD_TYPE']).size().to_dict())
    E[73] = P[P.EMPLOYMENT_STATUS.isin(['Self-Employed', 'Employed'])].groupby('EMPLOYMENT_STATUS').LIFETIME_VALUE.mean().to_dict()
    E[74] = len(ar(*YTD))
    E[76] = top1(best(A.groupby(A.d.dt.day_name()).size()))
    E[77] = P[~P.CUSTOMER_ID.isin(A[A.CHANNEL == 'Online'].CUSTOMER_ID)].AGE.mean()
    E[78] = ids(o24 & hr)
    E[79] = P[(P.AGE >= 30) & (P.AGE <= 39)].CREDIT_UTILIZATION_PCT.mean()
    x = P[o24]; E[80] = x.groupby(od[x.index].dt.strftime('%Y-%m')).LIFETIME_VALUE.mean().to_dict()
    E[81] = list(P.sort_values('SPEND_CHANGE_PCT', ascending=False, na_position='last').CUSTOMER_ID[:5])
    E[82] = pct_ok(dr(rng(*P30)))
    E[83] = of(ar(*Y25), P.AGE >= 65).TRANSACTION_AMOUNT.sum()
    E[84] = top1(best(P[gold].STATE.value_counts()))
    x = ar(*LM); x = x[x.MERCHANT_CATEGORY.isin(['Coffee Shops', 'Fast Food'])]
    E[85] = x.groupby('MERCHANT_CATEGORY').TRANSACTION_AMOUNT.mean().to_dict()
    E[86] = int(((seg == 'Budget-Conscious') & (P.SPEND_CHANGE_PCT > 0)).sum())
    E[87] = top1(best(rng(*LQ).groupby('CARD_TYPE').STATUS.apply(drs)))
    x = of(rng(*YTD), plat); E[88] = x[x.STATUS == 'declined'].TRANSACTION_AMOUNT.sum()
    E[89] = of(ar(*MAR), seg == 'New & Growing').groupby('CHANNEL').TRANSACTION_AMOUNT.sum().to_dict()
    E[91] = top(P.groupby('CUSTOMER_SEGMENT').CREDIT_UTILIZATION_PCT.mean(), 3)
    E[92] = ar(*Q2).MERCHANT_NAME.nunique()
    E[93] = (P.TRAVEL_SHARE > 0.3).mean()
    E[94] = ids((P.STATE == 'IL') & ~P.CUSTOMER_ID.isin(ar(*P30).CUSTOMER_ID))
    E[95] = P.groupby('CHURN_RISK_CATEGORY').AVG_MONTHLY_SPEND.mean().to_dict()
    x = ar(*Q2); x = x[x.MERCHANT_CATEGORY == 'Online Marketplaces']; E[96] = x.groupby(ym(x)).TRANSACTION_AMOUNT.sum().to_dict()
    E[97] = int(((P.LIFETIME_VALUE < 5000) & plat).sum())
    E[98] = top1(best(P[hvt].EMPLOYMENT_STATUS.value_counts()))
    x = ar(*Y24); E[99] = x[x.CHANNEL == 'Mobile'].TRANSACTION_AMOUNT.mean()
    E[100] = int((P.LIFETIME_VALUE == 0).sum())
    E[101] = ar('2024-10-01', '2024-12-31').TRANSACTION_AMOUNT.sum()
    E[102] = rng(*LQ).groupby('CHANNEL').STATUS.apply(lambda s: (s == 'approved').mean()).to_dict()
    E[103] = int((ret & up).sum())
    E[104] = P.groupby('CARD_TYPE').TENURE_MONTHS.mean().to_dict()
    E[106] = top(P[hr].STATE.value_counts(), 3)
    x = ar(*YTD); E[107] = x[x.CATEGORY_GROUP == 'travel'].groupby('CARD_TYPE').TRANSACTION_AMOUNT.sum().to_dict()
    E[108] = P[util < 10].CHURN_RISK_SCORE.mean()
    E[109] = top1(best(ar(*LM).groupby('CATEGORY_GROUP').size()))
    E[110] = int((od < '2020-01-01').sum())
    E[111] = P[plat].AVG_SPEND_PER_DAY.mean()
    E[112] = top(A[A.MERCHANT_CATEGORY == 'Hotels'].groupby('MERCHANT_NAME').TRANSACTION_AMOUNT.mean(), 5)
    E[113] = inactive(60).groupby(seg).mean().to_dict()
    x = rng(*LM); E[114] = x[x.STATUS == 'declined'].groupby('CARD_TYPE').size().to_dict()
    E[115] = ar(*Y25).TRANSACTION_AMOUNT.median()
    E[116] = int((o25 & up).sum())
    x = A[A.CUSTOMER_ID == 'CUST00000150']; E[117] = x.groupby(ym(x)).size().to_dict()
    E[118] = two_values(ar('2025-02-01', '2025-02-28').TRANSACTION_AMOUNT.sum(),
                        ar('2024-02-01', '2024-02-29').TRANSACTION_AMOUNT.sum())
    E[119] = top(A.groupby(A.CUSTOMER_ID.map(dict(zip(P.CUSTOMER_ID, P.CITY)))).TRANSACTION_AMOUNT.sum(), 5)
    E[121] = int((plat & ~P.CUSTOMER_ID.isin(A[A.CATEGORY_GROUP == 'travel'].CUSTOMER_ID)).sum())
    E[122] = P.groupby(band, observed=True).CREDIT_LIMIT.mean().to_dict()
    x = ar(*LQ); E[123] = x[x.MERCHANT_CATEGORY == 'Streaming Services'].TRANSACTION_AMOUNT.sum()
    x = ar(*YTD); E[124] = pct_ok(of(x, ret).TRANSACTION_AMOUNT.sum() / x.TRANSACTION_AMOUNT.sum())
    E[125] = P[P.CARD_TYPE == 'Premium'].CUSTOMER_SEGMENT.value_counts().to_dict()
    x = rng(*YTD); E[126] = dr(x[x.MERCHANT_CATEGORY == 'Electronics'])
    E[127] = P[P.STATE.isin(['CA', 'TX'])].groupby('STATE').LIFETIME_VALUE.mean().to_dict()
    E[128] = ar(*LM).TRANSACTION_AMOUNT.min()
    E[129] = ids(~P.CUSTOMER_ID.isin(ar(*L90).CUSTOMER_ID) & (P.LIFETIME_VALUE > 20000))
    E[130] = P.groupby('CHURN_RISK_CATEGORY').AGE.mean().to_dict()
    E[131] = of(A, ret).groupby('CARD_TYPE').TRANSACTION_AMOUNT.sum().to_dict()
    x = ar('2025-03-01', '2025-06-30'); x = x[x.MERCHANT_CATEGORY == 'Grocery Stores']
    g = x.groupby(ym(x)).TRANSACTION_AMOUNT.sum(); E[132] = monthly_change(g.pct_change().dropna().to_dict())
    E[133] = P[hr].groupby(tb[hr], observed=True).size().to_dict()
    x = of(A, gold); x = x[x.CHANNEL.isin(['In-Store', 'Online'])]; E[134] = x.groupby('CHANNEL').TRANSACTION_AMOUNT.mean().to_dict()
    E[136] = P[up].LIFETIME_VALUE.sum()
    x = of(A, seg == 'Budget-Conscious'); E[137] = x[x.CATEGORY_GROUP == 'dining'].TRANSACTION_AMOUNT.sum() / x.TRANSACTION_AMOUNT.sum()
    E[138] = P[P.STATE.isin(['CA', 'NY', 'TX'])].groupby('STATE').SPEND_CHANGE_PCT.mean().to_dict()
    s = ar(*JUN).groupby('CUSTOMER_ID').size(); E[139] = set(s[s > 20].index)
    x = ar(*Q2); E[140] = x.groupby(x.d.dt.day_name()).TRANSACTION_AMOUNT.mean().to_dict()
    E[141] = int((gold & (P.AGE < 30)).sum())
    x = rng(*Q2); E[142] = dr(x[x.CARD_TYPE == 'Standard'])
    E[143] = ar(*L90).groupby('CUSTOMER_SEGMENT').TRANSACTION_AMOUNT.sum().to_dict()
    x = ar(*JUN); E[144] = len(x) / x.CUSTOMER_ID.nunique()
    E[145] = top1(worst(ar(*YTD).groupby('STATE').TRANSACTION_AMOUNT.mean()))
    E[146] = P[plat].EMPLOYMENT_STATUS.value_counts(normalize=True).to_dict()
    E[147] = P[~P.CUSTOMER_ID.isin(ar(*P30).CUSTOMER_ID)].LIFETIME_VALUE.mean()
    E[148] = top(T.groupby('MERCHANT_CATEGORY').STATUS.apply(drs), 3)
    E[149] = P[hvt & (P.STATE == 'NY')].CREDIT_LIMIT.mean()
    may = ar(*LM).groupby('CUSTOMER_ID').TRANSACTION_AMOUNT.sum(); jun = ar(*JUN).groupby('CUSTOMER_ID').TRANSACTION_AMOUNT.sum()
    both = pd.concat([may.rename('may'), jun.rename('jun')], axis=1).fillna(0); E[151] = int((both.jun > both.may).sum())
    E[152] = A[A.CATEGORY_GROUP == 'travel'].groupby('CARD_TYPE').TRANSACTION_AMOUNT.mean().to_dict()
    last = A.groupby('CUSTOMER_ID').d.max(); E[153] = set(last[last.dt.year == 2024].index)
    E[154] = pct_ok((util > 30).groupby(P.CARD_TYPE).mean().to_dict())
    E[155] = of(ar(*JUN), hr).groupby('CATEGORY_GROUP').TRANSACTION_AMOUNT.sum().to_dict()
    E[156] = int(((P.LIFETIME_VALUE >= 10000) & (P.LIFETIME_VALUE <= 20000)).sum())
    E[157] = top1(best(of(A, P.EMPLOYMENT_STATUS == 'Student').groupby('CHANNEL').size()))
    E[158] = P[ret].AVG_MONTHLY_SPEND.mean()
    E[159] = len(ar(*JUN)) / 30
    E[160] = P[P.STATE == 'GA'].CREDIT_LIMIT.max()
    return E


if __name__ == "__main__":
    HOME = Path(sys.argv[1])
    OUT = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkstemp(suffix=".jsonl")[1])
    E = expectations(*load_frames(HOME))
    assert len(E) + len(MUST_REFUSE) == 160 and not set(E) & MUST_REFUSE, sorted(set(range(1, 161)) - set(E) - MUST_REFUSE)
    if len(sys.argv) <= 2 or not OUT.exists() or OUT.stat().st_size == 0:
        answers(QUESTIONS, HOME, OUT)
    print(f"answers in {OUT}")
    judge(OUT, E, must_refuse=MUST_REFUSE)
