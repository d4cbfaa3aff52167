"""c360: a Customer 360 analytics pipeline for Snowflake, in Snowpark Python."""

__version__ = "0.1.0"
