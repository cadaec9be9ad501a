import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisServiceException,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  RemoveTagsFromStreamCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  InvalidArgumentException,
} from "@aws-sdk/client-kinesis";
import { accountId, createStream, deleteStream, encode, newClient, region, skipAll, summary, uniqueName, waitActive } from "../lib/kinesin.mjs";

describe("streams", { skip: skipAll }, () => {
  let client;
  const cleanup = [];
  before(() => {
    client = newClient();
  });
  after(async () => {
    for (const name of cleanup) await deleteStream(client, name);
    client.destroy();
  });

  it("creates a stream with tags and describes it", async () => {
    const name = uniqueName("create");
    cleanup.push(name);
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2, Tags: { team: "js" } }));
    await waitActive(client, name);

    const s = await summary(client, name);
    assert.equal(s.StreamName, name);
    assert.equal(s.StreamARN, `arn:aws:kinesis:${region}:${accountId}:stream/${name}`);
    assert.equal(s.StreamStatus, "ACTIVE");
    assert.equal(s.OpenShardCount, 2);
    assert.equal(s.RetentionPeriodHours, 24);
    assert.equal(s.StreamModeDetails?.StreamMode, "PROVISIONED");
    assert.ok(s.StreamCreationTimestamp instanceof Date, "StreamCreationTimestamp is a Date");

    const d = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
    assert.equal(d.Shards.length, 2);
    assert.equal(d.HasMoreShards, false);
    assert.deepEqual(
      d.Shards.map((sh) => sh.ShardId),
      ["shardId-000000000000", "shardId-000000000001"],
    );
    // The two shards split the 128-bit hash key space evenly and cover all of it.
    assert.equal(d.Shards[0].HashKeyRange.StartingHashKey, "0");
    assert.equal(BigInt(d.Shards[1].HashKeyRange.StartingHashKey), BigInt(d.Shards[0].HashKeyRange.EndingHashKey) + 1n);
    assert.equal(BigInt(d.Shards[1].HashKeyRange.EndingHashKey), (1n << 128n) - 1n);

    const listed = await client.send(new ListStreamsCommand({}));
    assert.ok(listed.StreamNames.includes(name), "ListStreams lists the new stream");
    const sum = listed.StreamSummaries.find((x) => x.StreamName === name);
    assert.equal(sum?.StreamStatus, "ACTIVE");

    const tags = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
    assert.deepEqual(tags.Tags, [{ Key: "team", Value: "js" }]);
  });

  it("adds, lists and removes tags", async () => {
    const name = await createStream(client, "tags", 1);
    cleanup.push(name);
    await client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { b: "2", a: "1", c: "" } }));
    let out = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
    const asMap = (tags) => Object.fromEntries(tags.map((t) => [t.Key, t.Value ?? ""]));
    assert.deepEqual(asMap(out.Tags), { a: "1", b: "2", c: "" });
    assert.equal(out.HasMoreTags, false);

    // Overwrite one, remove one.
    await client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { a: "one" } }));
    await client.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: ["b"] }));
    out = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
    assert.deepEqual(asMap(out.Tags), { a: "one", c: "" });

    // Paging: Limit 1, then ExclusiveStartTagKey.
    const first = await client.send(new ListTagsForStreamCommand({ StreamName: name, Limit: 1 }));
    assert.equal(first.Tags.length, 1);
    assert.equal(first.HasMoreTags, true);
    const rest = await client.send(new ListTagsForStreamCommand({ StreamName: name, ExclusiveStartTagKey: first.Tags[0].Key }));
    assert.equal(rest.HasMoreTags, false);
    assert.deepEqual(asMap([...first.Tags, ...rest.Tags]), { a: "one", c: "" });
  });

  it("increases and decreases the retention period", async () => {
    const name = await createStream(client, "retention", 1);
    cleanup.push(name);
    await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 168 }));
    await waitActive(client, name);
    assert.equal((await summary(client, name)).RetentionPeriodHours, 168);

    await assert.rejects(
      client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 })),
      (err) => err instanceof InvalidArgumentException,
      "increasing to a shorter period is refused",
    );
    await assert.rejects(
      client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 200 })),
      (err) => err instanceof InvalidArgumentException,
      "decreasing to a longer period is refused",
    );
    await assert.rejects(
      client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 8761 })),
      (err) => err.name === "InvalidArgumentException" || err.name === "ValidationException",
      "more than 8760 hours is refused",
    );

    await client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 24 }));
    await waitActive(client, name);
    assert.equal((await summary(client, name)).RetentionPeriodHours, 24);
  });

  it("reports a missing stream as ResourceNotFoundException", async () => {
    const missing = uniqueName("missing");
    const expected = `Stream ${missing} under account ${accountId} not found.`;
    const check = (err) => {
      assert.ok(err instanceof ResourceNotFoundException, `expected ResourceNotFoundException, got ${err?.constructor?.name}: ${err}`);
      assert.ok(err instanceof KinesisServiceException);
      assert.equal(err.name, "ResourceNotFoundException");
      assert.equal(err.message, expected);
      assert.equal(err.$fault, "client");
      assert.equal(err.$metadata.httpStatusCode, 400);
      return true;
    };
    await assert.rejects(client.send(new DescribeStreamCommand({ StreamName: missing })), check);
    await assert.rejects(client.send(new PutRecordCommand({ StreamName: missing, PartitionKey: "k", Data: encode("x") })), check);
    await assert.rejects(client.send(new DeleteStreamCommand({ StreamName: missing })), check);
    await assert.rejects(
      client.send(new ListTagsForStreamCommand({ StreamName: missing })),
      (err) => err instanceof ResourceNotFoundException,
    );
  });

  it("reports other client errors with their own classes", async () => {
    const name = await createStream(client, "errors", 1);
    cleanup.push(name);
    await assert.rejects(
      client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 })),
      (err) => err instanceof ResourceInUseException && err.$metadata.httpStatusCode === 400,
    );
    await assert.rejects(
      client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: "shardId-000000000007", ShardIteratorType: "TRIM_HORIZON" })),
      (err) => err instanceof ResourceNotFoundException,
    );
    await assert.rejects(
      client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: "shardId-000000000000", ShardIteratorType: "AT_SEQUENCE_NUMBER" })),
      (err) => err.name === "InvalidArgumentException" || err.name === "ValidationException",
      "AT_SEQUENCE_NUMBER without a sequence number is refused",
    );
    await assert.rejects(
      client.send(new PutRecordCommand({ StreamName: name, PartitionKey: "", Data: encode("x") })),
      (err) => err.name === "ValidationException",
      "an empty partition key is refused",
    );
  });
});
