"""The assistant tests' shared world: a small gold layer in pandas, written into a home, and independent pandas
answers to compare the engine's against (no code shared with the engine)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from app_fixtures import CATEGORY_SCHEMA, FACT_SCHEMA, PROFILE_SCHEMA  # noqa: E402

from c360_pipeline.catalog import CARD_TYPES, CHANNELS, EMPLOYMENT_STATUSES, MERCHANT_CATEGORIES, SEGMENTS
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.semantic.assistant import Answer
from c360_pipeline.transforms import dimensions

AS_OF = date(2025, 6, 30)
HISTORY_START = date(2024, 11, 1)
STATES = ("CA", "NY", "TX", "FL", "OR", "IN")
USED_CATEGORIES = ("Airlines", "Hotels", "Grocery Stores", "Gas Stations", "Restaurants", "Electronics", "Coffee Shops")
FIRST_NAMES = ("Ana", "Ben", "Chloe", "David", "Erin", "Farid", "Grace")
LAST_NAMES = ("Smith", "Garcia", "Nguyen", "Lee", "O'Brien")
SCHEMAS = {  # the same table layouts as the app tests' fixture world
    "CUSTOMER_360_PROFILE": PROFILE_SCHEMA,
    "FCT_TRANSACTIONS": FACT_SCHEMA,
    "DIM_DATE": dimensions.DIM_DATE_SCHEMA,
    "DIM_MERCHANT_CATEGORY": CATEGORY_SCHEMA,
}


def build_world(customers: int = 40, seed: int = 3) -> dict[str, pd.DataFrame]:
    """Profile, fact, dim_date and dim_merchant_category frames: small, deterministic, with every segment,
    card type, risk category, channel and a customer without a churn score."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(HISTORY_START, AS_OF, freq="D")
    dim_date = pd.DataFrame({
        "DATE_KEY": days.year * 10000 + days.month * 100 + days.day, "CALENDAR_DATE": days.date,
        "YEAR": days.year, "QUARTER": days.quarter, "MONTH": days.month,
        "MONTH_NAME": [calendar.month_name[m] for m in days.month], "DAY": days.day,
        "DAY_OF_WEEK": (days.dayofweek + 1) % 7, "DAY_NAME": [calendar.day_name[d] for d in days.dayofweek],
        "IS_WEEKEND": days.dayofweek >= 5,
    })
    categories = pd.DataFrame([
        {"MERCHANT_CATEGORY_KEY": c.key, "MERCHANT_CATEGORY": c.name, "CATEGORY_GROUP": c.group,
         "IS_TRAVEL": c.is_travel, "IS_NECESSITY": c.is_necessity} for c in MERCHANT_CATEGORIES
    ])
    used = categories[categories["MERCHANT_CATEGORY"].isin(USED_CATEGORIES)].reset_index(drop=True)
    rows = []
    for i in range(customers):
        for _ in range(int(rng.integers(6, 24))):
            day = days[int(rng.integers(0, len(days)))]
            category = used.iloc[int(rng.integers(0, len(used)))]
            rows.append({
                "TRANSACTION_ID": f"TXN{len(rows) + 1:012d}", "CUSTOMER_KEY": 1000 + i, "CUSTOMER_ID": f"CUST{i + 1:08d}",
                "DATE_KEY": int(day.year * 10000 + day.month * 100 + day.day),
                "MERCHANT_CATEGORY_KEY": int(category["MERCHANT_CATEGORY_KEY"]),
                "MERCHANT_CATEGORY": category["MERCHANT_CATEGORY"],
                "MERCHANT_NAME": f"{category['MERCHANT_CATEGORY']} #{int(rng.integers(1, 4))}",
                "TRANSACTION_AMOUNT": Decimal(f"{rng.uniform(3, 900):.2f}"),
                "STATUS": "declined" if rng.random() < 0.08 else "approved",
                "CHANNEL": CHANNELS[int(rng.integers(0, 3))],
                "TRANSACTION_DATE": day.to_pydatetime() + timedelta(hours=int(rng.integers(7, 22))),
                "_BATCH_ID": "20250630",
            })
    fact = pd.DataFrame(rows)
    fact.insert(0, "TRANSACTION_KEY", range(1, len(fact) + 1))
    profile = []
    for i in range(customers):
        customer = f"CUST{i + 1:08d}"
        mine = fact[(fact["CUSTOMER_ID"] == customer) & (fact["STATUS"] == "approved")]
        opened = date(2020, 1, 1) + timedelta(days=int(rng.integers(0, 1900)))
        lifetime = sum(mine["TRANSACTION_AMOUNT"], Decimal("0"))
        days_seen = sorted(date(k // 10000, k // 100 % 100, k % 100) for k in mine["DATE_KEY"])
        score = float(round(rng.uniform(0, 100), 1))
        scored = i != customers - 1  # the last customer has not been scored yet
        risk = ("High Risk" if score >= 70 else "Medium Risk" if score >= 40 else "Low Risk") if scored else None
        first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[i % len(LAST_NAMES)]
        profile.append({
            "CUSTOMER_ID": customer, "CUSTOMER_KEY": 1000 + i, "FULL_NAME": f"{first} {last}", "FIRST_NAME": first,
            "LAST_NAME": last, "EMAIL": f"{first.lower()}{i}@example.com", "AGE": int(rng.integers(19, 84)),
            "STATE": STATES[i % len(STATES)], "CITY": "Springfield", "EMPLOYMENT_STATUS": EMPLOYMENT_STATUSES[i % 5],
            "CARD_TYPE": CARD_TYPES[i % 4], "CREDIT_LIMIT": Decimal(f"{int(rng.integers(2, 40)) * 1000}.00"),
            "ACCOUNT_OPEN_DATE": opened, "TENURE_MONTHS": (AS_OF.year - opened.year) * 12 + AS_OF.month - opened.month,
            "TENURE_DAYS": (AS_OF - opened).days, "CUSTOMER_SEGMENT": SEGMENTS[(i * 7) % 5],
            "SEGMENT_ASSIGNED_AT": datetime(2025, 6, 30, 2, 0),
            "SPEND_LAST_90_DAYS": Decimal(f"{rng.uniform(0, 9000):.2f}"),
            "SPEND_PRIOR_90_DAYS": Decimal(f"{rng.uniform(0, 9000):.2f}"),
            "SPEND_CHANGE_PCT": float(round(rng.uniform(-0.8, 1.2), 4)),
            "AVG_MONTHLY_SPEND": float(round(rng.uniform(200, 7000), 2)),
            "TRAVEL_SHARE": float(round(rng.uniform(0, 0.6), 4)), "NECESSITIES_SHARE": float(round(rng.uniform(0, 0.8), 4)),
            "LIFETIME_VALUE": lifetime, "TOTAL_TRANSACTIONS": int(len(mine)),
            "AVG_SPEND_PER_DAY": float(round(float(lifetime) / 240, 4)),
            "FIRST_TRANSACTION_DATE": days_seen[0] if days_seen else None,
            "LAST_TRANSACTION_DATE": days_seen[-1] if days_seen else None,
            "AVG_TRANSACTION_VALUE": float(round(float(lifetime) / max(len(mine), 1), 2)),
            "DAYS_SINCE_LAST_TRANSACTION": (AS_OF - days_seen[-1]).days if days_seen else None,
            "LAST_MONTH_SPEND": float(round(rng.uniform(0, 3000), 2)),
            "MOM_SPEND_CHANGE_PCT": float(round(rng.uniform(-0.5, 0.5), 4)),
            "CREDIT_UTILIZATION_PCT": float(round(rng.uniform(0, 95), 2)),
            "CHURN_PROBABILITY": score / 100 if scored else None, "CHURN_RISK_SCORE": score if scored else None,
            "CHURN_RISK_CATEGORY": risk, "MODEL_VERSION": "v20250630" if scored else None,
            "IS_RETENTION_TARGET": bool(risk == "High Risk" and lifetime > 3000), "IS_UPSELL_TARGET": i % 6 == 0,
            "AS_OF_DATE": AS_OF,
        })
    return {"CUSTOMER_360_PROFILE": pd.DataFrame(profile), "FCT_TRANSACTIONS": fact, "DIM_DATE": dim_date,
            "DIM_MERCHANT_CATEGORY": categories}


def with_a_year_earlier(out: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The world (which starts in November 2024) with a copy of its 2025 transactions a year earlier (amounts a fifth
    smaller, one in three left out, no 29 February), so that 2024 periods have figures of their own."""
    fact = out["FCT_TRANSACTIONS"]
    earlier = fact[fact["DATE_KEY"] >= 20250101].iloc[::3].copy()
    earlier = earlier[earlier["DATE_KEY"] % 10000 != 229]
    earlier["TRANSACTION_KEY"] += 100_000
    earlier["TRANSACTION_ID"] = [f"TXN9{key:011d}" for key in earlier["TRANSACTION_KEY"]]
    earlier["DATE_KEY"] -= 10000
    earlier["TRANSACTION_DATE"] = earlier["TRANSACTION_DATE"] - pd.DateOffset(years=1)
    earlier["TRANSACTION_AMOUNT"] = [(amount * 4 / 5).quantize(amount) for amount in earlier["TRANSACTION_AMOUNT"]]
    out["FCT_TRANSACTIONS"] = pd.concat([fact, earlier], ignore_index=True)
    return out


def write_world(warehouse: Warehouse, frames: dict[str, pd.DataFrame]) -> None:
    for name, frame in frames.items():
        warehouse.write_pandas(frame, SCHEMAS[name], "GOLD", name)


def write_home(cfg: PipelineConfig, frames: dict[str, pd.DataFrame]) -> None:
    """The world written into the local database of `cfg.home`; the writer is closed so readers can open it."""
    session = local_session(cfg.home, cfg.database)
    try:
        write_world(Warehouse.of(session, cfg), frames)
    finally:
        session.close()


class Number(float):
    """A result number compared with a small tolerance: sums of decimals and floats differ in the last bits, and
    Snowflake (like the local engine) gives integer division six decimals."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and abs(self - other) <= max(1e-6, 1e-9 * max(abs(self), abs(other)))

    def __hash__(self) -> int:
        return hash(round(self, 6))


def plain(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (Decimal, float, np.floating, int, np.integer)):
        return Number(float(value))
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def figure(answer: Answer) -> object:
    """An answer's one figure (one row, one column), as a plain value."""
    assert not answer.refused, answer.interpretation
    assert len(answer.rows) == 1 and len(answer.rows[0]) == 1, (answer.interpretation, answer.rows)
    return plain(answer.rows[0][0])


def ids_of(answer: Answer) -> set[str]:
    """The customer ids an answer lists."""
    assert not answer.refused, answer.interpretation
    return {row[answer.columns.index("CUSTOMER_ID")] for row in answer.rows}


def rows_of(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(plain(v) for v in row) for row in frame.itertuples(index=False, name=None)]


def assert_same(answer: Answer, expected: pd.DataFrame, ordered: bool = True) -> None:
    assert not answer.refused, answer.interpretation
    assert answer.columns == list(expected.columns), (answer.columns, list(expected.columns))
    got = [tuple(plain(v) for v in row) for row in answer.rows]
    want = rows_of(expected)
    if ordered:
        assert got == want, (answer.interpretation, got, want)
    else:
        assert sorted(got, key=repr) == sorted(want, key=repr), (answer.interpretation, got, want)


def approved(frames) -> pd.DataFrame:
    fact = frames["FCT_TRANSACTIONS"]
    out = fact[fact["STATUS"] == "approved"].copy()
    out["TRANSACTION_AMOUNT"] = out["TRANSACTION_AMOUNT"].astype(float)
    return out


def between(fact: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    return fact[(fact["DATE_KEY"] >= int(start.strftime("%Y%m%d"))) & (fact["DATE_KEY"] <= int(end.strftime("%Y%m%d")))]


def grouped(frame: pd.DataFrame, by: list[str], label: str, values: pd.Series, descending: bool = True) -> pd.DataFrame:
    out = values.rename(label).reset_index()
    return out.sort_values([label] + by, ascending=[not descending] + [True] * len(by), na_position="last",
                           kind="stable").reset_index(drop=True)


def profile(frames) -> pd.DataFrame:
    out = frames["CUSTOMER_360_PROFILE"].copy()
    for column in ("LIFETIME_VALUE", "CREDIT_LIMIT", "SPEND_LAST_90_DAYS"):
        out[column] = out[column].astype(float)
    return out


def listed(frame: pd.DataFrame, columns: list[str], by: str | None = None, descending: bool = True,
           limit: int = 100) -> pd.DataFrame:
    keys = ([by] if by else []) + ["CUSTOMER_ID"]
    ascending = ([not descending] if by else []) + [True]
    return frame.sort_values(keys, ascending=ascending, na_position="last", kind="stable")[columns].head(limit)


def expected_for(question: str, frames) -> pd.DataFrame:
    """Independent pandas answers to every suggested question."""
    p = profile(frames)
    t = approved(frames)
    may = between(t, date(2025, 5, 1), date(2025, 5, 31))
    segment = ["CUSTOMER_SEGMENT"]
    if question == "Which customers are at highest risk of churning?":
        return listed(p[p["CHURN_RISK_CATEGORY"] == "High Risk"],
                      ["CUSTOMER_ID", "FULL_NAME", "CHURN_RISK_CATEGORY", "CHURN_RISK_SCORE"], "CHURN_RISK_SCORE")
    if question == "What is the average churn risk score by segment?":
        return grouped(p, segment, "AVERAGE_CHURN_RISK_SCORE", p.groupby(segment)["CHURN_RISK_SCORE"].mean())
    if question == "How many customers are in each churn risk category?":
        return grouped(p, ["CHURN_RISK_CATEGORY"], "CUSTOMER_COUNT",
                       p.groupby("CHURN_RISK_CATEGORY", dropna=False)["CUSTOMER_ID"].count())
    if question == "Which high-risk customers have a lifetime value over 5,000?":
        chosen = p[(p["CHURN_RISK_CATEGORY"] == "High Risk") & (p["LIFETIME_VALUE"] > 5000)]
        return listed(chosen, ["CUSTOMER_ID", "FULL_NAME", "CHURN_RISK_CATEGORY", "LIFETIME_VALUE"], "LIFETIME_VALUE")
    if question == "How many inactive customers are there in each segment?":
        inactive = p[(p["DAYS_SINCE_LAST_TRANSACTION"] >= 60) | p["DAYS_SINCE_LAST_TRANSACTION"].isna()]  # never transacted too
        return grouped(inactive, segment, "CUSTOMER_COUNT", inactive.groupby(segment)["CUSTOMER_ID"].count())
    if question == "How many customers are in each segment?":
        return grouped(p, segment, "CUSTOMER_COUNT", p.groupby(segment)["CUSTOMER_ID"].count())
    if question == "What is the average lifetime value by segment?":
        return grouped(p, segment, "AVERAGE_LIFETIME_VALUE", p.groupby(segment)["LIFETIME_VALUE"].mean())
    if question == "What is the average monthly spend by segment and card type?":
        keys = ["CUSTOMER_SEGMENT", "CARD_TYPE"]
        return grouped(p, keys, "AVERAGE_MONTHLY_SPEND", p.groupby(keys)["AVG_MONTHLY_SPEND"].mean())
    if question == "Which segment has the highest average credit utilization?":
        return grouped(p, segment, "AVERAGE_CREDIT_UTILIZATION",
                       p.groupby(segment)["CREDIT_UTILIZATION_PCT"].mean()).head(1)
    if question == "What is the average tenure in months by segment?":
        return grouped(p, segment, "AVERAGE_TENURE_MONTHS", p.groupby(segment)["TENURE_MONTHS"].mean())
    if question == "What was the total spend by merchant category last month?":
        return grouped(may, ["MERCHANT_CATEGORY"], "TOTAL_SPEND", may.groupby("MERCHANT_CATEGORY")["TRANSACTION_AMOUNT"].sum())
    if question == "How has total spend changed month by month?":
        months = t.assign(YEAR_MONTH=(t["DATE_KEY"] // 100).map(lambda k: f"{k // 100}-{k % 100:02d}"))
        out = months.groupby("YEAR_MONTH")["TRANSACTION_AMOUNT"].sum().rename("TOTAL_SPEND").reset_index()
        return out.sort_values("YEAR_MONTH").reset_index(drop=True)
    if question == "What is the total spend by channel in the last 90 days?":
        recent = between(t, AS_OF - timedelta(days=89), AS_OF)
        return grouped(recent, ["CHANNEL"], "TOTAL_SPEND", recent.groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum())
    if question == "What are the top 5 merchant categories by spend this year?":
        year = between(t, date(2025, 1, 1), AS_OF)
        return grouped(year, ["MERCHANT_CATEGORY"], "TOTAL_SPEND",
                       year.groupby("MERCHANT_CATEGORY")["TRANSACTION_AMOUNT"].sum()).head(5)
    if question == "What is the average transaction amount by card type?":
        joined = t.merge(p[["CUSTOMER_ID", "CARD_TYPE"]], on="CUSTOMER_ID")
        return grouped(joined, ["CARD_TYPE"], "AVERAGE_TRANSACTION_AMOUNT", joined.groupby("CARD_TYPE")["TRANSACTION_AMOUNT"].mean())
    if question == "Who are the top 10 customers by lifetime value?":
        return listed(p, ["CUSTOMER_ID", "FULL_NAME", "LIFETIME_VALUE"], "LIFETIME_VALUE", limit=10)
    if question == "Which states have the most customers?":
        return grouped(p, ["STATE"], "CUSTOMER_COUNT", p.groupby("STATE")["CUSTOMER_ID"].count())
    if question == "What is the average lifetime value by state?":
        return grouped(p, ["STATE"], "AVERAGE_LIFETIME_VALUE", p.groupby("STATE")["LIFETIME_VALUE"].mean())
    if question == "Show me Premium cardholders in California":
        chosen = p[(p["CARD_TYPE"] == "Premium") & (p["STATE"] == "CA")]
        return listed(chosen, ["CUSTOMER_ID", "FULL_NAME", "CARD_TYPE", "STATE"])
    if question == "How many high-risk customers are there in each state?":
        risky = p[p["CHURN_RISK_CATEGORY"] == "High Risk"]
        return grouped(risky, ["STATE"], "CUSTOMER_COUNT", risky.groupby("STATE")["CUSTOMER_ID"].count())
    if question == "What was the total spend by state last month?":
        joined = may.merge(p[["CUSTOMER_ID", "STATE"]], on="CUSTOMER_ID")
        return grouped(joined, ["STATE"], "TOTAL_SPEND", joined.groupby("STATE")["TRANSACTION_AMOUNT"].sum())
    if question == "How many retention targets are there in each segment?":
        return grouped(p, segment, "RETENTION_TARGET_COUNT", p.groupby(segment)["IS_RETENTION_TARGET"].sum().astype(int))
    if question == "List the upsell targets with a credit limit over 10,000":
        chosen = p[p["IS_UPSELL_TARGET"] & (p["CREDIT_LIMIT"] > 10000)]
        return listed(chosen, ["CUSTOMER_ID", "FULL_NAME", "IS_UPSELL_TARGET", "CREDIT_LIMIT"], "CREDIT_LIMIT")
    if question == "Which Declining customers have a lifetime value over 5,000?":
        chosen = p[(p["CUSTOMER_SEGMENT"] == "Declining") & (p["LIFETIME_VALUE"] > 5000)]
        return listed(chosen, ["CUSTOMER_ID", "FULL_NAME", "CUSTOMER_SEGMENT", "LIFETIME_VALUE"], "LIFETIME_VALUE")
    if question == "What is the total lifetime value of high-risk customers by segment?":
        risky = p[p["CHURN_RISK_CATEGORY"] == "High Risk"]
        return grouped(risky, segment, "TOTAL_LIFETIME_VALUE", risky.groupby(segment)["LIFETIME_VALUE"].sum())
    if question == "How many Platinum cardholders are high risk?":
        chosen = p[(p["CARD_TYPE"] == "Platinum") & (p["CHURN_RISK_CATEGORY"] == "High Risk")]
        return pd.DataFrame({"CUSTOMER_COUNT": [len(chosen)]})
    raise KeyError(question)


# --- suggested questions ------------------------------------------------------------------------------
