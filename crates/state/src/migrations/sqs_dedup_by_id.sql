-- SQS FIFO deduplication: entries keep their message group in `scope`, and a queue-scoped
-- lookup finds a deduplication id in any group, so a DeduplicationScope change takes effect.
CREATE INDEX sqs_dedup_by_id ON sqs_dedup(queue, dedup_id);
