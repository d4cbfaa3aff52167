"""The blind check of 2026-12-03: ask tests/data/blind_questions_2026_12_03.txt (160 questions, written afresh the
way analysts at a card issuer type them) on a built world and judge every answer against an independent pandas
computation over the gold tables (not a pytest module: it needs the 1,000-customer default world,
`c360 run --home HOME --customers 1000`).

    python bench/check_blind_questions_2026_12_03.py HOME    # RIGHT / WRONG / REFUSED per question, tally per half

Lines 15, 30, 45, 60, 75, 90, 105, 120, 135 and 150 must be refused (writes, instructions typed into the box, data
the model lacks, a forecast); a refusal of any other line is "refused though answerable", an answer to one of
them is wrong. The odd lines are the DEV half; the even lines are the HELD-OUT half, reported only: nobody tunes
the assistant on them.

Every question and every expectation below was written before the assistant was run on any of them. Readings
decided before the run (the data's as-of date is 2025-06-30): "last quarter" is 2025-Q1 and "last month" May
2025 (the last complete ones); "Q1", "Q2", "june", "may" without a year are 2025; "last year" is 2024; "the last
90 days" is 2025-04-02..2025-06-30; "the last 6 months" of account openings is January..June 2025 (calendar
months, as "the last 3 months" is April..June in the 2026-12-02 set); spend, "txns" and averages of amounts
count approved transactions only (the model's definition), decline and approval rates count every attempt;
"inactive" / "haven't transacted in N days" is at least N (60 for "inactive") days since the last approved
transaction, customers who never transacted included; "more than 30 days since last transaction" is the number
itself (customers without one left out); weekends are Saturday and Sunday; a top N with ties at its edge is
broken by name ascending (153).

Corrections after the first run (how an answer is compared, never what is expected): one. 89 ("which segment
spends the most on dining") is judged on the first row of an answer ranked highest first (the engine lists every
segment by dining spend, the top one first) rather than requiring a single row; the segment and its amount
expected are unchanged.

First run (default world, 1,000 customers, 2026-12-02 main a18b40d): DEV 72 right, 0 wrong, 5 refused
correctly, 3 refused though answerable (97, 131, 145); HELD-OUT 67 right, 1 wrong (24), 5 refused correctly, 7
refused though answerable (26, 62, 80, 118, 130, 136, 140).
"""
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from blind_check import answers, close, judge, load_frames  # noqa: E402

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "blind_questions_2026_12_03.txt"
MUST_REFUSE = {15, 30, 45, 60, 75, 90, 105, 120, 135, 150}


def first_row_is(d, e):
    """A one-group superlative {group: value} against the first row of the answer (a ranking, highest first)."""
    (k, v), = e.items()
    if not d['rows']:
        return False, 'no rows'
    r = d['rows'][0]
    return (str(r[0]) == str(k) and close(r[-1], v)), f'{r} vs {k} {v}'


