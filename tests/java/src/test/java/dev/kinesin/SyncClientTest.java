package dev.kinesin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryResponse;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/** The synchronous KinesisClient (Apache HTTP client), talking CBOR to kinesin. */
class SyncClientTest {
    private static final Support.WireRecorder wire = new Support.WireRecorder();
    private static KinesisClient kinesis;

    @BeforeAll
    static void connect() {
        Support.assertCborEnabled();
        kinesis = KinesisClient.builder()
                .endpointOverride(Support.endpoint())
                .region(Support.region())
                .credentialsProvider(Support.credentials())
                .httpClient(ApacheHttpClient.create())
                .overrideConfiguration(c -> c.addExecutionInterceptor(wire))
                .build();
    }

    @AfterAll
    static void close() {
        if (kinesis != null) {
            kinesis.close();
        }
        wire.assertAllCbor();
    }

    private static void waitActive(String stream) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            DescribeStreamSummaryResponse d = kinesis.describeStreamSummary(r -> r.streamName(stream));
            if (d.streamDescriptionSummary().streamStatus() == StreamStatus.ACTIVE) {
                return;
            }
            Thread.sleep(100);
        }
        fail("stream " + stream + " did not become ACTIVE");
    }

    private static List<Record> readAll(String stream, String shardId, ShardIteratorType type, Instant at) {
        String it = kinesis.getShardIterator(r -> {
            r.streamName(stream).shardId(shardId).shardIteratorType(type);
            if (at != null) {
                r.timestamp(at);
            }
        }).shardIterator();
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < 20 && it != null; i++) {
            String current = it;
            GetRecordsResponse page = kinesis.getRecords(r -> r.shardIterator(current).limit(1000));
            out.addAll(page.records());
            it = page.nextShardIterator();
            if (page.records().isEmpty() && page.millisBehindLatest() != null && page.millisBehindLatest() == 0) {
                break;
            }
        }
        return out;
    }

    @Test
    void streamLifecycleRecordsAndErrors() throws Exception {
        String stream = Support.streamName("java-sync");
        kinesis.createStream(r -> r.streamName(stream).shardCount(2));
        waitActive(stream);

        DescribeStreamSummaryResponse summary = kinesis.describeStreamSummary(r -> r.streamName(stream));
        assertEquals(2, summary.streamDescriptionSummary().openShardCount());
        Support.assertRecent(summary.streamDescriptionSummary().streamCreationTimestamp(), "StreamCreationTimestamp");
        Instant beforePuts = Instant.now().minusSeconds(2);

        // PutRecord: every byte value, to catch any text/base64 mix-up of blobs.
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        PutRecordResponse one = kinesis.putRecord(r -> r.streamName(stream).partitionKey("pk-0").data(SdkBytes.fromByteArray(all)));
        assertTrue(one.shardId().startsWith("shardId-"), one.shardId());
        assertFalse(one.sequenceNumber().isEmpty());

        // PutRecords: ten records, spread over both shards by partition key.
        Set<String> sent = new HashSet<>();
        List<PutRecordsRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String body = "record-" + i + "-\u00e9\u4e2d";
            sent.add(body);
            entries.add(PutRecordsRequestEntry.builder()
                    .partitionKey("key-" + i)
                    .data(SdkBytes.fromString(body, StandardCharsets.UTF_8))
                    .build());
        }
        PutRecordsResponse many = kinesis.putRecords(r -> r.streamName(stream).records(entries));
        assertEquals(0, many.failedRecordCount());
        assertEquals(10, many.records().size());
        many.records().forEach(e -> assertNotNull(e.sequenceNumber()));

        List<Shard> shards = kinesis.listShards(r -> r.streamName(stream)).shards();
        assertEquals(2, shards.size());

        List<Record> got = new ArrayList<>();
        for (Shard shard : shards) {
            got.addAll(readAll(stream, shard.shardId(), ShardIteratorType.TRIM_HORIZON, null));
        }
        assertEquals(11, got.size(), "records read back");
        Set<String> received = new HashSet<>();
        boolean sawAll = false;
        for (Record rec : got) {
            Support.assertRecent(rec.approximateArrivalTimestamp(), "ApproximateArrivalTimestamp");
            if (rec.partitionKey().equals("pk-0")) {
                assertArrayEquals(all, rec.data().asByteArray());
                assertEquals(one.sequenceNumber(), rec.sequenceNumber());
                sawAll = true;
            } else {
                received.add(rec.data().asString(StandardCharsets.UTF_8));
            }
        }
        assertTrue(sawAll, "the PutRecord record was read back");
        assertEquals(sent, received);

        // AT_TIMESTAMP: the request timestamp (tag 1 + epoch millis) must be read as such.
        int atTimestamp = 0;
        for (Shard shard : shards) {
            atTimestamp += readAll(stream, shard.shardId(), ShardIteratorType.AT_TIMESTAMP, beforePuts).size();
        }
        assertEquals(11, atTimestamp, "records at or after a timestamp before the puts");

        // Errors: a typed exception with AWS's code and message.
        String missing = Support.streamName("java-missing");
        ResourceNotFoundException e =
                assertThrows(ResourceNotFoundException.class, () -> kinesis.describeStreamSummary(r -> r.streamName(missing)));
        assertEquals("ResourceNotFoundException", e.awsErrorDetails().errorCode());
        assertEquals(Support.notFound(missing), e.awsErrorDetails().errorMessage());
        assertEquals(400, e.statusCode());
        assertThrows(ResourceNotFoundException.class,
                () -> kinesis.putRecord(r -> r.streamName(missing).partitionKey("k").data(SdkBytes.fromUtf8String("x"))));

        kinesis.deleteStream(r -> r.streamName(stream));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                kinesis.describeStreamSummary(r -> r.streamName(stream));
            } catch (ResourceNotFoundException gone) {
                break;
            }
            if (System.nanoTime() > deadline) {
                fail("stream " + stream + " was not deleted");
            }
            Thread.sleep(100);
        }
        assertFalse(kinesis.listStreams().streamNames().contains(stream));
    }
}
