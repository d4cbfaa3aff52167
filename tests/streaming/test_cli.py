"""`c360 produce`, `c360 stream` and `c360 refresh` from the command line, against the mock broker."""

from __future__ import annotations

from datetime import date

import pytest

from c360_pipeline import engine
from c360_pipeline.cli import main


def test_stream_without_a_broker_names_the_option(tmp_path, capsys):
    assert main(["stream", "--home", str(tmp_path / "home")]) == 2
    assert "--bootstrap-servers HOST:PORT (or --demo)" in " ".join(capsys.readouterr().out.split())


def test_refresh_before_the_pipeline_ran_says_what_to_run(tmp_path, capsys):
    assert main(["refresh", "--home", str(tmp_path / "home")]) == 2
    said = " ".join(capsys.readouterr().out.split())
    assert "reads C360.GOLD.FCT_TRANSACTIONS, C360.BRONZE.RAW_TRANSACTIONS_STREAM, not built yet: run the pipeline (`c360 run`)" in said


def test_produce_then_stream_puts_a_worlds_latest_batch_in_the_stream_table(broker, tmp_path, capsys):
    from c360_pipeline.generator import generate_world

    world = tmp_path / "raw"
    generate_world(world, customers=8, seed=5, as_of=date(2025, 6, 30), dirty_rate=0.0)
    topic = broker.new_topic()
    assert main(["produce", "--from", str(world), "--bootstrap-servers", broker.bootstrap_servers,
                 "--topic", topic, "--limit", "40", "--rate", "400"]) == 0
    assert "published 40 events" in " ".join(capsys.readouterr().out.split())
    home = tmp_path / "home"
    assert main(["stream", "--home", str(home), "--bootstrap-servers", broker.bootstrap_servers, "--topic", topic,
                 "--max-events", "40", "--max-seconds", "60"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "40 events = 40 accepted + 0 refused" in out
    session = engine.reader_session(home)
    try:
        stream = session.table("C360.BRONZE.RAW_TRANSACTIONS_STREAM").to_pandas()
    finally:
        session.close()
    assert len(stream) == 40 and stream["TRANSACTION_ID"].is_unique
    # Each customer's events are on one partition (keyed by customer id), so their order is kept.
    assert (stream.groupby("CUSTOMER_ID")["_PARTITION"].nunique() == 1).all()


@pytest.mark.parametrize("command", ["stream", "produce", "refresh"])
def test_each_streaming_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0 and command in capsys.readouterr().out
