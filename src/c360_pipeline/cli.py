"""The `c360` command: generate data, run the pipeline, ask questions, start the app, deploy."""

from __future__ import annotations

import argparse
import gc
import json
import shlex
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from rich.console import Console

from c360_pipeline.config import DEFAULT_CUSTOMERS, ConfigError, PipelineConfig

console = Console()


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in YYYY-MM-DD form") from None


def _add_config_options(parser: argparse.ArgumentParser, *, data: bool = True) -> None:
    parser.add_argument("--home", type=Path, help="local home directory (default: $C360_HOME or .c360)")
    parser.add_argument("--engine", choices=["local", "snowflake"], help="where the pipeline runs (default: local)")
    parser.add_argument("--connection", help="Snowflake connection name from ~/.snowflake/connections.toml")
    if data:
        parser.add_argument("--customers", type=int, help=f"customers to generate (default: {DEFAULT_CUSTOMERS})")
        parser.add_argument("--seed", type=int, help="random seed (default: 42)")
        parser.add_argument("--as-of", type=_date, dest="as_of", help="the run's as-of date (default: last day of the data)")
        parser.add_argument("--dirty-rate", type=float, dest="dirty_rate", help="share of dirty raw records (default: 0.01)")


def _config(args: argparse.Namespace, **extra: object) -> PipelineConfig:
    settings = {
        key: getattr(args, key, None)
        for key in ("home", "engine", "connection", "customers", "seed", "as_of", "dirty_rate")
    }
    settings.update(extra)
    return PipelineConfig.build(**settings)


# --- generate ------------------------------------------------------------------------------------

def cmd_generate(args: argparse.Namespace) -> int:
    from c360_pipeline.orchestration.runlock import home_of_raw_dir

    if args.days is not None:
        if args.source is None:
            raise ConfigError("setting 'days' needs --from DIR: the generated world to extend")
        into = args.out if args.out is not None else args.source
    else:
        if args.out is None:
            raise ConfigError("setting 'out' is required: --out DIR (where the raw files go)")
        into = args.out
    home = home_of_raw_dir(into)  # new raw files in a home's raw directory: a writer of that home
    if home is None:
        return _generate(args)
    with _writing(home, args):
        return _generate(args)


