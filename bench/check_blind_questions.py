"""The blind check of 2026-12-02: ask tests/data/blind_questions_2026_12_02.txt on a built world and judge every
answer against an independent pandas computation over the gold tables (not a pytest module: it needs the
1,000-customer default world, `c360 run --home HOME`, ~45 s).

    python bench/check_blind_questions.py HOME        # prints RIGHT / WRONG / REFUSED per question

Questions 90-99 must be refused (writes, instructions, data the model lacks); a refusal of any other is
"refused though answerable". The expectations below were written from the questions before reading the answers;
after the first run five were corrected in how they are compared, not in what they expect: ties broken as the
engine breaks them (by id or name, 89 and 100), the rows rather than a count for 30 and 36, and only the change
column for 75.
"""
import sys
import tempfile
from pathlib import Path

import numpy as np  # noqa: F401
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from blind_check import answers, judge, load_frames  # noqa: E402

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "blind_questions_2026_12_02.txt"


if __name__ == "__main__":
    HOME = Path(sys.argv[1])
    OUT = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    answers(QUESTIONS, HOME, OUT)
    P, T, M = load_frames(HOME)
    A = T[T.STATUS=='approved']
    def rng(a,b): return T[(T.d>=a)&(T.d<=b)]
    def ar(a,b): x=rng(a,b); return x[x.STATUS=='approved']
    LQ=('2025-01-01','2025-03-31'); LM=('2025-05-01','2025-05-31')
    def dr(x): return (x.STATUS=='declined').mean()
    E = {}  # n -> expected (scalar, or dict group->value, or set of ids, or callable(answer)->bool)
    E[1]=(P.STATE=='TX').sum()
    E[2]=ar(*LQ).TRANSACTION_AMOUNT.sum()
    E[3]=A[A.CARD_TYPE=='Platinum'].TRANSACTION_AMOUNT.mean()
    E[4]=dr(rng(*LM))
    E[5]=list(P.sort_values('LIFETIME_VALUE',ascending=False).CUSTOMER_ID[:10])
    E[6]=((P.CHURN_RISK_CATEGORY=='High Risk')&(P.STATE=='CA')).sum()
    x=ar('2025-01-01','2025-03-31'); E[7]=x[x.CHANNEL=='Online'].TRANSACTION_AMOUNT.sum()
    E[8]=len(ar('2025-03-01','2025-06-30'))
    E[9]=P.groupby('CARD_TYPE').CREDIT_LIMIT.mean().to_dict()
    x=ar('2025-01-01','2025-12-31'); E[10]=x.groupby(x.d.dt.strftime('%Y-%m')).TRANSACTION_AMOUNT.sum().to_dict()
    E[11]={P.STATE.value_counts().idxmax(): P.STATE.value_counts().max()}
    E[12]=set(P[(P.IS_RETENTION_TARGET)&(P.STATE=='NY')].CUSTOMER_ID)
    E[13]=P[P.IS_UPSELL_TARGET].groupby('CUSTOMER_SEGMENT').size().to_dict()
    E[14]=P[P.CARD_TYPE=='Gold'].AGE.mean()
    x=ar('2025-06-01','2025-06-30'); E[15]=x[x.MERCHANT_CATEGORY=='Restaurants'].TRANSACTION_AMOUNT.sum()
    E[16]=(P.EMPLOYMENT_STATUS=='Student').sum()
    E[17]=A[A.CHANNEL=='Online'].TRANSACTION_AMOUNT.sum()/A.TRANSACTION_AMOUNT.sum()
    x=ar('2025-04-01','2025-06-30'); E[18]=x.groupby((x.d-pd.to_timedelta(x.d.dt.weekday,unit='D')).dt.strftime('%Y-%m-%d')).size().to_dict()
    E[19]=T.groupby('CHANNEL').STATUS.apply(lambda s:(s=='declined').mean()).to_dict()
    E[20]=A.groupby('MERCHANT_CATEGORY').TRANSACTION_AMOUNT.sum().nlargest(5).to_dict()
    E[21]=P.groupby('CUSTOMER_SEGMENT').CHURN_PROBABILITY.mean().to_dict()
    E[22]=set(P[P.CREDIT_UTILIZATION_PCT>80].CUSTOMER_ID)
    last=A.groupby('CUSTOMER_ID').d.max(); asof=pd.Timestamp('2025-06-30')
    days=(asof-P.CUSTOMER_ID.map(last)).dt.days
    E[23]=int(((days>=90)|days.isna()).sum())
    E[24]=set(P[(P.CUSTOMER_SEGMENT=='High-Value Travelers')&(P.STATE=='FL')].CUSTOMER_ID)
    E[25]=P.LIFETIME_VALUE.median()
    E[26]=A.groupby('CATEGORY_GROUP').TRANSACTION_AMOUNT.sum().to_dict()
    E[27]=((P.CARD_TYPE=='Premium')&(P.CHURN_RISK_CATEGORY=='High Risk')).sum()
    E[28]=P[P.CUSTOMER_SEGMENT=='Budget-Conscious'].AVG_MONTHLY_SPEND.mean()
    E[29]=P.IS_RETENTION_TARGET.mean()
    x=rng(*LM); E[30]=set(x[x.TRANSACTION_AMOUNT>1000].TRANSACTION_ID)
    x=rng(*LM); E[31]=(x.STATUS=='declined').sum()
    E[32]=A[A.MERCHANT_CATEGORY.isin(['Grocery Stores','Restaurants'])].groupby('MERCHANT_CATEGORY').TRANSACTION_AMOUNT.sum().to_dict()
    E[33]=A.groupby('STATE').TRANSACTION_AMOUNT.sum().nlargest(3).to_dict()
    x=ar('2025-01-01','2025-12-31'); E[34]=x.groupby('CHANNEL').TRANSACTION_AMOUNT.mean().to_dict()
    od=pd.to_datetime(P.ACCOUNT_OPEN_DATE)
    E[35]=int(((od>='2024-01-01')&(od<='2024-12-31')).sum())
    E[36]=set(P[od>='2025-01-01'].CUSTOMER_ID)
    x=ar('2025-06-23','2025-06-29'); E[37]=x[x.CHANNEL=='Mobile'].TRANSACTION_AMOUNT.sum()
    g=P.groupby('CUSTOMER_SEGMENT').LIFETIME_VALUE.mean(); E[38]={g.idxmax():g.max()}
    E[39]=P.CHURN_RISK_CATEGORY.value_counts().to_dict()
    E[40]=ar(*LQ).TRANSACTION_AMOUNT.sum()/len(P)
    E[41]=P.TOTAL_TRANSACTIONS.mean()
    E[42]=set(P[(P.EMPLOYMENT_STATUS=='Retired')&(P.CHURN_RISK_CATEGORY=='High Risk')].CUSTOMER_ID)
    x=ar('2025-04-02','2025-06-30'); E[43]=list(x.groupby('CUSTOMER_ID').TRANSACTION_AMOUNT.sum().nlargest(20).index)
    E[44]=P[P.CARD_TYPE=='Platinum'].LIFETIME_VALUE.sum()
    E[45]=P.groupby('CUSTOMER_SEGMENT').TENURE_MONTHS.mean().to_dict()
    E[46]=A.groupby((A.d-pd.to_timedelta(A.d.dt.weekday,unit='D')).dt.strftime('%Y-%m-%d')).TRANSACTION_AMOUNT.sum().to_dict()
    x=rng('2025-01-01','2025-12-31'); E[47]=x.groupby(x.d.dt.strftime('%Y-%m')).STATUS.apply(lambda s:(s=='declined').mean()).to_dict()
    E[48]=P.EMPLOYMENT_STATUS.value_counts().to_dict()
    E[49]=(P.CARD_TYPE=='Premium').mean()
    x=rng(*LM); E[50]=list(x[x.STATUS=='approved'].nlargest(10,'TRANSACTION_AMOUNT').TRANSACTION_ID)
    E[51]=set(P[P.SPEND_CHANGE_PCT< -0.5].CUSTOMER_ID)
    E[52]=P.groupby('CUSTOMER_SEGMENT').DAYS_SINCE_LAST_TRANSACTION.mean().to_dict()
    x=ar('2025-04-01','2025-06-30'); E[53]=x[x.CATEGORY_GROUP=='travel'].TRANSACTION_AMOUNT.sum()
    x=ar(*LM); E[54]=x[x.CHANNEL=='Online'].CUSTOMER_ID.nunique()
    x=A[A.MERCHANT_CATEGORY=='Airlines']; E[55]=x.groupby(x.d.dt.strftime('%Y-%m')).TRANSACTION_AMOUNT.sum().to_dict()
    x=ar(*LQ).groupby('STATE').TRANSACTION_AMOUNT.sum(); E[56]={x.idxmax():x.max()}
    g=P.groupby('CARD_TYPE').CHURN_PROBABILITY.mean(); E[57]={g.idxmin():g.min()}
    E[58]=set(P[P.IS_UPSELL_TARGET&(P.CREDIT_LIMIT>20000)].CUSTOMER_ID)
    E[59]=P[P.CUSTOMER_SEGMENT=='Declining'].SPEND_LAST_90_DAYS.mean()
    E[60]=int((P.AGE>65).sum())
    x=A[A.CARD_TYPE=='Gold']; E[61]=x.groupby('STATE').TRANSACTION_AMOUNT.sum().to_dict()
    x=T[T.CHANNEL=='In-Store']; E[62]=(x.STATUS=='approved').mean()
    E[63]=set(P[P.TOTAL_TRANSACTIONS>100].CUSTOMER_ID)
    E[64]=A.groupby(A.d.dt.day_name()).size().to_dict()
    E[65]=A[A.MERCHANT_CATEGORY=='Hotels'].TRANSACTION_AMOUNT.mean()
    x=P[P.CUSTOMER_SEGMENT=='High-Value Travelers']; E[66]=(x.CHURN_RISK_CATEGORY=='High Risk').mean()
    E[67]=A.groupby('MERCHANT_NAME').size().nlargest(10).to_dict()
    x=rng(*LQ); E[68]=x[x.STATUS=='declined'].TRANSACTION_AMOUNT.sum()
    E[69]=P[P.IS_RETENTION_TARGET].groupby('STATE').size().to_dict()
    E[70]=P[P.CHURN_RISK_CATEGORY=='High Risk'].CREDIT_UTILIZATION_PCT.mean()
    E[71]=set(P[(P.EMPLOYMENT_STATUS=='Self-Employed')&(P.STATE=='TX')&(P.CARD_TYPE=='Platinum')].CUSTOMER_ID)
    E[72]=ar('2025-03-01','2025-03-31').TRANSACTION_AMOUNT.sum()
    E[73]=A[A.CHANNEL.isin(['Online','In-Store'])].groupby('CHANNEL').TRANSACTION_AMOUNT.sum().to_dict()
    x=P[(P.AGE>=25)&(P.AGE<=34)]; E[74]=x.CUSTOMER_SEGMENT.value_counts().to_dict()
    mm=A.groupby(A.d.dt.strftime('%Y-%m')).TRANSACTION_AMOUNT.sum(); E[75]=(mm/mm.shift(1)-1).dropna().to_dict()
    E[76]=int(((days>=60)|days.isna()).sum())
    E[77]=P[(od>='2023-01-01')&(od<='2023-12-31')].LIFETIME_VALUE.mean()
    x=ar('2025-01-01','2025-06-30'); E[78]=x[x.CATEGORY_GROUP=='entertainment'].TRANSACTION_AMOUNT.sum()
    g=A.groupby('CUSTOMER_SEGMENT'); E[79]=(A[A.CATEGORY_GROUP=='travel'].groupby('CUSTOMER_SEGMENT').TRANSACTION_AMOUNT.sum()/g.TRANSACTION_AMOUNT.sum()).to_dict()
    E[80]=(P.CARD_TYPE=='Standard').sum()
    E[81]=list(T.sort_values(['TRANSACTION_DATE','TRANSACTION_ID'],ascending=False).TRANSACTION_ID[:10])
    x=T[T.CUSTOMER_ID=='CUST00000123']; E[82]=list(x.sort_values('TRANSACTION_DATE',ascending=False).TRANSACTION_ID[:10])
    E[83]=A[A.CUSTOMER_ID=='CUST00000045'].TRANSACTION_AMOUNT.sum()
    x=ar('2025-05-01','2025-05-31'); E[84]=x[x.CHANNEL=='Mobile'].TRANSACTION_AMOUNT.mean()
    E[85]=float(P[P.CUSTOMER_ID=='CUST00000010'].CHURN_RISK_SCORE.iloc[0])
    E[86]=set(P[(P.LIFETIME_VALUE>50000)&(P.CHURN_RISK_CATEGORY=='High Risk')].CUSTOMER_ID)
    x=ar(*LM); E[87]=x.groupby('MERCHANT_CATEGORY').size().to_dict()
    E[88]=A.groupby(A.d.dt.year.astype(str)+'-Q'+A.d.dt.quarter.astype(str)).size().to_dict()
    E[89]=P.groupby('CITY').size().reset_index(name='n').sort_values(['n','CITY'],ascending=[False,True]).head(5).set_index('CITY').n.to_dict()
    E[100]=list(P.sort_values(['CHURN_RISK_SCORE','CUSTOMER_ID'],ascending=[False,True]).CUSTOMER_ID[:10])
    
    judge(OUT, E, first_key={75})
