import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { PutRecordCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import {
  assertIncreasingSequenceNumbers,
  createStream,
  decode,
  deleteStream,
  encode,
  iterator,
  listAllShards,
  newClient,
  readShard,
  shardForKey,
  skipAll,
} from "../lib/kinesin.mjs";

const md5 = (s) => createHash("md5").update(s).digest("hex");

describe("records", { skip: skipAll }, () => {
  let client;
  let name;
  before(async () => {
    client = newClient();
    name = await createStream(client, "records", 4);
  });
  after(async () => {
    if (name) await deleteStream(client, name);
    client.destroy();
  });

  it("puts records and reads every shard back in order", async () => {
    const shards = await listAllShards(client, name, 3);
    assert.equal(shards.length, 4);
    assert.deepEqual(new Set(shards.map((s) => s.ShardId)).size, 4);

    const sent = []; // { key, data, shardId, seq }, in put order
    // PutRecord one at a time, Uint8Array data (including bytes that are not UTF-8 text).
    for (let i = 0; i < 12; i++) {
      const key = `user-${i % 5}`;
      const data = Uint8Array.from([i, 0, 255, ...encode(`single ${i}`)]);
      const out = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: key, Data: data }));
      assert.equal(out.ShardId, shardForKey(shards, md5(key)), `record ${i} routed by MD5(${key})`);
      assert.match(out.SequenceNumber, /^\d+$/);
      sent.push({ key, data, shardId: out.ShardId, seq: out.SequenceNumber });
    }
    // PutRecords in two batches; the response keeps the request order.
    for (let batch = 0; batch < 2; batch++) {
      const entries = [];
      for (let i = 0; i < 40; i++) {
        entries.push({ PartitionKey: `batch-${batch}-${i % 9}`, Data: encode(`batch ${batch} record ${i}`) });
      }
      const out = await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
      assert.equal(out.FailedRecordCount ?? 0, 0);
      assert.equal(out.Records.length, entries.length);
      out.Records.forEach((r, i) => {
        assert.equal(r.ErrorCode, undefined, `entry ${i}: ${r.ErrorCode} ${r.ErrorMessage}`);
        assert.equal(r.ShardId, shardForKey(shards, md5(entries[i].PartitionKey)));
        sent.push({ key: entries[i].PartitionKey, data: entries[i].Data, shardId: r.ShardId, seq: r.SequenceNumber });
      });
    }

    let total = 0;
    for (const shard of shards) {
      const expected = sent.filter((s) => s.shardId === shard.ShardId);
      const { records, last } = await readShard(client, { streamName: name, shardId: shard.ShardId });
      assert.ok(last.NextShardIterator, "an open shard always has a NextShardIterator");
      assert.equal(last.ChildShards?.length ?? 0, 0, "an open shard has no child shards");
      assert.equal(records.length, expected.length, `shard ${shard.ShardId}: record count`);
      records.forEach((r, i) => {
        assert.equal(r.SequenceNumber, expected[i].seq, `shard ${shard.ShardId} record ${i}: sequence number`);
        assert.equal(r.PartitionKey, expected[i].key);
        assert.ok(r.Data instanceof Uint8Array, "Data comes back as a Uint8Array");
        assert.deepEqual(Array.from(r.Data), Array.from(expected[i].data));
        assert.ok(r.ApproximateArrivalTimestamp instanceof Date);
      });
      assertIncreasingSequenceNumbers(records, shard.ShardId);
      total += records.length;
    }
    assert.equal(total, sent.length, "every record was read exactly once");

    // AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER on one record in the middle.
    const target = sent[20];
    const at = await iterator(client, {
      StreamName: name, ShardId: target.shardId, ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: target.seq,
    });
    const fromAt = (await readShard(client, { shardId: target.shardId, startIterator: at })).records;
    assert.equal(fromAt[0].SequenceNumber, target.seq);
    assert.equal(decode(fromAt[0].Data), decode(target.data));
    const after = await iterator(client, {
      StreamName: name, ShardId: target.shardId, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: target.seq,
    });
    const fromAfter = (await readShard(client, { shardId: target.shardId, startIterator: after })).records;
    assert.equal(fromAfter.length, fromAt.length - 1);
    if (fromAfter.length) assert.equal(fromAfter[0].SequenceNumber, fromAt[1].SequenceNumber);
  });

  it("reads only new records from LATEST", async () => {
    const shards = await listAllShards(client, name);
    const key = "latest-key";
    const shardId = shardForKey(shards, md5(key));
    const latest = await iterator(client, { StreamName: name, ShardId: shardId, ShardIteratorType: "LATEST" });
    const put = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: key, Data: encode("fresh") }));
    assert.equal(put.ShardId, shardId);
    const { records } = await readShard(client, { shardId, startIterator: latest });
    assert.equal(records.length, 1);
    assert.equal(records[0].SequenceNumber, put.SequenceNumber);
    assert.equal(decode(records[0].Data), "fresh");
  });

  it("routes by ExplicitHashKey over the partition key", async () => {
    const shards = await listAllShards(client, name);
    for (const shard of shards) {
      const out = await client.send(new PutRecordCommand({
        StreamName: name, PartitionKey: "same-key", ExplicitHashKey: shard.HashKeyRange.EndingHashKey, Data: encode("pinned"),
      }));
      assert.equal(out.ShardId, shard.ShardId);
    }
  });
});
