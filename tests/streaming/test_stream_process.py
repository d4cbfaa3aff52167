"""`c360 stream` as a real process against the mock broker: killed with SIGKILL mid-stream, then started again,
every event is in the stream table once. Where the kill lands does not change what is asserted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from stream_fixtures import transaction

from c360_pipeline import engine
from c360_pipeline.streaming.events import encode_event

EVENTS = 600


def _c360(home: Path, servers: str, topic: str, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "c360_pipeline.cli", "stream", "--home", str(home), "--bootstrap-servers", servers,
               "--topic", topic, *options]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_killed_stream_process_restarts_exactly_once(broker, tmp_path):
    home = tmp_path / "home"
    topic = broker.new_topic()
    events = [(f"CUST{n % 13:08d}", encode_event(transaction(n, n % 13))) for n in range(EVENTS)]
    broker.produce(topic, events[:50])  # the topic exists before the consumer starts

    def trickle() -> None:  # the rest arrives while the consumer runs: it commits many small batches
        for start in range(50, EVENTS, 25):
            broker.produce(topic, events[start:start + 25])
            time.sleep(0.05)

    consumer = _c360(home, broker.bootstrap_servers, topic)
    database = engine.database_file(home)
    deadline = time.monotonic() + 120
    while not database.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    feeding = threading.Thread(target=trickle)
    feeding.start()
    time.sleep(1.0)
    os.kill(consumer.pid, signal.SIGKILL)  # no clean-up of any kind: a crash
    consumer.wait(timeout=30)
    feeding.join()

    restarted = _c360(home, broker.bootstrap_servers, topic, "--idle-seconds", "3")
    output, _ = restarted.communicate(timeout=300)
    assert restarted.returncode == 0, output
    session = engine.reader_session(home)
    try:
        stream = session.table("C360.BRONZE.RAW_TRANSACTIONS_STREAM").to_pandas()
    finally:
        session.close()
    assert len(stream) == EVENTS and not stream["TRANSACTION_ID"].duplicated().any(), output
    for _partition, rows in stream.groupby("_PARTITION"):
        assert sorted(rows["_OFFSET"]) == list(range(len(rows)))
