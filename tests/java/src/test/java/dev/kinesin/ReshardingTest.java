package dev.kinesin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/** Reading a closed shard to its end with GetRecords (what the KCL's polling mode relies on). */
class ReshardingTest {
    private static final String MAX_HASH = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE).toString();
    private static KinesisClient kinesis;

    @BeforeAll
    static void connect() {
        kinesis = KinesisClient.builder()
                .endpointOverride(Support.endpoint())
                .region(Support.region())
                .credentialsProvider(Support.credentials())
                .httpClient(ApacheHttpClient.create())
                .build();
    }

    @AfterAll
    static void close() {
        if (kinesis != null) {
            kinesis.close();
        }
    }

    /** The split shard's last record is also the stream's last record: its end is found. */
    @Test
    void closedShardWhoseLastRecordIsTheStreamsLast() throws Exception {
        readClosedShardToEnd(false);
    }

    /**
     * A record goes to the other shard after the split shard's last record. Reading the split
     * shard to its end must still give ChildShards and no NextShardIterator.
     */
    @Test
    void closedShardWhenAnotherShardGotLaterRecords() throws Exception {
        readClosedShardToEnd(true);
    }

    private static void readClosedShardToEnd(boolean laterRecordInOtherShard) throws Exception {
        String stream = Support.streamName("java-reshard");
        kinesis.createStream(r -> r.streamName(stream).shardCount(2));
        waitActive(stream);
        List<Shard> shards = kinesis.listShards(r -> r.streamName(stream)).shards();
        Shard first = shards.get(0);
        kinesis.putRecord(r -> r.streamName(stream).partitionKey("a").explicitHashKey("0")
                .data(SdkBytes.fromUtf8String("in the first shard")));
        if (laterRecordInOtherShard) {
            kinesis.putRecord(r -> r.streamName(stream).partitionKey("b").explicitHashKey(MAX_HASH)
                    .data(SdkBytes.fromUtf8String("in the second shard")));
        }
        BigInteger end = new BigInteger(first.hashKeyRange().endingHashKey());
        kinesis.splitShard(r -> r.streamName(stream).shardToSplit(first.shardId())
                .newStartingHashKey(end.shiftRight(1).toString()));
        waitActive(stream);

        String it = kinesis.getShardIterator(r -> r.streamName(stream).shardId(first.shardId())
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
        List<Record> got = new ArrayList<>();
        GetRecordsResponse page = null;
        for (int i = 0; i < 5 && it != null; i++) {
            String current = it;
            page = kinesis.getRecords(r -> r.shardIterator(current));
            got.addAll(page.records());
            it = page.nextShardIterator();
        }
        assertEquals(1, got.size(), "records of " + first.shardId());
        assertEquals("in the first shard", got.get(0).data().asUtf8String());
        assertNull(it, "NextShardIterator after reading the closed " + first.shardId() + " to its end; last page " + page);
        assertEquals(2, page.childShards().size(), "ChildShards of the last page " + page);
        for (var child : page.childShards()) {
            assertEquals(List.of(first.shardId()), child.parentShards());
        }
        kinesis.deleteStream(r -> r.streamName(stream));
    }

    private static void waitActive(String stream) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (kinesis.describeStreamSummary(r -> r.streamName(stream)).streamDescriptionSummary().streamStatus()
                != StreamStatus.ACTIVE) {
            if (System.nanoTime() > deadline) {
                fail("stream " + stream + " did not become ACTIVE");
            }
            Thread.sleep(50);
        }
    }
}
