-- Firehose delivery streams that read a Kinesis data stream (KinesisStreamAsSource).
-- (The Kinesis metadata of buffered records is in fh_buffer since 007.)

-- Where a delivery stream stands in one shard of its source: the next counter to read.
-- Shards without a row start at their beginning (children created after the delivery stream).
CREATE TABLE fh_source_shards (
    stream   INTEGER NOT NULL REFERENCES fh_streams(id) ON DELETE CASCADE,
    shard    INTEGER NOT NULL,            -- shards.id
    next_seq INTEGER NOT NULL,
    done     INTEGER NOT NULL DEFAULT 0,  -- a closed shard read to its end
    PRIMARY KEY (stream, shard)
) WITHOUT ROWID;
