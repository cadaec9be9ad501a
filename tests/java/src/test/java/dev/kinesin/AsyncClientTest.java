package dev.kinesin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryResponse;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * The asynchronous KinesisAsyncClient with its default (Netty) HTTP client, as the KCL uses it,
 * talking CBOR to kinesin.
 */
class AsyncClientTest {
    private static final Support.WireRecorder wire = new Support.WireRecorder();
    private static KinesisAsyncClient kinesis;

    @BeforeAll
    static void connect() {
        Support.assertCborEnabled();
        kinesis = KinesisAsyncClient.builder()
                .endpointOverride(Support.endpoint())
                .region(Support.region())
                .credentialsProvider(Support.credentials())
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

    private static <T> T await(CompletableFuture<T> f) {
        return f.join();
    }

    private static Throwable failure(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return e.getCause();
    }

    @Test
    void streamLifecycleRecordsAndErrors() throws Exception {
        String stream = Support.streamName("java-async");
        await(kinesis.createStream(r -> r.streamName(stream).shardCount(1)));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (await(kinesis.describeStreamSummary(r -> r.streamName(stream)))
                        .streamDescriptionSummary().streamStatus() != StreamStatus.ACTIVE) {
            if (System.nanoTime() > deadline) {
                fail("stream " + stream + " did not become ACTIVE");
            }
            Thread.sleep(100);
        }
        DescribeStreamSummaryResponse summary = await(kinesis.describeStreamSummary(r -> r.streamName(stream)));
        Support.assertRecent(summary.streamDescriptionSummary().streamCreationTimestamp(), "StreamCreationTimestamp");

        // Concurrent PutRecord calls plus one PutRecords.
        List<CompletableFuture<?>> puts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] data = {(byte) i, (byte) 0xff, 0, (byte) 0x80};
            puts.add(kinesis.putRecord(r -> r.streamName(stream).partitionKey("p").data(SdkBytes.fromByteArray(data))));
        }
        CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).join();
        List<PutRecordsRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            entries.add(PutRecordsRequestEntry.builder().partitionKey("b" + i).data(SdkBytes.fromUtf8String("batch-" + i)).build());
        }
        PutRecordsResponse batch = await(kinesis.putRecords(r -> r.streamName(stream).records(entries)));
        assertEquals(0, batch.failedRecordCount());

        List<Shard> shards = await(kinesis.listShards(r -> r.streamName(stream))).shards();
        assertEquals(1, shards.size());
        String shardId = shards.get(0).shardId();
        String it = await(kinesis.getShardIterator(
                r -> r.streamName(stream).shardId(shardId).shardIteratorType(ShardIteratorType.TRIM_HORIZON))).shardIterator();
        List<Record> got = new ArrayList<>();
        for (int i = 0; i < 10 && got.size() < 25; i++) {
            String current = it;
            GetRecordsResponse page = await(kinesis.getRecords(r -> r.shardIterator(current)));
            got.addAll(page.records());
            it = page.nextShardIterator();
        }
        assertEquals(25, got.size());
        boolean[] seen = new boolean[20];
        for (Record rec : got) {
            Support.assertRecent(rec.approximateArrivalTimestamp(), "ApproximateArrivalTimestamp");
            byte[] d = rec.data().asByteArray();
            if (rec.partitionKey().equals("p")) {
                assertArrayEquals(new byte[] {d[0], (byte) 0xff, 0, (byte) 0x80}, d);
                seen[d[0]] = true;
            } else {
                assertTrue(rec.data().asUtf8String().startsWith("batch-"), rec.data().asUtf8String());
            }
        }
        for (int i = 0; i < seen.length; i++) {
            assertTrue(seen[i], "record " + i + " read back");
        }
        // Records arrive in order of sequence number, at non-decreasing times.
        for (int i = 1; i < got.size(); i++) {
            assertTrue(new java.math.BigInteger(got.get(i - 1).sequenceNumber())
                    .compareTo(new java.math.BigInteger(got.get(i).sequenceNumber())) < 0);
            Instant a = got.get(i - 1).approximateArrivalTimestamp();
            Instant b = got.get(i).approximateArrivalTimestamp();
            assertTrue(!b.isBefore(a), a + " then " + b);
        }

        String missing = Support.streamName("java-missing");
        Throwable e = failure(kinesis.describeStreamSummary(r -> r.streamName(missing)));
        ResourceNotFoundException rnf = assertInstanceOf(ResourceNotFoundException.class, e);
        assertEquals("ResourceNotFoundException", rnf.awsErrorDetails().errorCode());
        assertEquals(Support.notFound(missing), rnf.awsErrorDetails().errorMessage());

        await(kinesis.deleteStream(r -> r.streamName(stream)));
        deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            CompletableFuture<DescribeStreamSummaryResponse> d = kinesis.describeStreamSummary(r -> r.streamName(stream));
            try {
                d.join();
            } catch (CompletionException gone) {
                assertInstanceOf(ResourceNotFoundException.class, gone.getCause());
                break;
            }
            if (System.nanoTime() > deadline) {
                fail("stream " + stream + " was not deleted");
            }
            Thread.sleep(100);
        }
    }
}
