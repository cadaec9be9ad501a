-- Firehose's buffer in one b-tree: `fh_records` replaces `fh_buffer`, whose AUTOINCREMENT key
-- wrote `sqlite_sequence` on every row and whose index `(stream, id)` was a second b-tree
-- insert. Ids come from the stream's `buf_next_id` (reserved per put), so they keep
-- increasing per stream across restarts and emptied buffers, as AUTOINCREMENT's did; records
-- buffered by an earlier build keep their ids (and order). No foreign key: `purge` deletes a
-- stream's records with it (a per-row parent lookup on every insert otherwise).
ALTER TABLE fh_streams ADD COLUMN buf_next_id INTEGER NOT NULL DEFAULT 1;
UPDATE fh_streams SET buf_next_id = 1 + COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'fh_buffer'), 0);
-- Accepted records not yet delivered, in arrival order per stream; the Kinesis metadata of
-- records read from a stream source.
CREATE TABLE fh_records (
    stream     INTEGER NOT NULL,           -- fh_streams.id
    id         INTEGER NOT NULL,           -- from fh_streams.buf_next_id, increasing
    arrival_ms INTEGER NOT NULL,
    shard_id   TEXT,
    partition_key TEXT,
    sequence_number TEXT,
    subsequence_number INTEGER,
    approx_arrival_ms INTEGER,
    data       BLOB NOT NULL,
    PRIMARY KEY (stream, id)
) WITHOUT ROWID;
INSERT INTO fh_records(stream, id, arrival_ms, shard_id, partition_key, sequence_number, subsequence_number,
                       approx_arrival_ms, data)
    SELECT stream, id, arrival_ms, shard_id, partition_key, sequence_number, subsequence_number, approx_arrival_ms, data
    FROM fh_buffer;
DROP TABLE fh_buffer;
