package dev.kinesin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigInteger;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.ProtocolNegotiation;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.awssdk.services.kinesis.model.ConsumerStatus;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponse;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler;

/**
 * SubscribeToShard (enhanced fan-out) with KinesisAsyncClient on Netty over HTTP/2 against
 * kinesin's TLS port, trusting its self-signed certificate. Run once with the SDK's default
 * negotiation (no ALPN, HTTP/2 preface straight away, as the KCL's client does) and once with ALPN.
 */
class SubscribeToShardTest {
    /** Half of 2^128: splits a single-shard stream into two equal halves. */
    private static final String MIDDLE = BigInteger.ONE.shiftLeft(127).toString();

    @ParameterizedTest
    @EnumSource(ProtocolNegotiation.class)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void subscribeOverTlsHttp2(ProtocolNegotiation negotiation) throws Exception {
        subscribeRecordsAndSplit(negotiation, false);
    }

    /**
     * The event that ends a closed shard carries ChildShards and no ContinuationSequenceNumber:
     * that absence is how the KCL (FanOutRecordsPublisher: isAtShardEnd =
     * continuationSequenceNumber() == null), Flink's and Beam's connectors tell shard end.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void closedShardEndsWithoutContinuationSequenceNumber() throws Exception {
        subscribeRecordsAndSplit(ProtocolNegotiation.ASSUME_PROTOCOL, true);
    }

    private static void subscribeRecordsAndSplit(ProtocolNegotiation negotiation, boolean strictShardEnd)
            throws Exception {
        URI tls = Support.tlsEndpoint();
        SdkAsyncHttpClient http = Support.http2Client(negotiation);
        try (http;
                KinesisAsyncClient kinesis = KinesisAsyncClient.builder()
                        .endpointOverride(tls)
                        .region(Support.region())
                        .credentialsProvider(Support.credentials())
                        .httpClient(http)
                        .build()) {
            String stream = Support.streamName("java-efo");
            kinesis.createStream(r -> r.streamName(stream).shardCount(1)).join();
            waitFor("stream " + stream + " ACTIVE", () -> streamActive(kinesis, stream));
            String streamArn = kinesis.describeStreamSummary(r -> r.streamName(stream)).join()
                    .streamDescriptionSummary().streamARN();
            String shardId = kinesis.listShards(r -> r.streamName(stream)).join().shards().get(0).shardId();

            List<byte[]> sent = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                put(kinesis, stream, "before-" + i, payload(i), sent, keys);
            }

            String consumerArn = kinesis.registerStreamConsumer(
                            r -> r.streamARN(streamArn).consumerName("efo-" + negotiation.name().toLowerCase()))
                    .join().consumer().consumerARN();
            waitFor("consumer ACTIVE", () -> kinesis.describeStreamConsumer(r -> r.consumerARN(consumerArn)).join()
                    .consumerDescription().consumerStatus() == ConsumerStatus.ACTIVE);

            Subscription first = Subscription.start(kinesis, consumerArn, shardId);
            waitFor("the 3 records put before subscribing", () -> first.records().size() >= 3);
            assertNotNull(first.response.getNow(null), "onResponse before the first event");

            // A second subscription for the same consumer and shard while the first is live.
            Subscription second = Subscription.start(kinesis, consumerArn, shardId);
            Throwable refused = second.failure(30);
            ResourceInUseException inUse = assertInstanceOf(ResourceInUseException.class, refused,
                    "a second concurrent SubscribeToShard for the same consumer and shard");
            assertEquals("ResourceInUseException", inUse.awsErrorDetails().errorCode());
            assertTrue(second.events.isEmpty(), "the refused subscription got events: " + second.events);
            assertFalse(first.done.isDone(), "the first subscription ended when the second was refused: " + first.done);

            for (int i = 0; i < 3; i++) {
                put(kinesis, stream, "after-" + i, payload(10 + i), sent, keys);
            }
            waitFor("the 3 records put after subscribing", () -> first.records().size() >= 6);

            List<Record> got = first.records();
            assertEquals(6, got.size(), "records delivered: " + got);
            for (int i = 0; i < got.size(); i++) {
                Record rec = got.get(i);
                assertArrayEquals(sent.get(i), rec.data().asByteArray(), "data of record " + i);
                assertEquals(keys.get(i), rec.partitionKey());
                Support.assertRecent(rec.approximateArrivalTimestamp(), "ApproximateArrivalTimestamp");
                if (i > 0) {
                    Record prev = got.get(i - 1);
                    assertTrue(new BigInteger(prev.sequenceNumber()).compareTo(new BigInteger(rec.sequenceNumber())) < 0,
                            "sequence numbers increase");
                    assertFalse(rec.approximateArrivalTimestamp().isBefore(prev.approximateArrivalTimestamp()),
                            "arrival times do not go back");
                }
            }
            for (SubscribeToShardEvent e : first.events) {
                if (!e.records().isEmpty()) {
                    assertNotNull(e.continuationSequenceNumber(), "ContinuationSequenceNumber of an open shard");
                    assertNotNull(e.millisBehindLatest(), "MillisBehindLatest");
                }
            }

            // Splitting the shard closes it: the subscription's last event names the children.
            kinesis.splitShard(r -> r.streamName(stream).shardToSplit(shardId).newStartingHashKey(MIDDLE)).join();
            waitFor("stream ACTIVE after SplitShard", () -> streamActive(kinesis, stream));
            try {
                first.done.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("the subscription to the split parent did not end; events: " + first.events);
            }
            assertNull(first.error.getNow(null), "onError");
            SubscribeToShardEvent last = first.events.get(first.events.size() - 1);
            if (strictShardEnd) {
                assertNull(last.continuationSequenceNumber(), "ContinuationSequenceNumber of the last event of a closed shard");
            }
            List<ChildShard> children = last.childShards();
            assertEquals(2, children.size(), "ChildShards of the last event: " + last);
            for (ChildShard child : children) {
                assertEquals(List.of(shardId), child.parentShards(), "ParentShards of " + child.shardId());
                assertNotNull(child.hashKeyRange());
            }
            for (int i = 0; i < first.events.size() - 1; i++) {
                assertTrue(first.events.get(i).childShards().isEmpty(), "ChildShards before the last event");
            }
            assertEquals(6, first.records().size(), "no record delivered twice");

            kinesis.deregisterStreamConsumer(r -> r.consumerARN(consumerArn)).join();
            kinesis.deleteStream(r -> r.streamName(stream).enforceConsumerDeletion(true)).join();
        }
    }

    private static byte[] payload(int i) {
        return new byte[] {(byte) i, 0, (byte) 0xff, (byte) 0x80, '\r', '\n', (byte) 0xc3, 0x28};
    }

    private static void put(KinesisAsyncClient kinesis, String stream, String key, byte[] data,
            List<byte[]> sent, List<String> keys) {
        kinesis.putRecord(r -> r.streamName(stream).partitionKey(key).data(SdkBytes.fromByteArray(data))).join();
        sent.add(data);
        keys.add(key);
    }

    private static boolean streamActive(KinesisAsyncClient kinesis, String stream) {
        return kinesis.describeStreamSummary(r -> r.streamName(stream)).join()
                .streamDescriptionSummary().streamStatus() == StreamStatus.ACTIVE;
    }

    static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** One SubscribeToShard call from TRIM_HORIZON and what its handler has seen. */
    static final class Subscription {
        final List<SubscribeToShardEvent> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<SubscribeToShardResponse> response = new CompletableFuture<>();
        final CompletableFuture<Throwable> error = new CompletableFuture<>();
        CompletableFuture<Void> done;

