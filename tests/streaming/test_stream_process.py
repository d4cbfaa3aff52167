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
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}  # each line as it is printed
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)


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
    deadline = time.monotonic() + 120
    # Its first line says it has assigned the partitions: its tables exist, it consumes from here on.
    started = ""
    while not started.startswith(f"streaming {topic}"):
        started = consumer.stdout.readline()
        assert started or consumer.poll() is None, "c360 stream stopped before it consumed"
        assert time.monotonic() < deadline, "c360 stream did not start"
    feeding = threading.Thread(target=trickle)
    feeding.start()
    time.sleep(1.0)
    os.kill(consumer.pid, signal.SIGKILL)  # no clean-up of any kind: a crash
    consumer.wait(timeout=30)
    feeding.join()

    session = engine.reader_session(home)  # the killed process holds nothing any more
    try:
        landed = session.table("C360.BRONZE.RAW_TRANSACTIONS_STREAM").count()
    finally:
        session.close()
    # The restart reads exactly what the killed process had not committed (a bound, not a wait on timing).
    restarted = _c360(home, broker.bootstrap_servers, topic, "--max-events", str(EVENTS - landed), "--max-seconds", "120")
    output, _ = restarted.communicate(timeout=300)
    assert f"{EVENTS - landed:,} events = {EVENTS - landed:,} accepted" in " ".join(output.split()), output
    assert restarted.returncode == 0, output
    session = engine.reader_session(home)
    try:
        stream = session.table("C360.BRONZE.RAW_TRANSACTIONS_STREAM").to_pandas()
    finally:
        session.close()
    assert len(stream) == EVENTS and not stream["TRANSACTION_ID"].duplicated().any(), output
    for _partition, rows in stream.groupby("_PARTITION"):
        assert sorted(rows["_OFFSET"]) == list(range(len(rows)))
