package dev.kinesin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigInteger;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.ProtocolNegotiation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.common.LeaseCleanupConfig;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.SingleStreamTracker;
import software.amazon.kinesis.retrieval.KinesisClientRecord;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

/**
 * The Kinesis Client Library (KCL 2.x) consuming from kinesin, its lease table in DynamoDB
 * (moto's server). One worker processes a 2-shard stream while the test splits a shard, merges
 * one of the children with the other original shard and keeps producing throughout; every record
 * must be processed, in production order per partition key, without duplicates unless a lease
 * changed hands (the KCL is at-least-once across lease handoffs).
 */
class KclTest {
    private static final Duration STEP = Duration.ofSeconds(60);

    enum Mode { POLLING, FAN_OUT }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void pollingAcrossSplitAndMerge() throws Exception {
        new Run(Mode.POLLING).run();
    }

    /** Enhanced fan-out (the default FanOutConfig) over kinesin's TLS port with HTTP/2. */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void enhancedFanOutAcrossSplitAndMerge() throws Exception {
        new Run(Mode.FAN_OUT).run();
    }

    /** What the record processors saw. */
    static final class Seen {
        record Processed(String shardId, String partitionKey, String value, String sequenceNumber, Instant arrival) {}

        final List<Processed> processed = new CopyOnWriteArrayList<>();
        final Map<String, Integer> initialized = new ConcurrentHashMap<>();
        final Set<String> leaseLost = ConcurrentHashMap.newKeySet();
        final Set<String> ended = ConcurrentHashMap.newKeySet();
        final Set<String> shutdownRequested = ConcurrentHashMap.newKeySet();
        final List<String> errors = new CopyOnWriteArrayList<>();

        Set<String> values() {
            return processed.stream().map(Processed::value).collect(Collectors.toSet());
        }

        boolean processedFrom(String shardId) {
            return processed.stream().anyMatch(p -> p.shardId().equals(shardId));
        }
    }

    static final class Processor implements ShardRecordProcessor {
        private final Seen seen;
        private String shardId = "?";

        Processor(Seen seen) {
            this.seen = seen;
        }

        @Override
        public void initialize(InitializationInput input) {
            shardId = input.shardId();
            seen.initialized.merge(shardId, 1, Integer::sum);
        }

        @Override
        public void processRecords(ProcessRecordsInput input) {
            for (KinesisClientRecord r : input.records()) {
                ByteBuffer data = r.data().duplicate();
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                seen.processed.add(new Seen.Processed(shardId, r.partitionKey(), new String(bytes, StandardCharsets.UTF_8),
                        r.sequenceNumber(), r.approximateArrivalTimestamp()));
            }
            if (!input.records().isEmpty()) {
                try {
                    input.checkpointer().checkpoint();
                } catch (Exception e) {
                    seen.errors.add(shardId + ": checkpoint in processRecords: " + e);
                }
            }
        }

        @Override
        public void leaseLost(LeaseLostInput input) {
            seen.leaseLost.add(shardId);
        }

        @Override
        public void shardEnded(ShardEndedInput input) {
            try {
                input.checkpointer().checkpoint();
                seen.ended.add(shardId);
            } catch (Exception e) {
                seen.errors.add(shardId + ": checkpoint at shard end: " + e);
            }
        }

        @Override
        public void shutdownRequested(ShutdownRequestedInput input) {
            try {
                input.checkpointer().checkpoint();
                seen.shutdownRequested.add(shardId);
            } catch (Exception e) {
                seen.errors.add(shardId + ": checkpoint at shutdown: " + e);
            }
        }
    }

    /** One KCL application against one fresh stream. */
    static final class Run {
        private final Mode mode;
        private final Seen seen = new Seen();
        private final Map<String, List<String>> produced = new ConcurrentHashMap<>();
        private final List<String> producedAll = new CopyOnWriteArrayList<>();
        private final AtomicBoolean producing = new AtomicBoolean(true);
        private final AtomicReference<Throwable> producerError = new AtomicReference<>();
        private final String stream = Support.streamName("java-kcl");

