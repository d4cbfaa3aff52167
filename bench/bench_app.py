"""Benchmark the Streamlit app: drive every tab through AppTest and print the time of each interaction.

    python bench/bench_app.py [--home DIR] [--customers 1000]   # DIR built by `c360 run` (built here if empty)
    python bench/bench_app.py --synthetic DIR                    # the tests' fixture world at 1,000 x 270

Without --home: $C360_HOME when it holds a built warehouse, else a temporary directory that is built
with `c360 run --customers 1000` first (minutes on the local engine).

Each interaction is one widget change and the re-run that follows, timed two ways: the whole script as
AppTest re-runs it (all tabs), and the render of the tab that owns the widget, which is what the browser
re-runs (each tab is an `st.fragment`); beside the tab's time, the process's CPU time during it (DuckDB's
threads included), which varies less with other jobs on the machine. Target: every interaction <= 1 s of its
tab, at the default local scale (1,000 customers, ~270K transactions) and at 50,000 customers (~13M
transactions). The machine's load average is printed: wall times scale with it. Also printed: the cold first run (imports, the first reads of the
local database), a warm full re-run, and the data access behind Customer 360 (first read of one customer's
profile row, card history and transactions vs the cached read) and the time to build the largest download.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "streamlit_app"))
TARGET_SECONDS = 1.0


def build_with_pipeline(home: Path, customers: int) -> None:
    """`c360 run --home HOME --customers N`, as a user would; the app only needs the profile to exist."""
    import subprocess

    print(f"building {home} with `c360 run --customers {customers}` ...", flush=True)
    started = time.perf_counter()
    code = subprocess.call(
        [sys.executable, "-m", "c360_pipeline.cli", "run", "--home", str(home), "--customers", str(customers)]
    )
    print(f"  c360 run finished with exit code {code} in {time.perf_counter() - started:.0f} s")


def ensure_home(args: argparse.Namespace) -> Path:
    from c360_pipeline.app_launcher import profile_built
    from c360_pipeline.config import PipelineConfig

    def built(home: Path) -> bool:
        return profile_built(PipelineConfig.build(home=home))

    if args.synthetic:
        home = args.synthetic
        if not built(home):
            sys.path.insert(0, str(ROOT / "tests"))
            from app_fixtures import build_app_warehouse

            print(f"building the fixture world (1,000 customers x 270 transactions) in {home} ...", flush=True)
            started = time.perf_counter()
            build_app_warehouse(home, customers=1000, transactions_per_customer=270, seed=11)
            print(f"  built in {time.perf_counter() - started:.0f} s")
        return home
    if args.home is None:
        configured = os.environ.get("C360_HOME")
        if configured and built(Path(configured)):
            return Path(configured)
        import tempfile

        args.home = Path(tempfile.mkdtemp(prefix="c360-bench-app-"))
    home = args.home
    if not built(home):
        build_with_pipeline(home, args.customers)
    if not built(home):
        print(f"{home} still has no GOLD.CUSTOMER_360_PROFILE: see the `c360 run` output above", file=sys.stderr)
        raise SystemExit(2)
    return home


TAB_OF_PREFIX = {"seg": "segment_explorer", "c360": "customer_360", "camp": "campaign_simulator"}
RENDER_SECONDS: dict[str, float] = {}
RENDER_CPU_SECONDS: dict[str, float] = {}  # the process's CPU time during the render: steadier under load


def time_tab_renders() -> None:
    """Wrap each tab module's render() to record how long its last run took (the fragment's cost)."""
    import importlib
    import pkgutil

    import tabs

    for module_info in pkgutil.iter_modules(tabs.__path__):
        module = importlib.import_module(f"tabs.{module_info.name}")
        render = getattr(module, "render", None)
        if render is None:
            continue

        def timed_render(data, _render=render, _name=module_info.name):
            started, cpu = time.perf_counter(), time.process_time()
            try:
                with data.batch():  # the app's own batch around the tab is then this one: its close is timed too
                    return _render(data)
            finally:
                RENDER_SECONDS[_name] = time.perf_counter() - started
                RENDER_CPU_SECONDS[_name] = time.process_time() - cpu

        module.render = timed_render


def timed(label: str, action, results: list[tuple[str, float, float | None, float | None]]) -> None:
    RENDER_SECONDS.clear()
    RENDER_CPU_SECONDS.clear()
    started = time.perf_counter()
    app = action()
    seconds = time.perf_counter() - started
    if app is not None and app.exception:
        raise SystemExit(f"{label}: the app raised {app.exception[0].value}")
    prefix = label.split(":")[0]
    owner = {"segment": "segment_explorer", "customer 360": "customer_360", "campaign": "campaign_simulator"}.get(prefix)
    results.append((label, seconds, RENDER_SECONDS.get(owner) if owner else None,
                    RENDER_CPU_SECONDS.get(owner) if owner else None))


def interactions(app, profile) -> list[tuple[str, object]]:
    """(label, callable) pairs, in the order a user would click through the three tabs."""
    declining_customer = profile[profile["CUSTOMER_SEGMENT"] == "Declining"]["CUSTOMER_ID"].iloc[0]
    other = profile["CUSTOMER_ID"].iloc[len(profile) // 2]
    ltv = profile["LIFETIME_VALUE"]
    low, high = int(ltv.quantile(0.25)), int(ltv.quantile(0.9))

    def search(text):
        return lambda: app.text_input(key="c360_search").input(text).run()

    def last_30_days():
        dates = app.date_input(key="c360_txn_dates").value
        end = dates[-1]
        return app.date_input(key="c360_txn_dates").set_value((end.replace(day=1), end)).run()

    return [
        ("segment: pick Declining", lambda: app.multiselect(key="seg_segments").set_value(["Declining"]).run()),
        ("segment: add High Risk", lambda: app.multiselect(key="seg_risks").set_value(["High Risk"]).run()),
        ("segment: add state CA", lambda: app.multiselect(key="seg_states").set_value(["CA"]).run()),
        ("segment: card types", lambda: app.multiselect(key="seg_cards").set_value(["Gold", "Premium"]).run()),
        ("segment: LTV range", lambda: app.slider(key="seg_ltv").set_value((low, high)).run()),
        ("segment: clear all filters", lambda: (
            app.multiselect(key="seg_segments").set_value([]), app.multiselect(key="seg_risks").set_value([]),
            app.multiselect(key="seg_states").set_value([]), app.multiselect(key="seg_cards").set_value([]),
        )[-1].run()),
        ("segment: four segments, full LTV range", lambda: (
            app.slider(key="seg_ltv").set_value((app.slider(key="seg_ltv").min, app.slider(key="seg_ltv").max)),
            app.multiselect(key="seg_segments").set_value(app.multiselect(key="seg_segments").options[1:]),
        )[-1].run()),
        ("customer 360: search 'smith'", search("smith")),
        ("customer 360: search an ID (new customer)", search(declining_customer)),
        ("customer 360: search another ID (new)", search(other)),
        ("customer 360: date range", last_30_days),
        ("customer 360: category group", lambda: app.multiselect(key="c360_txn_groups").set_value(
            app.multiselect(key="c360_txn_groups").options[:2]).run()),
        ("customer 360: search by email", lambda: (
            app.selectbox(key="c360_search_by").set_value("Email"), app.text_input(key="c360_search").input("example")
        )[-1].run()),
        ("campaign: segments", lambda: app.multiselect(key="camp_segments").set_value(["Declining", "Budget-Conscious"]).run()),
        ("campaign: every segment", lambda: app.multiselect(key="camp_segments").set_value([]).run()),
        ("campaign: risk", lambda: app.multiselect(key="camp_risks").set_value(
            app.multiselect(key="camp_risks").options[-1:]).run()),
        ("campaign: incentive", lambda: app.number_input(key="camp_incentive").set_value(75.0).run()),
        ("campaign: retention rate", lambda: app.number_input(key="camp_retention").set_value(12.5).run()),
        ("campaign: invalid incentive", lambda: app.number_input(key="camp_incentive").set_value(-5.0).run()),
        ("campaign: valid again", lambda: app.number_input(key="camp_incentive").set_value(40.0).run()),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--home", type=Path, help="local home built by `c360 run` (built here when empty)")
    where.add_argument("--synthetic", type=Path, help="build/reuse the 1,000-customer fixture world in this directory")
    parser.add_argument("--customers", type=int, default=1000, help="customers when building a home (default 1000)")
    args = parser.parse_args()
    home = ensure_home(args).resolve()
    os.environ["C360_HOME"] = str(home)

    import data_access
    import gold_queries
    from streamlit.testing.v1 import AppTest

    load = os.getloadavg()
    print(f"app benchmark over {home} (load average {load[0]:.1f} on {os.cpu_count()} CPUs)")
    results: list[tuple[str, float, float | None, float | None]] = []
    time_tab_renders()
    app = AppTest.from_file(str(ROOT / "streamlit_app" / "streamlit_app.py"), default_timeout=600)
    timed("cold first run (imports, first reads)", app.run, results)
    timed("warm full re-run", app.run, results)
    data = data_access.app_data()
    with data.reading() as session:  # what the interactions pick customers and a range from
        profile = session.table(data.source.name(gold_queries.PROFILE)).select(
            "CUSTOMER_ID", "CUSTOMER_SEGMENT", "LIFETIME_VALUE"
        ).sort("CUSTOMER_ID").to_pandas()
        fact_rows = session.table(data.source.name(gold_queries.FCT_TRANSACTIONS)).count()
    profile = gold_queries.plain_numbers(profile)
    print(f"{len(profile):,} customers, {fact_rows:,} transactions")
    first = len(results)
    for label, action in interactions(app, profile):
        timed(label, action, results)

    # Data access behind Customer 360: a customer's first read (queries on the database) vs the cached one.
    customer = profile["CUSTOMER_ID"].iloc[-1]
    data_access.clear_caches()
    started = time.perf_counter()
    data.customer(customer)
    first_read = time.perf_counter() - started
    started = time.perf_counter()
    data.customer(customer)
    cached_read = time.perf_counter() - started

    # A download is built when it is clicked (Streamlit >= 1.52): every customer of the whole profile.
    from tabs.segment_explorer import LIST_COLUMNS

    build = data.customer_list_export(data_access.CustomerFilter(), LIST_COLUMNS, data_access.BY_LIFETIME_VALUE)
    started = time.perf_counter()
    exported = build()
    download_seconds = time.perf_counter() - started

    print(f"\n  {'interaction':<44} {'full run':>9} {'its tab':>8} {'tab CPU':>8}  target <= {TARGET_SECONDS:.1f} s (its tab)")
    for index, (label, seconds, tab_seconds, tab_cpu) in enumerate(results):
        shown = f"{tab_seconds:>8.3f}" if tab_seconds is not None else f"{'':>8}"
        cpu = f"{tab_cpu:>8.3f}" if tab_cpu is not None else f"{'':>8}"
        verdict = "" if index < first else ("ok" if (tab_seconds or seconds) <= TARGET_SECONDS else "SLOW")
        print(f"  {label:<44} {seconds:>9.3f} {shown} {cpu}  {verdict}")
    full = [seconds for _, seconds, _, _ in results[first:]]
    tab = [tab_seconds for _, _, tab_seconds, _ in results[first:] if tab_seconds is not None]
    print(f"\n  {len(full)} interactions. Full script re-run: median {statistics.median(full):.3f} s, "
          f"max {max(full):.3f} s. Own tab (fragment) re-run: median {statistics.median(tab):.3f} s, "
          f"max {max(tab):.3f} s, over target: {sum(t > TARGET_SECONDS for t in tab)}")
    print(f"  one customer's profile row + card history + transactions: first read {first_read * 1000:.1f} ms, "
          f"cached {cached_read * 1000:.1f} ms")
    print(f"  download of every customer as CSV, built on click: {download_seconds:.3f} s "
          f"({len(exported) / 1e6:.1f} MB)")
    return 0 if max(tab) <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
