-- SQS: indexes for ReceiveMessage (in-flight and delayed messages by queue, the messages of
-- one FIFO group in order) and for the upkeep's trims of the deduplication window and of
-- receive attempts; the names of recently deleted queues (QueueDeletedRecently).
CREATE INDEX sqs_messages_by_visibility ON sqs_messages(queue, visible_ms);
CREATE INDEX sqs_messages_by_group ON sqs_messages(queue, group_id, id);
CREATE INDEX sqs_dedup_by_expiry ON sqs_dedup(expires_ms);
CREATE INDEX sqs_receive_attempts_by_expiry ON sqs_receive_attempts(expires_ms);

CREATE TABLE sqs_deleted_queues (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    deleted_ms  INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
