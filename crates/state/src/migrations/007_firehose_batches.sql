-- PLACEHOLDER on branch `source`: the Kinesis-source columns of helper core's
-- 007_firehose_batches.sql (same names), so this branch builds and tests alone.
-- When merging, take core's 007_firehose_batches.sql: it is a superset of this file.
ALTER TABLE fh_buffer ADD COLUMN shard_id TEXT;
ALTER TABLE fh_buffer ADD COLUMN partition_key TEXT;
ALTER TABLE fh_buffer ADD COLUMN sequence_number TEXT;
ALTER TABLE fh_buffer ADD COLUMN subsequence_number INTEGER;
ALTER TABLE fh_buffer ADD COLUMN approx_arrival_ms INTEGER;