        Run(Mode mode) {
            this.mode = mode;
        }

        void run() throws Exception {
            URI ddb = Support.ddbEndpoint();
            URI kinesisEndpoint = mode == Mode.FAN_OUT ? Support.tlsEndpoint() : Support.endpoint();
            SdkAsyncHttpClient http = mode == Mode.FAN_OUT
                    ? Support.http2Client(ProtocolNegotiation.ASSUME_PROTOCOL)
                    : NettyNioAsyncHttpClient.builder().maxConcurrency(50).build();
            try (http;
                    KinesisClient admin = KinesisClient.builder()
                            .endpointOverride(Support.endpoint())
                            .region(Support.region())
                            .credentialsProvider(Support.credentials())
                            .httpClient(ApacheHttpClient.create())
                            .build();
                    KinesisAsyncClient kinesis = KinesisAsyncClient.builder()
                            .endpointOverride(kinesisEndpoint)
                            .region(Support.region())
                            .credentialsProvider(Support.credentials())
                            .httpClient(http)
                            .build();
                    DynamoDbAsyncClient dynamo = DynamoDbAsyncClient.builder()
                            .endpointOverride(ddb)
                            .region(Support.region())
                            .credentialsProvider(Support.credentials())
                            .build();
                    CloudWatchAsyncClient cloudWatch = CloudWatchAsyncClient.builder()
                            .endpointOverride(ddb)
                            .region(Support.region())
                            .credentialsProvider(Support.credentials())
                            .build()) {
                admin.createStream(r -> r.streamName(stream).shardCount(2));
                waitActive(admin);
                List<Shard> initial = admin.listShards(r -> r.streamName(stream)).shards();
                assertEquals(2, initial.size());

                Thread producer = new Thread(() -> produce(admin), "kcl-test-producer");
                producer.setDaemon(true);
                producer.start();

                String app = "kcl-" + mode.name().toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8);
                ConfigsBuilder configs = new ConfigsBuilder(
                        new SingleStreamTracker(stream,
                                InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.TRIM_HORIZON)),
                        app, kinesis, dynamo, cloudWatch, "worker-" + UUID.randomUUID(), () -> new Processor(seen));
                var retrieval = configs.retrievalConfig();
                if (mode == Mode.POLLING) {
                    retrieval.retrievalSpecificConfig(new PollingConfig(stream, kinesis).idleTimeBetweenReadsInMillis(200));
                }
                Scheduler scheduler = new Scheduler(
                        configs.checkpointConfig(),
                        configs.coordinatorConfig()
                                .parentShardPollIntervalMillis(200)
                                .shardConsumerDispatchPollIntervalMillis(200)
                                .schedulerInitializationBackoffTimeMillis(500),
                        configs.leaseManagementConfig()
                                .failoverTimeMillis(2500)
                                .shardSyncIntervalMillis(1000)
                                .listShardsBackoffTimeInMillis(200),
                        configs.lifecycleConfig().taskBackoffTimeMillis(200),
                        configs.metricsConfig().metricsLevel(MetricsLevel.NONE).metricsFactory(new NullMetricsFactory()),
                        configs.processorConfig(),
                        retrieval);
                Thread worker = new Thread(scheduler, "kcl-test-scheduler");
                worker.setDaemon(true);
                worker.start();
                Set<String> open = Set.of();
                boolean stopped;
                try {
                    scenario(admin, initial);
                    open = admin.listShards(r -> r.streamName(stream)).shards().stream()
                            .filter(sh -> sh.sequenceNumberRange().endingSequenceNumber() == null)
                            .map(Shard::shardId)
                            .collect(Collectors.toSet());
                } finally {
                    producing.set(false);
                    producer.join(10_000);
                    stopped = shutdown(scheduler, worker, open);
                }
                assertTrue(stopped, "the KCL scheduler did not stop; " + state());
                assertEquals(open, seen.shutdownRequested, "shards whose processors were asked to shut down (the open ones)");
                verify();
                admin.deleteStream(r -> r.streamName(stream).enforceConsumerDeletion(true));
            }
        }

        private void scenario(KinesisClient admin, List<Shard> initial) throws Exception {
            waitFor("the KCL to process 20 records from the 2 original shards",
                    () -> seen.processed.size() >= 20);

            // Split the first shard in the middle of its hash key range.
            Shard first = initial.get(0);
            Shard second = initial.get(1);
            BigInteger start = new BigInteger(first.hashKeyRange().startingHashKey());
            BigInteger end = new BigInteger(first.hashKeyRange().endingHashKey());
            String middle = start.add(end).add(BigInteger.ONE).shiftRight(1).toString();
            admin.splitShard(r -> r.streamName(stream).shardToSplit(first.shardId()).newStartingHashKey(middle));
            waitActive(admin);
            List<Shard> children = children(admin, first.shardId());
            assertEquals(2, children.size(), "children of the split " + first.shardId());
            waitFor("the KCL to process records from both children of the split " + first.shardId(),
                    () -> children.stream().allMatch(c -> seen.processedFrom(c.shardId())));

            // Merge the upper child with the second original shard (adjacent hash key ranges).
            Shard upper = children.stream()
                    .max((a, b) -> new BigInteger(a.hashKeyRange().startingHashKey())
                            .compareTo(new BigInteger(b.hashKeyRange().startingHashKey())))
                    .orElseThrow();
            admin.mergeShards(r -> r.streamName(stream).shardToMerge(upper.shardId())
                    .adjacentShardToMerge(second.shardId()));
            waitActive(admin);
            List<Shard> merged = children(admin, upper.shardId());
            assertEquals(1, merged.size(), "child of the merge of " + upper.shardId() + " and " + second.shardId());
            assertEquals(second.shardId(), merged.get(0).adjacentParentShardId());
            waitFor("the KCL to process records from the merged shard " + merged.get(0).shardId(),
                    () -> seen.processedFrom(merged.get(0).shardId()));

            // A little more, then stop producing and wait for the KCL to catch up.
            int target = producedAll.size() + 30;
            waitFor("30 more records produced", () -> producedAll.size() >= target || producerError.get() != null);
            producing.set(false);
            Thread.sleep(200);
            if (producerError.get() != null) {
                throw new AssertionError("producer failed", producerError.get());
            }
            waitFor("the KCL to process all " + producedAll.size() + " produced records",
                    () -> seen.values().containsAll(producedAll));
            for (String s : List.of(first.shardId(), upper.shardId(), second.shardId())) {
                waitFor("shardEnded for " + s, () -> seen.ended.contains(s));
            }
        }

        private void verify() {
            assertTrue(seen.errors.isEmpty(), "record processor errors: " + seen.errors);
            Set<String> values = seen.values();
            List<String> missing = producedAll.stream().filter(v -> !values.contains(v)).toList();
            assertTrue(missing.isEmpty(), missing.size() + " of " + producedAll.size() + " records never processed: " + missing);

            // Duplicates only where a lease changed hands (initialized twice or lost).
            Map<String, Integer> counts = new HashMap<>();
            for (Seen.Processed p : seen.processed) {
                counts.merge(p.shardId() + "/" + p.sequenceNumber(), 1, Integer::sum);
                assertTrue(p.value().startsWith(p.partitionKey() + "#"), "data " + p.value() + " under key " + p.partitionKey());
                Duration age = Duration.between(p.arrival(), Instant.now()).abs();
                assertTrue(age.compareTo(Duration.ofMinutes(5)) < 0, "ApproximateArrivalTimestamp " + p.arrival());
            }
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                if (e.getValue() > 1) {
                    String shard = e.getKey().substring(0, e.getKey().indexOf('/'));
                    boolean handedOver = seen.initialized.getOrDefault(shard, 0) > 1 || seen.leaseLost.contains(shard);
                    assertTrue(handedOver, "record " + e.getKey() + " processed " + e.getValue()
                            + " times although its lease never changed hands (initialized " + seen.initialized + ", lost "
                            + seen.leaseLost + ")");
                }
            }

            // Per partition key, first processing of each record follows production order.
            Map<String, List<String>> byKey = new TreeMap<>();
            for (Seen.Processed p : seen.processed) {
                byKey.computeIfAbsent(p.partitionKey(), k -> new ArrayList<>()).add(p.value());
            }
            for (Map.Entry<String, List<String>> e : produced.entrySet()) {
                List<String> firstSeen = new ArrayList<>(new LinkedHashSet<>(byKey.getOrDefault(e.getKey(), List.of())));
                assertEquals(e.getValue(), firstSeen, "processing order of partition key " + e.getKey());
            }
        }

        private void produce(KinesisClient admin) {
            try {
                for (long i = 0; producing.get(); i++) {
                    String key = "pk-" + (i % 16);
                    List<String> forKey = produced.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
                    String value = key + "#" + forKey.size();
                    admin.putRecord(r -> r.streamName(stream).partitionKey(key).data(SdkBytes.fromUtf8String(value)));
                    forKey.add(value);
                    producedAll.add(value);
                    Thread.sleep(10);
                }
            } catch (Throwable t) {
                producerError.set(t);
            }
        }

        private List<Shard> children(KinesisClient admin, String parent) {
            return admin.listShards(r -> r.streamName(stream)).shards().stream()
                    .filter(s -> parent.equals(s.parentShardId()) || parent.equals(s.adjacentParentShardId()))
                    .toList();
        }

        private void waitActive(KinesisClient admin) throws InterruptedException {
            waitFor("stream " + stream + " ACTIVE", () -> admin.describeStreamSummary(r -> r.streamName(stream))
                    .streamDescriptionSummary().streamStatus() == StreamStatus.ACTIVE);
        }

        private void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
            long deadline = System.nanoTime() + STEP.toNanos();
            while (!condition.getAsBoolean()) {
                if (producerError.get() != null) {
                    throw new AssertionError("producer failed while waiting for " + what, producerError.get());
                }
                if (System.nanoTime() > deadline) {
                    fail("timed out (" + STEP.toSeconds() + " s) waiting for " + what + "; " + state());
                }
                Thread.sleep(100);
            }
        }

        private String state() {
            Map<String, Long> perShard = new TreeMap<>(seen.processed.stream()
                    .collect(Collectors.groupingBy(Seen.Processed::shardId, Collectors.counting())));
            return "produced " + producedAll.size() + ", processed " + seen.processed.size() + " " + perShard
                    + ", initialized " + seen.initialized + ", ended " + seen.ended + ", lease lost " + seen.leaseLost
                    + ", shutdown requested " + seen.shutdownRequested
                    + ", errors " + seen.errors + " (KCL log: tests/java/target/java-tests.log)";
        }

        /**
         * Graceful shutdown: every open shard's processor gets shutdownRequested (and checkpoints).
         * KCL 2.x's graceful shutdown then also waits for the leases of ended shards, which the
         * worker holds until its lease cleanup deletes them (every 5 minutes at best, not
         * configurable in 2.x), so once the open shards are done the scheduler is shut down.
         * True when the scheduler thread ended.
         */
        private boolean shutdown(Scheduler scheduler, Thread worker, Set<String> open) throws InterruptedException {
            var graceful = scheduler.startGracefulShutdown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!graceful.isDone() && !seen.shutdownRequested.containsAll(open) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            try {
                graceful.get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                scheduler.shutdown();
            }
            worker.join(30_000);
            return !worker.isAlive();
        }
    }
}