def _generate(args: argparse.Namespace) -> int:
    from c360_pipeline import generator

    if args.days is not None:
        summary = generator.continue_world(args.source, days=args.days, out_dir=args.out)
    else:
        summary = generator.generate_world(
            args.out,
            customers=args.customers if args.customers is not None else DEFAULT_CUSTOMERS,
            seed=args.seed if args.seed is not None else 42,
            as_of=args.as_of,
            fmt=args.format,
            dirty_rate=args.dirty_rate if args.dirty_rate is not None else 0.01,
        )
    console.print(
        f"[green]wrote[/] {summary.customers:,} customers ({summary.customer_records:,} records), "
        f"{summary.transactions:,} transactions, {len(summary.files)} files to {summary.out_dir} "
        f"({summary.first_date} → {summary.as_of}) in {summary.seconds:.1f} s"
    )
    if summary.dirt:
        console.print("dirty records: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.dirt.items()) if v))
    return 0


# --- run -----------------------------------------------------------------------------------------

def prepare_raw_data(cfg: PipelineConfig) -> PipelineConfig:
    """Generate the world for the requested scale and seed unless the user brings files; settle as_of."""
    from c360_pipeline import generator

    if cfg.source is not None:
        if not cfg.source.is_dir():
            raise ConfigError(f"setting 'source' = {str(cfg.source)!r} is not a directory of raw files")
        manifest_as_of = _manifest_as_of(cfg.source)
        if cfg.as_of is None:
            as_of = manifest_as_of or _as_of_from_batches(cfg.source)
            if as_of is None:
                raise ConfigError(
                    "setting 'as_of' is required for raw files without a manifest: pass --as-of YYYY-MM-DD "
                    "(the last day the data covers)"
                )
            cfg = cfg.model_copy(update={"as_of": as_of})
        return cfg
    raw = cfg.home / "raw"
    wanted = {"customers": cfg.customers, "seed": cfg.seed, "dirty_rate": cfg.dirty_rate}
    if (raw / "manifest.json").exists():
        manifest = generator.read_manifest(raw)
        parameters = manifest.get("parameters", {})
        held = {key: parameters.get(key) for key in wanted}
        if held != wanted:
            raise ConfigError(
                f"home {cfg.home} already holds data generated with {held}; this run asks for {wanted}. "
                "Use another --home, or `c360 clean --home DIR` first"
            )
    else:
        with console.status(f"generating {cfg.customers:,} customers (seed {cfg.seed}) into {raw}"):
            summary = generator.generate_world(
                raw, customers=cfg.customers, seed=cfg.seed, as_of=cfg.as_of, dirty_rate=cfg.dirty_rate
            )
        console.print(
            f"generated {summary.customers:,} customers and {summary.transactions:,} transactions "
            f"({summary.first_date} → {summary.as_of}) in {summary.seconds:.1f} s"
        )
    if cfg.as_of is None:
        cfg = cfg.model_copy(update={"as_of": _manifest_as_of(raw)})
    return cfg


def _held_world(cfg: PipelineConfig, args: argparse.Namespace) -> PipelineConfig:
    """The generated world a home holds, for the settings not given: `c360 run --days 1` on a home built with
    --customers 50000 continues that world instead of asking for the default scale."""
    from c360_pipeline import generator

    raw = cfg.home / "raw"
    if cfg.source is not None or not (raw / "manifest.json").exists():
        return cfg
    parameters = generator.read_manifest(raw).get("parameters", {})
    held = {key: parameters[key] for key in ("customers", "seed", "dirty_rate")
            if getattr(args, key, None) is None and parameters.get(key) is not None}
    return cfg.model_copy(update=held) if held else cfg


def _manifest_as_of(directory: Path) -> date | None:
    path = directory / "manifest.json"
    if not path.exists():
        return None
    value = json.loads(path.read_text()).get("as_of")
    return date.fromisoformat(value) if value else None


def _as_of_from_batches(directory: Path) -> date | None:
    from c360_pipeline.steps.ingest import batch_id_of, discover_files

    found = []
    for path in discover_files(directory):
        try:
            found.append(date(int(batch_id_of(path)[:4]), int(batch_id_of(path)[4:6]), int(batch_id_of(path)[6:8])))
        except ValueError:
            continue
    return max(found) if found else None


def cmd_run(args: argparse.Namespace) -> int:
    cfg = _held_world(_config(args, source=args.source, retrain=True if args.retrain else None), args)
    with _writing(cfg.home, args):
        return _run(args, cfg)


@contextmanager
def _writing(home: Path, args: argparse.Namespace) -> Iterator[None]:
    """The home's run lock for a command that writes it: one writer per home, a stale lock cleared and said so."""
    from c360_pipeline.orchestration.runlock import RunLock

    with RunLock(home, getattr(args, "command_line", None)) as lock:
        if lock.stale is not None:
            console.print(f"[yellow]cleared a stale run lock[/] left by a c360 process that stopped without "
                          f"finishing ({lock.stale.describe()}); every step is idempotent, so this run takes up its work")
        yield


def _run(args: argparse.Namespace, cfg: PipelineConfig) -> int:
    from c360_pipeline.engine.sessions import create_session
    from c360_pipeline.orchestration import runner
    from c360_pipeline.steps.ingest import land_directory

    if args.days and cfg.source is not None:
        raise ConfigError("setting 'days' simulates nightly runs on generated data; it cannot extend --source files")
    cfg = prepare_raw_data(cfg)
    session = create_session(cfg)
    try:
        if args.days:  # each simulated night lands its new files, then runs the DAG
            summary = runner.run_nightly(cfg, days=args.days, console=console, session=session)
        else:
            # The client lands the raw files; the DAG's ingest step finds the new ones on the stage.
            console.print(land_directory(session, cfg).summary(), highlight=False)
            summary = runner.run_pipeline(cfg, only=args.only, from_step=args.from_step, console=console,
                                          session=session)
    finally:
        session.close()
    return 0 if summary.ok else 1


def cmd_load(args: argparse.Namespace) -> int:
    """Land a directory's raw files on the landing stage; the next run's ingest_bronze loads the new ones."""
    from c360_pipeline.engine.sessions import create_session
    from c360_pipeline.steps.ingest import land_directory

    cfg = _config(args)
    if not args.directory.is_dir():
        raise ConfigError(f"setting 'directory' = {str(args.directory)!r} is not a directory of raw files")
    with _writing(cfg.home, args):
        session = create_session(cfg)
        try:
            report = land_directory(session, cfg, args.directory)
        finally:
            session.close()
    console.print(report.summary(), highlight=False)
    if not report.landed and not report.already_landed:
        console.print(f"[red]error:[/] no raw files in {args.directory}: name them customers_<BATCH>.csv|parquet "
                      "and transactions_<BATCH>[_<PART>].csv|parquet")
        return 2
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    cfg = _config(args)
    if cfg.home.exists():
        with _writing(cfg.home, args):  # never from under a run
            shutil.rmtree(cfg.home)
        console.print(f"removed {cfg.home}")
    else:
        console.print(f"nothing to remove at {cfg.home}")
    return 0


# --- other commands ------------------------------------------------------------------------------

def cmd_ask(args: argparse.Namespace) -> int:
    from c360_pipeline.semantic.assistant import ask_command, ask_interactive

    if args.interactive or args.question is None:
        return ask_interactive(_config(args), args.json, console)
    return ask_command(args.question, _config(args), args.json, console)


def cmd_app(args: argparse.Namespace) -> int:
    from c360_pipeline.app_launcher import launch_app

    return launch_app(_config(args).home, args.port)


def cmd_dag(args: argparse.Namespace) -> int:
    from c360_pipeline.orchestration import dag

    print(dag.render_mermaid() if args.mermaid else dag.render_text())
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    from c360_pipeline.deploy import deploy

    cfg = _config(args, engine="snowflake")
    plan = deploy(cfg, dry_run=args.dry_run, console=console)
    return 0 if plan.ok else 1


def cmd_model_card(args: argparse.Namespace) -> int:
    from c360_pipeline.engine.sessions import create_session
    from c360_pipeline.ml.model_card import write_model_card

    cfg = _config(args)
    path = write_model_card(create_session(cfg), cfg, args.out)
    console.print(f"wrote {path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write every table of a schema (or all four) to OUT_DIR/<SCHEMA>/<TABLE>.<parquet|csv>, read-only."""
    from c360_pipeline import engine

    cfg = _config(args)
    database = engine.database_file(cfg.home, cfg.database)
    if not database.exists():
        console.print(f"[red]error:[/] no local database at {database}; run `c360 run --home {cfg.home}` first")
        return 2
    layers = ["BRONZE", "SILVER", "GOLD", "OPS"] if args.schema == "ALL" else [args.schema]
    try:
        session = engine.reader_session(cfg.home, cfg.database)
    except engine.DatabaseBusy as busy:
        console.print(f"[yellow]database busy:[/] {busy}")
        return 3
    written = 0
    try:
        shown = session.sql(f"SHOW TABLES IN DATABASE {cfg.database}").collect()
        for layer in layers:
            schema = cfg.schema(layer).split(".")[-1]
            names = sorted(row["name"] for row in shown if str(row["schema_name"]).upper() == schema.upper())
            if not names:
                console.print(f"{cfg.database}.{schema}: no tables")
                continue
            folder = args.out / schema
            folder.mkdir(parents=True, exist_ok=True)
            for name in names:
                frame = session.table(f"{cfg.database}.{schema}.{name}").to_pandas()
                path = folder / f"{name}.{args.format}"
                if args.format == "parquet":
                    frame.to_parquet(path, index=False)
                else:
                    frame.to_csv(path, index=False)
                written += 1
                console.print(f"  {cfg.database}.{schema}.{name}: {len(frame):,} rows → {path}")
    finally:
        session.close()
    console.print(f"[green]exported[/] {written} table(s) from {database} to {args.out}")
    return 0


def cmd_stream(args: argparse.Namespace) -> int:
    from c360_pipeline.streaming.commands import StreamOptions, stream_command
    from c360_pipeline.streaming.consumer import StreamError

    cfg = _config(args)
    options = StreamOptions(bootstrap_servers=args.bootstrap_servers, topic=args.topic, demo=args.demo, rate=args.rate,
                            max_events=args.max_events, max_seconds=args.max_seconds, idle_seconds=args.idle_seconds)
    try:
        if cfg.engine != "local":
            return stream_command(cfg, options, console)
        with _writing(cfg.home, args):  # the consumer is the local database's writer while it runs
            return stream_command(cfg, options, console)
    except StreamError as error:
        console.print(f"[red]error:[/] {error}")
        return 2


def cmd_produce(args: argparse.Namespace) -> int:
    from c360_pipeline.streaming.commands import produce_command

    raw = args.source if args.source is not None else _config(args).home / "raw"
    return produce_command(raw, args.bootstrap_servers, args.topic, args.rate, args.batch, args.limit, args.live, console)


def cmd_refresh(args: argparse.Namespace) -> int:
    from c360_pipeline.streaming.commands import refresh_command

    cfg = _config(args)
    if cfg.engine != "local":
        return refresh_command(cfg, args.full, console)
    with _writing(cfg.home, args):
        return refresh_command(cfg, args.full, console)


def cmd_bench(args: argparse.Namespace) -> int:
    from c360_pipeline.benchmarks import run_benchmarks

    return run_benchmarks(args.which, args.home, console, args.extra)


# --- parser --------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="c360",
        description="Customer 360 analytics pipeline for Snowflake (Snowpark Python), local or on an account.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser("generate", help="write realistic raw customer and transaction files")
    generate.add_argument("--customers", type=int, help=f"number of customers (default: {DEFAULT_CUSTOMERS})")
    generate.add_argument("--seed", type=int, help="random seed (default: 42)")
    generate.add_argument("--as-of", type=_date, dest="as_of", help="last day of the data (default: 2025-06-30)")
    generate.add_argument("--out", type=Path, help="output directory")
    generate.add_argument("--format", choices=["csv", "parquet"], default="csv", help="file format (default: csv)")
    generate.add_argument("--dirty-rate", type=float, dest="dirty_rate", help="share of dirty records (default: 0.01)")
    generate.add_argument("--days", type=int, help="extend an existing world (--from DIR) by N days")
    generate.add_argument("--from", type=Path, dest="source", help="the generated world to extend")
    generate.set_defaults(handler=cmd_generate)

    load = commands.add_parser("load", help="land a directory's raw files on the landing stage (ingest loads them)")
    _add_config_options(load, data=False)
    load.add_argument("directory", type=Path, metavar="DIR", help="directory of raw CSV/Parquet files")
    load.set_defaults(handler=cmd_load)

    run = commands.add_parser("run", help="run the pipeline end to end (generates data unless --source is given)")
    _add_config_options(run)
    run.add_argument("--source", type=Path, help="directory of your own raw CSV/Parquet files")
    run.add_argument("--only", metavar="STEP", help="run one step")
    run.add_argument("--from", dest="from_step", metavar="STEP", help="run this step and everything after it")
    run.add_argument("--days", type=int, help="simulate N nightly runs, extending the data one day at a time")
    run.add_argument("--retrain", action="store_true", help="retrain the churn model even if it is recent")
    run.set_defaults(handler=cmd_run)

    ask = commands.add_parser("ask", help="ask a question in plain English about the built tables")
    ask.add_argument("question", nargs="?", help="the question; without it (or with --interactive) a prompt asks many")
    ask.add_argument("--interactive", action="store_true",
                     help="ask many questions over one read-only session (an empty line or 'exit' ends)")
    _add_config_options(ask, data=False)
    ask.add_argument("--json", action="store_true", help="print JSON (sql, columns, rows, interpretation)")
    ask.set_defaults(handler=cmd_ask)

    app = commands.add_parser("app", help="start the Streamlit app over the local database")
    _add_config_options(app, data=False)
    app.add_argument("--port", type=int, help="port (default: Streamlit's)")
    app.set_defaults(handler=cmd_app)

    dag = commands.add_parser("dag", help="print the pipeline DAG")
    dag.add_argument("--mermaid", action="store_true", help="print a Mermaid diagram")
    dag.set_defaults(handler=cmd_dag)

    deploy = commands.add_parser("deploy", help="deploy SQL, procedures, the task DAG and the app to Snowflake")
    _add_config_options(deploy, data=False)
    deploy.add_argument("--dry-run", action="store_true", help="print every statement and object without connecting")
    deploy.set_defaults(handler=cmd_deploy)

    card = commands.add_parser("model-card", help="write docs/ml_model_card.md from GOLD.CHURN_MODEL_METRICS")
    _add_config_options(card, data=False)
    card.add_argument("--out", type=Path, default=Path("docs/ml_model_card.md"), help="output file")
    card.set_defaults(handler=cmd_model_card)

    export = commands.add_parser("export", help="write the local database's tables to Parquet or CSV files")
    export.add_argument("--home", type=Path, help="local home directory (default: $C360_HOME or .c360)")
    export.add_argument("--schema", type=str.upper, choices=["GOLD", "SILVER", "BRONZE", "OPS", "ALL"], default="GOLD",
                        help="schema to export, or ALL (default: GOLD)")
    export.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="file format (default: parquet)")
    export.add_argument("out", type=Path, metavar="OUT_DIR", help="directory to write OUT_DIR/<SCHEMA>/<TABLE>.<ext> into")
    export.set_defaults(handler=cmd_export)

    from c360_pipeline.streaming import DEFAULT_TOPIC

    stream = commands.add_parser("stream", help="consume transaction events from Kafka into BRONZE.RAW_TRANSACTIONS_STREAM")
    _add_config_options(stream, data=False)
    stream.add_argument("--bootstrap-servers", dest="bootstrap_servers", help="Kafka brokers, HOST:PORT[,HOST:PORT]")
    stream.add_argument("--demo", action="store_true",
                        help="local demo: an in-process broker fed with the world's next day of transactions")
    stream.add_argument("--topic", default=DEFAULT_TOPIC, help=f"topic (default: {DEFAULT_TOPIC})")
    stream.add_argument("--rate", type=float, default=1000.0, help="demo: events per second published (default: 1000)")
    stream.add_argument("--max-events", type=int, dest="max_events", help="stop after N events")
    stream.add_argument("--max-seconds", type=float, dest="max_seconds", help="stop after N seconds")
    stream.add_argument("--idle-seconds", type=float, dest="idle_seconds", help="stop when nothing arrives for N seconds")
    stream.set_defaults(handler=cmd_stream)

    produce = commands.add_parser("produce", help="publish a generated world's transactions as Kafka events")
    produce.add_argument("--home", type=Path, help="local home directory (default: $C360_HOME or .c360)")
    produce.add_argument("--from", type=Path, dest="source", help="raw directory of the world (default: HOME/raw)")
    produce.add_argument("--bootstrap-servers", dest="bootstrap_servers", required=True, help="Kafka brokers, HOST:PORT")
    produce.add_argument("--topic", default=DEFAULT_TOPIC, help=f"topic (default: {DEFAULT_TOPIC})")
    produce.add_argument("--rate", type=float, help="events per second (default: as fast as the broker takes them)")
    produce.add_argument("--batch", help="the batch to publish (default: the latest)")
    produce.add_argument("--limit", type=int, help="publish at most N events")
    produce.add_argument("--live", action="store_true", help="stamp each event's transaction_date with the moment it is sent")
    produce.set_defaults(handler=cmd_produce)

    refresh = commands.add_parser("refresh", help="refresh GOLD.DT_CUSTOMER_DAILY_SPEND now (incrementally)")
    _add_config_options(refresh, data=False)
    refresh.add_argument("--full", action="store_true", help="recompute the whole table")
    refresh.set_defaults(handler=cmd_refresh)

    bench = commands.add_parser("bench", help="run the shipped benchmarks and print their figures")
    bench.add_argument("which", nargs="?", default="all", help="generate | core | dag | marts | app | assistant | stream | all")
    bench.add_argument("--home", type=Path, help="home to benchmark in (default: a temporary directory)")
    bench.add_argument("extra", nargs=argparse.REMAINDER, help="options passed to the benchmark (e.g. --customers 500)")
    bench.set_defaults(handler=cmd_bench)

    clean = commands.add_parser("clean", help="remove the local home (generated data, warehouse, models)")
    _add_config_options(clean, data=False)
    clean.set_defaults(handler=cmd_clean)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # As typed, for the run lock's holder details.
    args.command_line = shlex.join(["c360", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.handler(args) or 0)
    except ConfigError as error:
        console.print(f"[red]configuration error:[/] {error}")
        return 2
    except Exception as error:  # the last line of defence: a clear message, the trace only on request
        from c360_pipeline import engine
        from c360_pipeline.engine.sessions import ConnectionProblem
        from c360_pipeline.engine.warehouse import TableMissing

        if isinstance(error, engine.DatabaseBusy):
            console.print(f"[red]busy:[/] {error}; wait for it to finish (one run at a time per home)")
            return 3
        if isinstance(error, (ConnectionProblem, TableMissing, FileNotFoundError, ValueError, engine.DatabaseUnavailable)):
            console.print(f"[red]error:[/] {error}")
            return 2
        raise


def entry() -> None:
    """The `c360` command's process: `main`, with the cyclic garbage collector set for a short-lived process.

    Snowpark and sqlglot (under fakesnow) allocate millions of short-lived objects per run, so CPython's
    default first-generation threshold (700 allocations) ran the collector ~900 times in a 1,000-customer
    nightly run, 0.6 s of its ~6 s; and at exit the interpreter's final collections over everything still
    alive took another 0.5 s. A larger threshold keeps collections for real garbage; freezing the
    survivors before exit lets the process end without tracing them (the memory goes back with the process;
    every file and connection is closed by then). `main` itself, as tests call it in-process, changes nothing.
    """
    gc.set_threshold(10_000, 10, 10)
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
