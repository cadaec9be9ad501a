-- Amazon SQS: queues, messages, the FIFO deduplication window, receive attempts, message move
-- tasks and the names of recently deleted queues (QueueDeletedRecently).
CREATE TABLE sqs_queues (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    fifo        INTEGER NOT NULL,
    attributes  TEXT NOT NULL,               -- JSON map of the attributes set explicitly
    tags        TEXT NOT NULL DEFAULT '{}',  -- JSON map
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    purged_ms   INTEGER,                     -- last PurgeQueue
    last_seq    INTEGER NOT NULL DEFAULT 0,  -- FIFO sequence number counter
    UNIQUE (account, region, name)
);

CREATE TABLE sqs_messages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT, -- enqueue order
    queue         INTEGER NOT NULL REFERENCES sqs_queues(id) ON DELETE CASCADE,
    message_id    TEXT NOT NULL,
    body          TEXT NOT NULL,
    attributes    TEXT,                      -- JSON message attributes, if any
    md5_body      TEXT NOT NULL,
    md5_attrs     TEXT,
    trace_header  TEXT,                      -- AWSTraceHeader system attribute
    group_id      TEXT,
    dedup_id      TEXT,
    seq           TEXT,                      -- FIFO sequence number
    sender        TEXT NOT NULL,
    sent_ms       INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL,          -- end of retention
    visible_ms    INTEGER NOT NULL,          -- end of delay or of visibility timeout
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_receive_ms INTEGER,
    receipt       INTEGER NOT NULL DEFAULT 0, -- nonce of the current receipt handle
    dlq_source    TEXT                       -- DeadLetterQueueSourceArn
);
CREATE INDEX sqs_messages_by_queue ON sqs_messages(queue, id);
CREATE INDEX sqs_messages_by_expiry ON sqs_messages(expires_ms);
-- ReceiveMessage: in-flight and delayed messages by queue, the messages of one FIFO group in order.
CREATE INDEX sqs_messages_by_visibility ON sqs_messages(queue, visible_ms);
CREATE INDEX sqs_messages_by_group ON sqs_messages(queue, group_id, id);

CREATE TABLE sqs_dedup (
    queue       INTEGER NOT NULL REFERENCES sqs_queues(id) ON DELETE CASCADE,
    scope       TEXT NOT NULL,               -- '' or the message group (messageGroup scope)
    dedup_id    TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    seq         TEXT,
    md5_attrs   TEXT,
    expires_ms  INTEGER NOT NULL,
    PRIMARY KEY (queue, scope, dedup_id)
) WITHOUT ROWID;
CREATE INDEX sqs_dedup_by_expiry ON sqs_dedup(expires_ms);

CREATE TABLE sqs_receive_attempts (
    queue       INTEGER NOT NULL REFERENCES sqs_queues(id) ON DELETE CASCADE,
    attempt_id  TEXT NOT NULL,
    messages    TEXT NOT NULL,               -- JSON [[row id, receipt nonce], ...]
    expires_ms  INTEGER NOT NULL,
    PRIMARY KEY (queue, attempt_id)
) WITHOUT ROWID;
CREATE INDEX sqs_receive_attempts_by_expiry ON sqs_receive_attempts(expires_ms);

CREATE TABLE sqs_move_tasks (
    handle      TEXT PRIMARY KEY,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    source_arn  TEXT NOT NULL,
    dest_arn    TEXT,
    rate        INTEGER,
    status      TEXT NOT NULL,
    moved       INTEGER NOT NULL DEFAULT 0,
    to_move     INTEGER NOT NULL,
    started_ms  INTEGER NOT NULL,
    failure     TEXT
);

CREATE TABLE sqs_deleted_queues (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    deleted_ms  INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
