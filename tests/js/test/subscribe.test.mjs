import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  DescribeStreamConsumerCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";
import { createStream, decode, deleteStream, encode, newClient, skipAll, summary } from "../lib/kinesin.mjs";

const unknown = (err) => err?.name === "UnknownOperationException";

describe("enhanced fan-out", { skip: skipAll }, () => {
  let client;
  let name;
  before(async () => {
    client = newClient();
    name = await createStream(client, "efo", 1);
  });
  after(async () => {
    if (name) await deleteStream(client, name);
    client.destroy();
  });

  it("SubscribeToShard delivers the shard's records to a registered consumer", async (t) => {
    const streamArn = (await summary(client, name)).StreamARN;
    let consumer;
    try {
      consumer = (await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "js-efo" }))).Consumer;
    } catch (err) {
      if (unknown(err)) return t.skip("kinesin does not implement RegisterStreamConsumer yet (UnknownOperationException)");
      throw err;
    }
    for (let i = 0; i < 200; i++) {
      const d = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumer.ConsumerARN }));
      if (d.ConsumerDescription.ConsumerStatus === "ACTIVE") break;
      assert.equal(d.ConsumerDescription.ConsumerStatus, "CREATING");
      assert.notEqual(i, 199, "consumer never became ACTIVE");
      await new Promise((r) => setTimeout(r, 50));
    }

    const entries = Array.from({ length: 5 }, (_, i) => ({ PartitionKey: `efo-${i}`, Data: encode(`efo ${i}`) }));
    const put = await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
    assert.equal(put.FailedRecordCount ?? 0, 0);

    // A bound on the subscription so a silent server cannot hang the suite (not an assertion).
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 30_000);
    try {
      let out;
      try {
        out = await client.send(
          new SubscribeToShardCommand({
            ConsumerARN: consumer.ConsumerARN,
            ShardId: "shardId-000000000000",
            StartingPosition: { Type: "TRIM_HORIZON" },
          }),
          { abortSignal: abort.signal },
        );
      } catch (err) {
        if (unknown(err)) return t.skip("kinesin does not implement SubscribeToShard yet (UnknownOperationException)");
        throw err;
      }
      const got = [];
      for await (const event of out.EventStream) {
        assert.ok(event.SubscribeToShardEvent, `unexpected event ${Object.keys(event)}`);
        got.push(...event.SubscribeToShardEvent.Records);
        if (got.length >= entries.length) break;
      }
      assert.deepEqual(got.map((r) => decode(r.Data)), entries.map((e) => decode(e.Data)));
      assert.deepEqual(got.map((r) => r.SequenceNumber), put.Records.map((r) => r.SequenceNumber));
    } finally {
      clearTimeout(timer);
    }
  });
});
