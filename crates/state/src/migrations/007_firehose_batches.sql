-- Firehose delivery outside the store thread: a stream's buffer is leased to one batch in
-- flight at a time; Kinesis-source metadata of buffered records (filled by a stream source).
ALTER TABLE fh_streams ADD COLUMN lease_id INTEGER NOT NULL DEFAULT 0;  -- +1 per batch taken
ALTER TABLE fh_streams ADD COLUMN lease_until INTEGER;     -- a batch is in flight until then (ms)
ALTER TABLE fh_streams ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0; -- failed attempts of the pending batch
ALTER TABLE fh_streams ADD COLUMN first_attempt_ms INTEGER; -- first attempt of the pending batch
ALTER TABLE fh_streams ADD COLUMN retry_last_id INTEGER;   -- last buffer row of a batch to retry as it was

ALTER TABLE fh_buffer ADD COLUMN shard_id TEXT;
ALTER TABLE fh_buffer ADD COLUMN partition_key TEXT;
ALTER TABLE fh_buffer ADD COLUMN sequence_number TEXT;
ALTER TABLE fh_buffer ADD COLUMN subsequence_number INTEGER;
ALTER TABLE fh_buffer ADD COLUMN approx_arrival_ms INTEGER;
