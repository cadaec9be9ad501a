-- Firehose delivery streams that read a Kinesis data stream (KinesisStreamAsSource).

-- Kinesis metadata of buffered records that came from a source stream (NULL for DirectPut).
ALTER TABLE fh_buffer ADD COLUMN k_shard      TEXT;     -- shardId-000000000001
ALTER TABLE fh_buffer ADD COLUMN k_pkey       TEXT;     -- partition key (of the KPL user record)
ALTER TABLE fh_buffer ADD COLUMN k_seq        TEXT;     -- sequence number
ALTER TABLE fh_buffer ADD COLUMN k_subseq     INTEGER;  -- KPL subsequence number; NULL: not aggregated
ALTER TABLE fh_buffer ADD COLUMN k_arrival_ms INTEGER;  -- Kinesis ApproximateArrivalTimestamp (ms)

-- Where a delivery stream stands in one shard of its source: the next counter to read.
-- Shards without a row start at their beginning (children created after the delivery stream).
CREATE TABLE fh_source_shards (
    stream   INTEGER NOT NULL REFERENCES fh_streams(id) ON DELETE CASCADE,
    shard    INTEGER NOT NULL,            -- shards.id
    next_seq INTEGER NOT NULL,
    done     INTEGER NOT NULL DEFAULT 0,  -- a closed shard read to its end
    PRIMARY KEY (stream, shard)
) WITHOUT ROWID;
