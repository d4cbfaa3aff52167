"""Streaming ingest: card-transaction events from Kafka into BRONZE.RAW_TRANSACTIONS_STREAM within seconds.

- `events`: the event (the transactions file's fields, as JSON), the stream table and the validation of
  a batch of events with the batch path's own silver rules (`transforms.silver`);
- `sinks`: the `Sink` contract (rows + per-channel offset tokens, committed together) and its two
  implementations, `LocalSink` (the local engine) and `SnowpipeStreamingSink` (the Snowpipe Streaming SDK);
- `consumer`: `c360 stream` (confluent-kafka): resumes each partition after its committed token;
- `producer`: `c360 produce`: a generated world's transactions as events, at a chosen rate;
- `daily_spend`: the dynamic table GOLD.DT_CUSTOMER_DAILY_SPEND (its query, target lag, Snowflake resource);
- `promote`: the nightly hook that hands streamed rows to stage_silver, so one dedupe serves both paths.
"""

DEFAULT_TOPIC = "c360.transactions"  # the Kafka topic of transaction events (a plain constant: `c360 --help` reads it)
