// Shared helpers for the AWS SDK for JavaScript v3 suite. The endpoint comes from
// KINESIN_ENDPOINT; without it every test is skipped (scripts/client-tests.sh sets it).
import assert from "node:assert/strict";
import {
  KinesisClient,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  waitUntilStreamExists,
  waitUntilStreamNotExists,
} from "@aws-sdk/client-kinesis";

export const endpoint = process.env.KINESIN_ENDPOINT ?? "";
export const skipAll = endpoint ? false : "KINESIN_ENDPOINT is not set; start kinesin (scripts/client-tests.sh does)";
export const region = "us-east-1";
export const accountId = "000000000000";
const WAIT_SECONDS = 60;

export function newClient() {
  return new KinesisClient({
    endpoint,
    region,
    credentials: { accessKeyId: "AKIDKINESINTEST", secretAccessKey: "kinesin-secret" },
    maxAttempts: 3,
  });
}

let counter = 0;
export function uniqueName(prefix) {
  counter += 1;
  return `js-${prefix}-${process.pid}-${Date.now() % 1_000_000_000}-${counter}`;
}

export const encode = (s) => new TextEncoder().encode(s);
export const decode = (b) => new TextDecoder().decode(b);

const waiterConfig = (client) => ({ client, maxWaitTime: WAIT_SECONDS, minDelay: 0.05, maxDelay: 0.5 });

// The SDK's StreamExists waiter (DescribeStream until ACTIVE), bounded.
export async function waitActive(client, name) {
  const res = await waitUntilStreamExists(waiterConfig(client), { StreamName: name });
  assert.equal(res.state, "SUCCESS", `stream ${name} did not become ACTIVE: ${JSON.stringify(res.reason)}`);
}

export async function waitGone(client, name) {
  const res = await waitUntilStreamNotExists(waiterConfig(client), { StreamName: name });
  assert.equal(res.state, "SUCCESS", `stream ${name} was not deleted: ${JSON.stringify(res.reason)}`);
}

// Creates a provisioned stream, waits for ACTIVE, and returns a cleanup function.
export async function createStream(client, prefix, shardCount) {
  const name = uniqueName(prefix);
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  await waitActive(client, name);
  return name;
}

export async function deleteStream(client, name) {
  try {
    await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
  } catch (err) {
    if (err.name !== "ResourceNotFoundException") throw err;
  }
  await waitGone(client, name);
}

export async function summary(client, name) {
  const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  return out.StreamDescriptionSummary;
}

// All shards of a stream, paging ListShards with MaxResults so NextToken is exercised.
export async function listAllShards(client, name, pageSize = 2) {
  const shards = [];
  let out = await client.send(new ListShardsCommand({ StreamName: name, MaxResults: pageSize }));
  for (let pages = 0; pages < 100; pages++) {
    assert.ok(out.Shards.length <= pageSize, `ListShards returned ${out.Shards.length} > MaxResults ${pageSize}`);
    shards.push(...out.Shards);
    if (!out.NextToken) return shards;
    // With NextToken the stream name must not be sent again.
    out = await client.send(new ListShardsCommand({ NextToken: out.NextToken, MaxResults: pageSize }));
  }
  assert.fail("ListShards paging did not end within 100 pages");
}

export async function iterator(client, input) {
  const out = await client.send(new GetShardIteratorCommand(input));
  assert.ok(out.ShardIterator, "GetShardIterator returned no ShardIterator");
  return out.ShardIterator;
}

// Reads a shard from TRIM_HORIZON (or the given iterator) until NextShardIterator is absent (the
// end of a closed shard) or, unless closed is set, until the first empty page at the tip of an
// open shard. Bounded. Returns { records, last } where last is the final GetRecords output.
export async function readShard(client, { streamName, shardId, startIterator, closed = false, maxCalls = 200 }) {
  let it = startIterator ?? (await iterator(client, { StreamName: streamName, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }));
  const records = [];
  for (let calls = 0; calls < maxCalls; calls++) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 5 }));
    assert.ok(out.Records.length <= 5, `GetRecords Limit 5 returned ${out.Records.length}`);
    records.push(...out.Records);
    if (!out.NextShardIterator) return { records, last: out };
    if (!closed && out.Records.length === 0 && out.MillisBehindLatest === 0) return { records, last: out };
    it = out.NextShardIterator;
  }
  assert.fail(`shard ${shardId} not read to its end within ${maxCalls} GetRecords calls`);
}

export function assertIncreasingSequenceNumbers(records, where) {
  for (let i = 1; i < records.length; i++) {
    const a = BigInt(records[i - 1].SequenceNumber);
    const b = BigInt(records[i].SequenceNumber);
    assert.ok(b > a, `${where}: sequence number ${b} does not follow ${a}`);
  }
}

// The shard whose hash key range holds MD5(partitionKey), as Kinesis routes records.
export function shardForKey(shards, md5Hex) {
  const h = BigInt("0x" + md5Hex);
  const s = shards.find((sh) => BigInt(sh.HashKeyRange.StartingHashKey) <= h && h <= BigInt(sh.HashKeyRange.EndingHashKey));
  assert.ok(s, `no shard holds hash ${h}`);
  return s.ShardId;
}