        static Subscription start(KinesisAsyncClient kinesis, String consumerArn, String shardId) {
            Subscription s = new Subscription();
            SubscribeToShardResponseHandler handler = SubscribeToShardResponseHandler.builder()
                    .onResponse(s.response::complete)
                    .onError(s.error::complete)
                    .subscriber(SubscribeToShardResponseHandler.Visitor.builder()
                            .onSubscribeToShardEvent(s.events::add)
                            .build())
                    .build();
            s.done = kinesis.subscribeToShard(r -> r.consumerARN(consumerArn).shardId(shardId)
                    .startingPosition(p -> p.type(ShardIteratorType.TRIM_HORIZON)), handler);
            return s;
        }

        List<Record> records() {
            List<Record> all = new ArrayList<>();
            for (SubscribeToShardEvent e : events) {
                all.addAll(e.records());
            }
            return all;
        }

        /** The error this subscription ended with, within the given seconds. */
        Throwable failure(int seconds) throws InterruptedException {
            try {
                done.get(seconds, TimeUnit.SECONDS);
            } catch (ExecutionException | CompletionException e) {
                return unwrap(e);
            } catch (TimeoutException e) {
                fail("the subscription neither failed nor ended within " + seconds + " s");
            }
            fail("the subscription ended without an error; events: " + events);
            return null;
        }
    }
}
