"""A real Kafka broker for the streaming tests: librdkafka's mock cluster, listening on 127.0.0.1."""

from __future__ import annotations

import pytest
from stream_fixtures import MockBroker


@pytest.fixture(scope="session")
def broker() -> MockBroker:
    return MockBroker()