def expectations(P, T, M):
    A = T[T.STATUS == 'approved']
    def rng(a, b): return T[(T.d >= a) & (T.d <= b)]
    def ar(a, b): x = rng(a, b); return x[x.STATUS == 'approved']
    def dr(x): return (x.STATUS == 'declined').mean()
    def top(s, k): return s.nlargest(k).to_dict()
    def best(s): return {s.idxmax(): s.max()}
    def worst(s): return {s.idxmin(): s.min()}
    LQ = ('2025-01-01', '2025-03-31'); LM = ('2025-05-01', '2025-05-31'); L90 = ('2025-04-02', '2025-06-30')
    Q2 = ('2025-04-01', '2025-06-30'); Y25 = ('2025-01-01', '2025-12-31'); Y24 = ('2024-01-01', '2024-12-31')
    JUN = ('2025-06-01', '2025-06-30')
    days = P.DAYS_SINCE_LAST_TRANSACTION.astype('float')
    def inactive(n): return (days >= n) | days.isna()
    od = pd.to_datetime(P.ACCOUNT_OPEN_DATE)
    wk = A[A.d.dt.weekday >= 5]
    plat = P[P.CARD_TYPE == 'Platinum']
    hr = P.CHURN_RISK_CATEGORY == 'High Risk'
    E = {}
    E[1] = (P.CARD_TYPE == 'Platinum').sum()
    E[2] = P[P.CARD_TYPE == 'Gold'].CREDIT_LIMIT.mean()
    E[3] = ar('2025-04-01', '2025-04-30').TRANSACTION_AMOUNT.sum()
    E[4] = len(ar(*LQ))
    E[5] = dr(rng(*LQ))
    E[6] = top(P.STATE.value_counts(), 5)
    E[7] = P.groupby('CARD_TYPE').LIFETIME_VALUE.mean().to_dict()
    E[8] = hr.mean()
    E[9] = int((P.IS_UPSELL_TARGET & (P.STATE == 'FL')).sum())
    E[10] = ar(*LM).groupby('CHANNEL').TRANSACTION_AMOUNT.sum().to_dict()
    E[11] = best(P.groupby('CARD_TYPE').LIFETIME_VALUE.mean())
    E[12] = set(P[(P.STATE == 'OH') & (P.CARD_TYPE == 'Gold')].CUSTOMER_ID)
    E[13] = P.groupby('CUSTOMER_SEGMENT').AGE.mean().to_dict()
    E[14] = int(((P.EMPLOYMENT_STATUS == 'Student') & (P.CARD_TYPE == 'Platinum')).sum())
    E[16] = A[A.CHANNEL.isin(['Online', 'Mobile'])].groupby('CHANNEL').TRANSACTION_AMOUNT.mean().to_dict()
    E[17] = wk.TRANSACTION_AMOUNT.sum()
    x = ar(*Y25); E[18] = x.groupby(x.d.dt.day_name()).TRANSACTION_AMOUNT.sum().to_dict()
    E[19] = ar(*LM).groupby('CHANNEL').size().to_dict()
    E[20] = top(A.groupby('MERCHANT_NAME').TRANSACTION_AMOUNT.sum(), 10)
    E[21] = P[P.CUSTOMER_SEGMENT == 'High-Value Travelers'].LIFETIME_VALUE.median()
    E[22] = plat.IS_RETENTION_TARGET.mean()
    E[23] = P.groupby('CHURN_RISK_CATEGORY').CREDIT_UTILIZATION_PCT.mean().to_dict()
    E[24] = int(inactive(60).sum())
    E[25] = ar(*L90).TRANSACTION_AMOUNT.sum()
    x = ar(*Y25); E[26] = x[x.CARD_TYPE == 'Premium'].TRANSACTION_AMOUNT.mean()
    band = pd.cut(P.AGE, [0, 24, 34, 44, 54, 64, 200], labels=['18-24', '25-34', '35-44', '45-54', '55-64', '65+'])
    E[27] = P.groupby(band, observed=True).size().to_dict()
    x = ar(*Y25); x = x[x.MERCHANT_CATEGORY == 'Hotels']; E[28] = x.groupby(x.d.dt.strftime('%Y-%m')).size().to_dict()
    E[29] = (T[T.CHANNEL == 'Mobile'].STATUS == 'approved').mean()
    x = T[T.STATUS == 'declined']; E[31] = x.groupby('CHANNEL').TRANSACTION_AMOUNT.sum().to_dict()
    E[32] = set(P[P.CREDIT_LIMIT > 40000].CUSTOMER_ID)
    E[33] = top(P.groupby('CUSTOMER_SEGMENT').LIFETIME_VALUE.sum(), 3)
    E[34] = days[inactive(60)].mean()  # the never-transacted have no number of days and drop out of the mean
    E[35] = int(((od >= '2023-01-01') & (od <= '2023-12-31')).sum())
    x = ar(*LM); E[36] = x[x.CUSTOMER_SEGMENT == 'New & Growing'].TRANSACTION_AMOUNT.sum()
    E[37] = worst(P.groupby('CUSTOMER_SEGMENT').CHURN_PROBABILITY.mean())
    E[38] = int((rng(*JUN).STATUS == 'declined').sum())
    E[39] = P.groupby('CARD_TYPE').AVG_MONTHLY_SPEND.mean().to_dict()
    x = ar(*Q2); E[40] = x[x.MERCHANT_CATEGORY.isin(['Restaurants', 'Fast Food'])].groupby('MERCHANT_CATEGORY').TRANSACTION_AMOUNT.sum().to_dict()
    E[41] = P[hr].EMPLOYMENT_STATUS.value_counts().to_dict()
    E[42] = list(P.sort_values('SPEND_LAST_90_DAYS', ascending=False).CUSTOMER_ID[:10])
    E[43] = P[P.STATE == 'NJ'].CREDIT_LIMIT.mean()
    x = ar(*Y25); E[44] = (x.CHANNEL == 'Online').mean()
    E[46] = A[A.CATEGORY_GROUP == 'travel'].groupby('CUSTOMER_SEGMENT').TRANSACTION_AMOUNT.sum().to_dict()
    E[47] = set(P[(P.CARD_TYPE == 'Gold') & hr].CUSTOMER_ID)
    E[48] = int((P.CREDIT_UTILIZATION_PCT > 50).sum())
    E[49] = P[P.EMPLOYMENT_STATUS == 'Retired'].LIFETIME_VALUE.mean()
    E[50] = ar(*LQ).groupby('CATEGORY_GROUP').TRANSACTION_AMOUNT.sum().to_dict()
    E[51] = ar(*Y25).TRANSACTION_AMOUNT.max()
    E[52] = plat.STATE.value_counts().to_dict()
    E[53] = A[A.MERCHANT_CATEGORY == 'Coffee Shops'].TRANSACTION_AMOUNT.mean()
    E[54] = best(T.groupby('CHANNEL').STATUS.apply(dr_s := (lambda s: (s == 'declined').mean())))
    E[55] = P[P.STATE == 'CA'].LIFETIME_VALUE.sum()
    E[56] = set(P[inactive(120)].CUSTOMER_ID)
    x = P[(od >= '2024-01-01') & (od <= '2024-12-31')]; E[57] = x.groupby(od[x.index].dt.strftime('%Y-%m')).size().to_dict()
    E[58] = P[P.CARD_TYPE.isin(['Premium', 'Platinum'])].CHURN_RISK_SCORE.mean()
    x = ar(*Y25); x = x[x.CHANNEL == 'Mobile']; E[59] = x.groupby(x.d.dt.strftime('%Y-%m')).TRANSACTION_AMOUNT.sum().to_dict()
    E[61] = top(ar(*LQ).groupby('MERCHANT_CATEGORY').size(), 5)
    E[62] = A[A.CUSTOMER_SEGMENT == 'High-Value Travelers'].TRANSACTION_AMOUNT.sum() / A.TRANSACTION_AMOUNT.sum()
    E[63] = P[P.IS_UPSELL_TARGET].AGE.mean()
    E[64] = int((P.LIFETIME_VALUE > 100000).sum())
    x = ar(*LQ); E[65] = x[x.MERCHANT_CATEGORY == 'Airlines'].TRANSACTION_AMOUNT.sum()
    E[66] = T[T.CARD_TYPE.isin(['Platinum', 'Standard'])].groupby('CARD_TYPE').STATUS.apply(dr_s).to_dict()
    E[67] = P[hr].TENURE_MONTHS.mean()
    E[68] = set(P[inactive(60) & (P.STATE == 'TX')].CUSTOMER_ID)
    E[69] = A.groupby(A.d.dt.year.astype(str) + '-Q' + A.d.dt.quarter.astype(str)).TRANSACTION_AMOUNT.sum().to_dict()
    E[70] = (P.EMPLOYMENT_STATUS == 'Student').mean()
    E[71] = P.groupby('CUSTOMER_SEGMENT').SPEND_LAST_90_DAYS.mean().to_dict()
    E[72] = top(P.groupby('CITY').LIFETIME_VALUE.sum(), 10)
    x = ar(*LM); E[73] = x[x.MERCHANT_CATEGORY == 'Grocery Stores'].CUSTOMER_ID.nunique()
    E[74] = P[P.IS_RETENTION_TARGET].CARD_TYPE.value_counts().to_dict()
    E[76] = A.groupby('CATEGORY_GROUP').TRANSACTION_AMOUNT.mean().to_dict()
    E[77] = set(P[P.SPEND_CHANGE_PCT < -0.3].CUSTOMER_ID)
    x = ar(*Q2); E[78] = x[x.CUSTOMER_SEGMENT == 'Budget-Conscious'].TRANSACTION_AMOUNT.sum()
    E[79] = list(P.sort_values('CREDIT_UTILIZATION_PCT', ascending=False).CUSTOMER_ID[:5])
    x = ar(*LM); E[80] = int((x.d.dt.weekday >= 5).sum())
    E[81] = P.groupby('EMPLOYMENT_STATUS').CREDIT_LIMIT.mean().to_dict()
    E[82] = best(P.groupby('STATE').LIFETIME_VALUE.mean())
    x = ar(*L90); E[83] = x[x.CARD_TYPE == 'Platinum'].TRANSACTION_AMOUNT.sum()
    x = rng(*Y25); E[84] = x[x.STATUS == 'declined'].groupby('CATEGORY_GROUP').size().to_dict()
    E[85] = P[P.STATE == 'NY'].CHURN_PROBABILITY.mean()
    e86 = set(P[(P.CARD_TYPE == 'Standard') & (P.CREDIT_LIMIT > 15000)].CUSTOMER_ID)
    # none on the default world: then the right answer is no rows (a refusal is still counted as a refusal)
    E[86] = e86 if e86 else (lambda d: (not d['rows'], f"{len(d['rows'])} rows vs none"))
    tb = pd.cut(P.TENURE_MONTHS, [-1, 5, 11, 23, 10**6], labels=['0-5 months', '6-11 months', '1-2 years', '2+ years'])
    E[87] = P.groupby(tb, observed=True).size().to_dict()
    x = ar(*Q2); x = x[x.CHANNEL == 'Online']; E[88] = x.groupby(x.d.dt.strftime('%Y-%m')).size().to_dict()
    e89 = best(A[A.CATEGORY_GROUP == 'dining'].groupby('CUSTOMER_SEGMENT').TRANSACTION_AMOUNT.sum())
    E[89] = lambda d: first_row_is(d, e89)  # compared on the first row of a ranking (corrected after the first run)
    E[91] = P[(P.AGE >= 35) & (P.AGE <= 44)].LIFETIME_VALUE.mean()
    E[92] = (P[P.STATE == 'TX'].CARD_TYPE == 'Gold').mean()
    x = ar(*Y25); x = x[x.MERCHANT_CATEGORY == 'Gas Stations']; E[93] = x.groupby(x.d.dt.strftime('%Y-%m')).TRANSACTION_AMOUNT.sum().to_dict()
    E[94] = int((hr & P.IS_UPSELL_TARGET).sum())
    E[95] = top(A[A.MERCHANT_CATEGORY == 'Electronics'].groupby('MERCHANT_NAME').TRANSACTION_AMOUNT.sum(), 5)
    E[96] = ar(*LQ).groupby('CARD_TYPE').TRANSACTION_AMOUNT.mean().to_dict()
    last = A.groupby('CUSTOMER_ID').d.max(); lastd = P.CUSTOMER_ID.map(last)
    E[97] = int(((lastd < '2025-04-01') | lastd.isna()).sum())
    E[98] = top(A[A.CUSTOMER_SEGMENT == 'High-Value Travelers'].groupby('STATE').TRANSACTION_AMOUNT.sum(), 5)
    E[99] = P.groupby('CARD_TYPE').SPEND_CHANGE_PCT.mean().to_dict()
    x = ar(*Y25); E[100] = int((x.TRANSACTION_AMOUNT > 500).sum())
    E[101] = set(P[P.TOTAL_TRANSACTIONS > 300].CUSTOMER_ID)
    E[102] = P.groupby('CARD_TYPE').AGE.mean().to_dict()
    E[103] = A[A.CATEGORY_GROUP == 'necessities'].TRANSACTION_AMOUNT.sum() / A.TRANSACTION_AMOUNT.sum()
    E[104] = plat.CHURN_RISK_CATEGORY.value_counts().to_dict()
    E[106] = best(ar(*LQ).groupby('CHANNEL').TRANSACTION_AMOUNT.mean())
    E[107] = P[od < '2023-01-01'].LIFETIME_VALUE.mean()
    E[108] = A[A.MERCHANT_CATEGORY == 'Streaming Services'].groupby('CUSTOMER_SEGMENT').TRANSACTION_AMOUNT.sum().to_dict()
    E[109] = int((days > 30).sum())
    E[110] = list(P.sort_values('AVG_TRANSACTION_VALUE', ascending=False).CUSTOMER_ID[:10])
    E[111] = top(P.groupby('STATE').CREDIT_LIMIT.sum(), 5)
    E[112] = int((A.CUSTOMER_ID == 'CUST00000200').sum())
    E[113] = P[P.EMPLOYMENT_STATUS == 'Self-Employed'].AVG_MONTHLY_SPEND.mean()
    E[114] = P.CUSTOMER_SEGMENT.value_counts(normalize=True).to_dict()
    E[115] = rng(*Y25).groupby('CARD_TYPE').STATUS.apply(dr_s).to_dict()
    x = ar(*Y24); E[116] = x[x.CUSTOMER_ID.isin(P[P.EMPLOYMENT_STATUS == 'Unemployed'].CUSTOMER_ID)].TRANSACTION_AMOUNT.sum()
    E[117] = plat.CREDIT_UTILIZATION_PCT.mean()
    E[118] = worst(A.groupby('MERCHANT_CATEGORY').size())
    x = rng(*LQ); E[119] = int(((x.CHANNEL == 'Online') & (x.STATUS == 'declined')).sum())
    E[121] = float(P[P.CUSTOMER_ID == 'CUST00000321'].LIFETIME_VALUE.iloc[0])
    E[122] = ar(*Y24).groupby('CUSTOMER_SEGMENT').TRANSACTION_AMOUNT.sum().to_dict()
    E[123] = P[P.IS_RETENTION_TARGET].CREDIT_LIMIT.mean()
    E[124] = P.groupby(['CARD_TYPE', 'CHURN_RISK_CATEGORY']).size().to_dict()  # keys (card, risk), in that order
    x = ar(*LM); E[125] = x[x.MERCHANT_CATEGORY == 'Hotels'].TRANSACTION_AMOUNT.sum()
    E[126] = wk.TRANSACTION_AMOUNT.mean()
    E[127] = set(P[(P.STATE == 'GA') & (P.LIFETIME_VALUE > 30000)].CUSTOMER_ID)
    E[128] = int(((od >= '2025-01-01') & (od <= '2025-06-30')).sum())
    E[129] = P.groupby(band, observed=True).LIFETIME_VALUE.mean().to_dict()
    E[130] = (A.groupby('CHANNEL').TRANSACTION_AMOUNT.sum() / A.TRANSACTION_AMOUNT.sum()).to_dict()
    x = T[T.CUSTOMER_ID == 'CUST00000077']; E[131] = list(x.sort_values('TRANSACTION_DATE', ascending=False).TRANSACTION_ID[:10])
    x = ar(*Y25); E[132] = x[x.CUSTOMER_ID == 'CUST00000500'].TRANSACTION_AMOUNT.sum()
    E[133] = A[A.CUSTOMER_SEGMENT == 'High-Value Travelers'].groupby('CATEGORY_GROUP').size().to_dict()
    E[134] = P.groupby('EMPLOYMENT_STATUS').CHURN_RISK_SCORE.mean().to_dict()
    x = ar(*LM).groupby('CUSTOMER_ID').TRANSACTION_AMOUNT.sum(); E[136] = int((x > 1000).sum())
    E[137] = P.groupby('CUSTOMER_SEGMENT').AVG_SPEND_PER_DAY.mean().to_dict()
    E[138] = best(T[T.STATUS == 'declined'].groupby('MERCHANT_CATEGORY').size())
    E[139] = set(P[P.TRAVEL_SHARE > 0.5].CUSTOMER_ID)
    x = A[A.d.dt.year.isin([2024, 2025])]; E[140] = x.groupby(x.d.dt.year.astype(str)).TRANSACTION_AMOUNT.sum().to_dict()
    E[141] = P[P.AGE < 25].CREDIT_LIMIT.mean()
    E[142] = A[A.CARD_TYPE == 'Gold'].groupby('CHANNEL').size().to_dict()
    E[143] = int(((P.CUSTOMER_SEGMENT == 'Declining') & (P.STATE == 'CA')).sum())
    E[144] = dr(T[T.MERCHANT_CATEGORY == 'Airlines'])
    E[145] = list(P[P.STATE == 'TX'].sort_values('LIFETIME_VALUE', ascending=False).CUSTOMER_ID[:5])
    x = ar(*Y25); E[146] = x.groupby(x.d.dt.strftime('%Y-%m')).TRANSACTION_AMOUNT.mean().to_dict()
    E[147] = int((~plat.IS_UPSELL_TARGET).sum())
    x = A[A.CUSTOMER_SEGMENT != 'Declining']; E[148] = x.groupby('CUSTOMER_SEGMENT').TRANSACTION_AMOUNT.sum().to_dict()
    E[149] = int((hr & (P.STATE != 'CA')).sum())
    E[151] = P[P.CREDIT_UTILIZATION_PCT > 70].LIFETIME_VALUE.mean()
    x = ar(*Y25); E[152] = x[x.MERCHANT_CATEGORY == 'Online Marketplaces'].TRANSACTION_AMOUNT.sum()
    E[153] = (P[P.STATE == 'FL'].groupby('CITY').size().reset_index(name='n')
              .sort_values(['n', 'CITY'], ascending=[False, True]).head(5).set_index('CITY').n.to_dict())
    E[154] = plat.DAYS_SINCE_LAST_TRANSACTION.astype('float').mean()
    E[155] = ar(*JUN).CUSTOMER_ID.nunique()
    E[156] = P.CREDIT_LIMIT.median()
    E[157] = P[P.CARD_TYPE.isin(['Gold', 'Platinum'])].groupby('CARD_TYPE').LIFETIME_VALUE.mean().to_dict()
    x = ar(*JUN); E[158] = x.groupby((x.d - pd.to_timedelta(x.d.dt.weekday, unit='D')).dt.strftime('%Y-%m-%d')).TRANSACTION_AMOUNT.sum().to_dict()
    x = ar(*LQ); E[159] = x[x.CUSTOMER_ID.isin(P[P.IS_RETENTION_TARGET].CUSTOMER_ID)].TRANSACTION_AMOUNT.sum()
    E[160] = plat.CREDIT_LIMIT.min()
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
