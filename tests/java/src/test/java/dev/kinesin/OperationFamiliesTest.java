package dev.kinesin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Consumer;
import software.amazon.awssdk.services.kinesis.model.ConsumerDescription;
import software.amazon.awssdk.services.kinesis.model.ConsumerStatus;
import software.amazon.awssdk.services.kinesis.model.DescribeLimitsResponse;
import software.amazon.awssdk.services.kinesis.model.DisableEnhancedMonitoringResponse;
import software.amazon.awssdk.services.kinesis.model.EnableEnhancedMonitoringResponse;
import software.amazon.awssdk.services.kinesis.model.EncryptionType;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ListStreamsResponse;
import software.amazon.awssdk.services.kinesis.model.MetricsName;
import software.amazon.awssdk.services.kinesis.model.MinimumThroughputBillingCommitmentInputStatus;
import software.amazon.awssdk.services.kinesis.model.MinimumThroughputBillingCommitmentOutput;
import software.amazon.awssdk.services.kinesis.model.MinimumThroughputBillingCommitmentOutputStatus;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.ScalingType;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamDescriptionSummary;
import software.amazon.awssdk.services.kinesis.model.StreamMode;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.kinesis.model.StreamSummary;
import software.amazon.awssdk.services.kinesis.model.Tag;
import software.amazon.awssdk.services.kinesis.model.UpdateShardCountResponse;
import software.amazon.awssdk.services.kinesis.model.UpdateStreamWarmThroughputResponse;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

/**
 * Every Kinesis operation family the other classes leave out, with CBOR on (the SDK default),
 * through both the synchronous KinesisClient (Apache) and the asynchronous KinesisAsyncClient
 * (Netty): tags, retention, encryption, enhanced monitoring, limits, account settings, stream
 * mode, warm throughput, maximum record size, consumers, resource policies, ListStreams'
 * StreamSummaries, UpdateShardCount and the mapping of a few errors to typed exceptions.
 */
class OperationFamiliesTest {
    private static final Support.WireRecorder syncWire = new Support.WireRecorder();
    private static final Support.WireRecorder asyncWire = new Support.WireRecorder();
    private static KinesisClient sync;
    private static KinesisAsyncClient async;

    @BeforeAll
    static void connect() {
        Support.assertCborEnabled();
        sync = KinesisClient.builder()
                .endpointOverride(Support.endpoint())
                .region(Support.region())
                .credentialsProvider(Support.credentials())
                .httpClient(ApacheHttpClient.create())
                .overrideConfiguration(c -> c.addExecutionInterceptor(syncWire))
                .build();
        async = KinesisAsyncClient.builder()
                .endpointOverride(Support.endpoint())
                .region(Support.region())
                .credentialsProvider(Support.credentials())
                .overrideConfiguration(c -> c.addExecutionInterceptor(asyncWire))
                .build();
    }

    @AfterAll
    static void close() {
        if (sync != null) {
            sync.close();
        }
        if (async != null) {
            async.close();
        }
        syncWire.assertAllCbor();
        asyncWire.assertAllCbor();
    }

    // ------------------------------------------------------------------ helpers

    private static <T> T await(CompletableFuture<T> f) {
        return f.join();
    }

    /** The exception an async call failed with (unwrapped from the CompletionException). */
    private static Throwable failure(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return e.getCause();
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static StreamDescriptionSummary summary(String stream) {
        return sync.describeStreamSummary(r -> r.streamName(stream)).streamDescriptionSummary();
    }

    private static void waitActive(String stream) throws InterruptedException {
        waitFor("stream " + stream + " ACTIVE", () -> summary(stream).streamStatus() == StreamStatus.ACTIVE);
    }

    /** Creates a provisioned stream, waits for ACTIVE and returns its ARN. */
    private static String createActive(String stream, int shards) throws InterruptedException {
        sync.createStream(r -> r.streamName(stream).shardCount(shards));
        waitActive(stream);
        String arn = summary(stream).streamARN();
        assertEquals("arn:aws:kinesis:us-east-1:" + Support.ACCOUNT + ":stream/" + stream, arn);
        return arn;
    }

    private static void delete(String stream) {
        sync.deleteStream(r -> r.streamName(stream).enforceConsumerDeletion(true));
    }

    private static Map<String, String> tagMap(List<Tag> tags) {
        Map<String, String> out = new TreeMap<>();
        for (Tag t : tags) {
            assertNull(out.put(t.key(), t.value()), "tag " + t.key() + " listed twice");
        }
        return out;
    }

    private static List<Record> readShard(String stream, String shardId) {
        String it = sync.getShardIterator(r -> r.streamName(stream).shardId(shardId)
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                .shardIterator();
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < 50 && it != null; i++) {
            String current = it;
            GetRecordsResponse page = sync.getRecords(r -> r.shardIterator(current));
            out.addAll(page.records());
            it = page.nextShardIterator();
            if (page.records().isEmpty() && Long.valueOf(0).equals(page.millisBehindLatest())) {
                break;
            }
        }
        return out;
    }

    private static void assertCode(String code, KinesisException e) {
        assertEquals(code, e.awsErrorDetails().errorCode(), "error code");
        assertEquals(400, e.statusCode(), "HTTP status of " + code);
    }

    // ------------------------------------------------------------------ tags

    @Test
    void tagsOnStreamsAndResources() throws Exception {
        String stream = Support.streamName("java-tags");
        String arn = createActive(stream, 1);
        try {
            // AddTagsToStream / ListTagsForStream / RemoveTagsFromStream (sync, by name).
            Map<String, String> first = new LinkedHashMap<>();
            first.put("team", "data");
            first.put("env", "test");
            first.put("empty", "");
            sync.addTagsToStream(r -> r.streamName(stream).tags(first));
            var listed = sync.listTagsForStream(r -> r.streamName(stream));
            assertEquals(new TreeMap<>(first), tagMap(listed.tags()));
            assertFalse(listed.hasMoreTags(), "HasMoreTags with 3 tags");
            assertEquals(List.of("empty", "env", "team"),
                    listed.tags().stream().map(Tag::key).collect(Collectors.toList()), "tags sorted by key");

            // Paging: Limit 1 from after "empty".
            var page = sync.listTagsForStream(r -> r.streamName(stream).exclusiveStartTagKey("empty").limit(1));
            assertEquals(List.of("env"), page.tags().stream().map(Tag::key).collect(Collectors.toList()));
            assertTrue(page.hasMoreTags(), "HasMoreTags after the first of two remaining tags");

            // Overwrite a value, remove a key.
            sync.addTagsToStream(r -> r.streamName(stream).tags(Map.of("env", "prod")));
            sync.removeTagsFromStream(r -> r.streamName(stream).tagKeys("empty"));
            assertEquals(Map.of("env", "prod", "team", "data"),
                    tagMap(sync.listTagsForStream(r -> r.streamName(stream)).tags()));

            // TagResource / ListTagsForResource / UntagResource (async, by ARN): the same tags.
            await(async.tagResource(r -> r.resourceARN(arn).tags(Map.of("owner", "kinesin"))));
            assertEquals(Map.of("env", "prod", "team", "data", "owner", "kinesin"),
                    tagMap(await(async.listTagsForResource(r -> r.resourceARN(arn))).tags()));
            await(async.untagResource(r -> r.resourceARN(arn).tagKeys("team", "env")));
            assertEquals(Map.of("owner", "kinesin"), tagMap(await(async.listTagsForResource(r -> r.resourceARN(arn))).tags()));
            assertEquals(Map.of("owner", "kinesin"),
                    tagMap(await(async.listTagsForStream(r -> r.streamARN(arn))).tags()), "ListTagsForStream by ARN");

            // Invalid characters: AWS's message.
            InvalidArgumentException bad = assertThrows(InvalidArgumentException.class,
                    () -> sync.addTagsToStream(r -> r.streamName(stream).tags(Map.of("bad", "semi;colon"))));
            assertCode("InvalidArgumentException", bad);
            assertEquals("Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @ :.",
                    bad.awsErrorDetails().errorMessage());

            // A stream that does not exist.
            String missing = Support.streamName("java-tags-missing");
            ResourceNotFoundException nf = assertInstanceOf(ResourceNotFoundException.class, failure(
                    async.listTagsForResource(r -> r.resourceARN(arn.replace(stream, missing)))));
            assertEquals(Support.notFound(missing), nf.awsErrorDetails().errorMessage());
        } finally {
            delete(stream);
        }
    }

    // ------------------------------------------------------------------ retention

    @Test
    void retentionIncreaseDecreaseAndErrors() throws Exception {
        String stream = Support.streamName("java-retention");
        String arn = createActive(stream, 1);
        try {
            assertEquals(24, summary(stream).retentionPeriodHours());
            await(async.increaseStreamRetentionPeriod(r -> r.streamName(stream).retentionPeriodHours(72)));
            waitActive(stream);
            assertEquals(72, summary(stream).retentionPeriodHours());
            sync.decreaseStreamRetentionPeriod(r -> r.streamARN(arn).retentionPeriodHours(48));
            waitActive(stream);
            assertEquals(48, summary(stream).retentionPeriodHours());
            assertEquals(48, sync.describeStream(r -> r.streamName(stream)).streamDescription().retentionPeriodHours());

            // AWS's messages for retention periods out of range and in the wrong direction.
            InvalidArgumentException tooLong = assertInstanceOf(InvalidArgumentException.class, failure(
                    async.increaseStreamRetentionPeriod(r -> r.streamName(stream).retentionPeriodHours(9000))));
            assertCode("InvalidArgumentException", tooLong);
            assertEquals("Maximum allowed retention period is 8760 hours. Requested retention period (9000 hours) is too long.",
                    tooLong.awsErrorDetails().errorMessage());
            InvalidArgumentException tooShort = assertThrows(InvalidArgumentException.class,
                    () -> sync.decreaseStreamRetentionPeriod(r -> r.streamName(stream).retentionPeriodHours(12)));
            assertEquals("Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.",
                    tooShort.awsErrorDetails().errorMessage());
            InvalidArgumentException wrongWay = assertThrows(InvalidArgumentException.class,
                    () -> sync.increaseStreamRetentionPeriod(r -> r.streamName(stream).retentionPeriodHours(24)));
            assertEquals("Requested retention period (24 hours) for stream " + stream
                            + " can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.",
                    wrongWay.awsErrorDetails().errorMessage());
            assertEquals(48, summary(stream).retentionPeriodHours(), "a refused change changed the retention");
        } finally {
            delete(stream);
        }
    }

    // ------------------------------------------------------------------ encryption

    @Test
    void encryptionStartsAndStops() throws Exception {
        String stream = Support.streamName("java-kms");
        createActive(stream, 1);
        try {
            StreamDescriptionSummary before = summary(stream);
            assertEquals(EncryptionType.NONE, before.encryptionType());
            PutRecordResponse plain = sync.putRecord(r -> r.streamName(stream).partitionKey("k").data(SdkBytes.fromUtf8String("plain")));
            assertEquals(EncryptionType.NONE, plain.encryptionType());

            sync.startStreamEncryption(r -> r.streamName(stream).encryptionType(EncryptionType.KMS).keyId("alias/aws/kinesis"));
            waitActive(stream);
            StreamDescriptionSummary on = summary(stream);
            assertEquals(EncryptionType.KMS, on.encryptionType());
            assertEquals("alias/aws/kinesis", on.keyId());
            assertEquals(EncryptionType.KMS, sync.describeStream(r -> r.streamName(stream)).streamDescription().encryptionType());

            PutRecordResponse one = await(async.putRecord(r -> r.streamName(stream).partitionKey("k").data(SdkBytes.fromUtf8String("secret"))));
            assertEquals(EncryptionType.KMS, one.encryptionType(), "PutRecord on an encrypted stream");
            PutRecordsResponse many = sync.putRecords(r -> r.streamName(stream).records(
                    PutRecordsRequestEntry.builder().partitionKey("k").data(SdkBytes.fromUtf8String("secret-2")).build()));
            assertEquals(EncryptionType.KMS, many.encryptionType(), "PutRecords on an encrypted stream");
            assertEquals(0, many.failedRecordCount());

            List<Record> got = readShard(stream, "shardId-000000000000");
            assertEquals(3, got.size(), "records read back: " + got);
            assertEquals("secret", got.get(1).data().asUtf8String());
            assertEquals(EncryptionType.KMS, got.get(1).encryptionType(), "a record put while encryption was on");
            assertEquals(EncryptionType.KMS, got.get(2).encryptionType(), "a record put while encryption was on");

            sync.stopStreamEncryption(r -> r.streamName(stream).encryptionType(EncryptionType.KMS).keyId("alias/aws/kinesis"));
            waitActive(stream);
            assertEquals(EncryptionType.NONE, summary(stream).encryptionType());
            PutRecordResponse after = sync.putRecord(r -> r.streamName(stream).partitionKey("k").data(SdkBytes.fromUtf8String("clear")));
            assertEquals(EncryptionType.NONE, after.encryptionType(), "PutRecord after StopStreamEncryption");
        } finally {
            delete(stream);
        }
    }

    /**
     * A record's EncryptionType is how that record was written: records put before
     * StartStreamEncryption stay unencrypted, records put while it was on stay KMS after
     * StopStreamEncryption (AWS: "the encryption type used on the record").
     */
    @Test
    void recordsKeepTheEncryptionTheyWereWrittenWith() throws Exception {
        String stream = Support.streamName("java-kms-rec");
        createActive(stream, 1);
        try {
            sync.putRecord(r -> r.streamName(stream).partitionKey("k").data(SdkBytes.fromUtf8String("before")));
            sync.startStreamEncryption(r -> r.streamName(stream).encryptionType(EncryptionType.KMS).keyId("alias/aws/kinesis"));
            waitActive(stream);
            sync.putRecord(r -> r.streamName(stream).partitionKey("k").data(SdkBytes.fromUtf8String("during")));
            List<Record> whileOn = readShard(stream, "shardId-000000000000");
            assertEquals(2, whileOn.size());
            assertNotEquals(EncryptionType.KMS, whileOn.get(0).encryptionType(),
                    "a record put before StartStreamEncryption reads as KMS");
            assertEquals(EncryptionType.KMS, whileOn.get(1).encryptionType());

            sync.stopStreamEncryption(r -> r.streamName(stream).encryptionType(EncryptionType.KMS).keyId("alias/aws/kinesis"));
            waitActive(stream);
            List<Record> afterStop = readShard(stream, "shardId-000000000000");
            assertEquals(EncryptionType.KMS, afterStop.get(1).encryptionType(),
                    "a record put while encryption was on lost its KMS EncryptionType after StopStreamEncryption");
        } finally {
            delete(stream);
        }
    }

    // ------------------------------------------------------------------ enhanced monitoring

    @Test
    void enhancedMonitoringEnableAndDisable() throws Exception {
        String stream = Support.streamName("java-monitor");
        createActive(stream, 1);
        try {
            assertTrue(summary(stream).enhancedMonitoring().stream().allMatch(m -> m.shardLevelMetrics().isEmpty()),
                    "a new stream has enhanced metrics: " + summary(stream).enhancedMonitoring());

            EnableEnhancedMonitoringResponse on = await(async.enableEnhancedMonitoring(
                    r -> r.streamName(stream).shardLevelMetrics(MetricsName.INCOMING_BYTES, MetricsName.OUTGOING_RECORDS)));
            assertEquals(stream, on.streamName());
            assertTrue(on.currentShardLevelMetrics().isEmpty(), "current metrics: " + on.currentShardLevelMetrics());
            assertEquals(Set.of(MetricsName.INCOMING_BYTES, MetricsName.OUTGOING_RECORDS), new HashSet<>(on.desiredShardLevelMetrics()));
            waitActive(stream);
            assertEquals(Set.of(MetricsName.INCOMING_BYTES, MetricsName.OUTGOING_RECORDS),
                    new HashSet<>(summary(stream).enhancedMonitoring().get(0).shardLevelMetrics()));

            DisableEnhancedMonitoringResponse off = sync.disableEnhancedMonitoring(
                    r -> r.streamName(stream).shardLevelMetrics(MetricsName.INCOMING_BYTES));
            assertEquals(Set.of(MetricsName.INCOMING_BYTES, MetricsName.OUTGOING_RECORDS), new HashSet<>(off.currentShardLevelMetrics()));
            assertEquals(List.of(MetricsName.OUTGOING_RECORDS), off.desiredShardLevelMetrics());
            waitActive(stream);

            // ALL: the seven shard-level metrics.
            EnableEnhancedMonitoringResponse all = sync.enableEnhancedMonitoring(r -> r.streamName(stream).shardLevelMetrics(MetricsName.ALL));
            Set<MetricsName> seven = EnumSet.complementOf(EnumSet.of(MetricsName.ALL, MetricsName.UNKNOWN_TO_SDK_VERSION));
            assertEquals(seven, new HashSet<>(all.desiredShardLevelMetrics()));
            waitActive(stream);
            DisableEnhancedMonitoringResponse none = await(async.disableEnhancedMonitoring(
                    r -> r.streamName(stream).shardLevelMetrics(MetricsName.ALL)));
            assertTrue(none.desiredShardLevelMetrics().isEmpty(), "desired after disabling ALL: " + none.desiredShardLevelMetrics());
        } finally {
            delete(stream);
        }
    }

    // ------------------------------------------------------------------ limits, account, mode, warm throughput

    @Test
    void limitsAccountSettingsStreamModeAndWarmThroughput() throws Exception {
        String stream = Support.streamName("java-mode");
        String arn = createActive(stream, 3);
        try {
            DescribeLimitsResponse limits = await(async.describeLimits(r -> {}));
            assertEquals(500, limits.shardLimit(), "default shard limit");
            assertEquals(50, limits.onDemandStreamCountLimit(), "default on-demand stream limit");
            assertTrue(limits.openShardCount() >= 3 && limits.openShardCount() <= limits.shardLimit(),
                    "OpenShardCount " + limits.openShardCount());
            int onDemandBefore = limits.onDemandStreamCount();

            // UpdateStreamMode to ON_DEMAND (by ARN) and back.
            await(async.updateStreamMode(r -> r.streamARN(arn).streamModeDetails(d -> d.streamMode(StreamMode.ON_DEMAND))));
            waitActive(stream);
            assertEquals(StreamMode.ON_DEMAND, summary(stream).streamModeDetails().streamMode());
            assertEquals(onDemandBefore + 1, sync.describeLimits().onDemandStreamCount(), "OnDemandStreamCount after the switch");

            // Account settings: enabling the minimum throughput billing commitment.
            MinimumThroughputBillingCommitmentOutput enabled = sync.updateAccountSettings(r -> r.minimumThroughputBillingCommitment(
                            c -> c.status(MinimumThroughputBillingCommitmentInputStatus.ENABLED)))
                    .minimumThroughputBillingCommitment();
            assertEquals(MinimumThroughputBillingCommitmentOutputStatus.ENABLED, enabled.status());
            assertNotNull(enabled.startedAt(), "StartedAt");
            Support.assertRecent(enabled.startedAt(), "StartedAt");
            Duration minimum = Duration.between(enabled.startedAt(), enabled.earliestAllowedEndAt());
            assertTrue(minimum.compareTo(Duration.ofHours(24)) >= 0 && minimum.compareTo(Duration.ofHours(25)) < 0,
                    "EarliestAllowedEndAt - StartedAt = " + minimum);
            MinimumThroughputBillingCommitmentOutput described =
                    await(async.describeAccountSettings(r -> {})).minimumThroughputBillingCommitment();
            assertEquals(enabled.status(), described.status());
            assertEquals(enabled.startedAt(), described.startedAt());

            // UpdateStreamWarmThroughput on the on-demand stream.
            UpdateStreamWarmThroughputResponse warm = sync.updateStreamWarmThroughput(r -> r.streamARN(arn).warmThroughputMiBps(100));
            assertEquals(stream, warm.streamName());
            assertEquals(arn, warm.streamARN());
            assertEquals(100, warm.warmThroughput().targetMiBps());
            waitActive(stream);
            assertEquals(100, summary(stream).warmThroughput().targetMiBps(), "WarmThroughput in DescribeStreamSummary");

            // Back to PROVISIONED: warm throughput is refused there.
            sync.updateStreamMode(r -> r.streamARN(arn).streamModeDetails(d -> d.streamMode(StreamMode.PROVISIONED)));
            waitActive(stream);
            assertEquals(StreamMode.PROVISIONED, summary(stream).streamModeDetails().streamMode());
            assertInstanceOf(InvalidArgumentException.class,
                    failure(async.updateStreamWarmThroughput(r -> r.streamName(stream).warmThroughputMiBps(10))));

            // Disabling within the first 24 hours: enabled until the earliest allowed end.
            MinimumThroughputBillingCommitmentOutput disabling = await(async.updateAccountSettings(r -> r.minimumThroughputBillingCommitment(
                            c -> c.status(MinimumThroughputBillingCommitmentInputStatus.DISABLED))))
                    .minimumThroughputBillingCommitment();
            assertEquals(MinimumThroughputBillingCommitmentOutputStatus.ENABLED_UNTIL_EARLIEST_ALLOWED_END, disabling.status());
            assertEquals(enabled.earliestAllowedEndAt(), disabling.earliestAllowedEndAt());
        } finally {
            delete(stream);
        }
    }

    // ------------------------------------------------------------------ max record size

    @Test
    void updateMaxRecordSizeAdmitsA2MiBRecord() throws Exception {
        String stream = Support.streamName("java-big");
        String arn = createActive(stream, 1);
        try {
            assertEquals(1024, summary(stream).maxRecordSizeInKiB(), "default MaxRecordSizeInKiB");
            // 2 MiB of data plus partition key (one byte).
            byte[] big = new byte[2 * 1024 * 1024 - 1];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31 + (i >>> 11));
            }
            // Data over the stream's maximum: the model-style ValidationException AWS gives.
            ValidationException refused = assertThrows(ValidationException.class,
                    () -> sync.putRecord(r -> r.streamName(stream).partitionKey("k").data(SdkBytes.fromByteArray(big))));
            assertCode("ValidationException", refused);
            assertTrue(refused.awsErrorDetails().errorMessage().endsWith(
                            "at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576"),
                    refused.awsErrorDetails().errorMessage());

            sync.updateMaxRecordSize(r -> r.streamARN(arn).maxRecordSizeInKiB(2048));
            waitActive(stream);
            assertEquals(2048, summary(stream).maxRecordSizeInKiB());

            PutRecordResponse put = sync.putRecord(r -> r.streamName(stream).partitionKey("k").data(SdkBytes.fromByteArray(big)));
            assertEquals("shardId-000000000000", put.shardId());
            PutRecordsResponse batch = await(async.putRecords(r -> r.streamName(stream).records(
                    PutRecordsRequestEntry.builder().partitionKey("k").data(SdkBytes.fromByteArray(big)).build())));
            assertEquals(0, batch.failedRecordCount(), "a 2 MiB PutRecords entry: " + batch.records());
            // Data plus partition key one byte over 2 MiB is still refused.
            byte[] over = new byte[big.length + 1];
            assertThrows(InvalidArgumentException.class,
                    () -> sync.putRecord(r -> r.streamName(stream).partitionKey("k").data(SdkBytes.fromByteArray(over))));

            List<Record> got = readShard(stream, put.shardId());
            assertEquals(2, got.size());
            assertEquals(put.sequenceNumber(), got.get(0).sequenceNumber());
            assertArrayEquals(big, got.get(0).data().asByteArray(), "the 2 MiB record read back");
            assertArrayEquals(big, got.get(1).data().asByteArray(), "the 2 MiB PutRecords entry read back");

            // Out of the model's range (1024..10240): ValidationException, and nothing changes.
            ValidationException outOfRange = assertThrows(ValidationException.class,
                    () -> sync.updateMaxRecordSize(r -> r.streamARN(arn).maxRecordSizeInKiB(20_000)));
            assertCode("ValidationException", outOfRange);
            assertEquals(2048, summary(stream).maxRecordSizeInKiB());
        } finally {
            delete(stream);
        }
    }

    // ------------------------------------------------------------------ consumers

    @Test
    void consumersRegisterDescribeListDeregister() throws Exception {
        String stream = Support.streamName("java-consumers");
        String arn = createActive(stream, 1);
        try {
            Consumer a = await(async.registerStreamConsumer(r -> r.streamARN(arn).consumerName("app-a")
                            .tags(Map.of("role", "reader"))))
                    .consumer();
            Consumer b = sync.registerStreamConsumer(r -> r.streamARN(arn).consumerName("app-b")).consumer();
            for (Consumer c : List.of(a, b)) {
                assertTrue(c.consumerARN().startsWith(arn + "/consumer/" + c.consumerName() + ":"), c.consumerARN());
                long secs = Long.parseLong(c.consumerARN().substring(c.consumerARN().lastIndexOf(':') + 1));
                assertEquals(c.consumerCreationTimestamp().getEpochSecond(), secs, "ARN suffix = creation second");
                Support.assertRecent(c.consumerCreationTimestamp(), "ConsumerCreationTimestamp");
                waitFor(c.consumerName() + " ACTIVE", () -> sync.describeStreamConsumer(r -> r.consumerARN(c.consumerARN()))
                        .consumerDescription().consumerStatus() == ConsumerStatus.ACTIVE);
            }
            ConsumerDescription byName = await(async.describeStreamConsumer(r -> r.streamARN(arn).consumerName("app-a")))
                    .consumerDescription();
            assertEquals(a.consumerARN(), byName.consumerARN());
            assertEquals(arn, byName.streamARN());
            assertEquals(a.consumerCreationTimestamp(), byName.consumerCreationTimestamp());
            assertEquals(Map.of("role", "reader"),
                    tagMap(sync.listTagsForResource(r -> r.resourceARN(a.consumerARN())).tags()), "RegisterStreamConsumer's tags");

            List<Consumer> listed = sync.listStreamConsumers(r -> r.streamARN(arn)).consumers();
            assertEquals(Set.of("app-a", "app-b"), listed.stream().map(Consumer::consumerName).collect(Collectors.toSet()));
            assertEquals(2, summary(stream).consumerCount());

            // The same name again: ResourceInUseException.
            ResourceInUseException dup = assertInstanceOf(ResourceInUseException.class,
                    failure(async.registerStreamConsumer(r -> r.streamARN(arn).consumerName("app-a"))));
            assertCode("ResourceInUseException", dup);

            // Deregister one by ARN, one by stream ARN + name.
            sync.deregisterStreamConsumer(r -> r.consumerARN(a.consumerARN()));
            await(async.deregisterStreamConsumer(r -> r.streamARN(arn).consumerName("app-b")));
            waitFor("both consumers gone", () -> sync.listStreamConsumers(r -> r.streamARN(arn)).consumers().isEmpty());
            ResourceNotFoundException gone = assertThrows(ResourceNotFoundException.class,
                    () -> sync.describeStreamConsumer(r -> r.consumerARN(a.consumerARN())));
            assertCode("ResourceNotFoundException", gone);
            assertEquals(0, summary(stream).consumerCount());
        } finally {
            delete(stream);
        }
    }

    // ------------------------------------------------------------------ resource policies

    @Test
    void resourcePoliciesPutGetDelete() throws Exception {
        String stream = Support.streamName("java-policy");
        String arn = createActive(stream, 1);
        try {
            assertEquals("{}", sync.getResourcePolicy(r -> r.resourceARN(arn)).policy(), "policy of a new stream");
            String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"read\",\"Effect\":\"Allow\","
                    + "\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},"
                    + "\"Action\":[\"kinesis:GetRecords\",\"kinesis:DescribeStreamSummary\"],\"Resource\":\"" + arn + "\"}]}";
            sync.putResourcePolicy(r -> r.resourceARN(arn).policy(policy));
            assertEquals(policy, await(async.getResourcePolicy(r -> r.resourceARN(arn))).policy());

            // A consumer has its own policy.
            Consumer c = sync.registerStreamConsumer(r -> r.streamARN(arn).consumerName("policy-reader")).consumer();
            waitFor("consumer ACTIVE", () -> sync.describeStreamConsumer(r -> r.consumerARN(c.consumerARN()))
                    .consumerDescription().consumerStatus() == ConsumerStatus.ACTIVE);
            assertEquals("{}", sync.getResourcePolicy(r -> r.resourceARN(c.consumerARN())).policy());
            String consumerPolicy = policy.replace("\"" + arn + "\"", "\"" + c.consumerARN() + "\"")
                    .replace("kinesis:GetRecords", "kinesis:SubscribeToShard");
            await(async.putResourcePolicy(r -> r.resourceARN(c.consumerARN()).policy(consumerPolicy)));
            assertEquals(consumerPolicy, sync.getResourcePolicy(r -> r.resourceARN(c.consumerARN())).policy());
            assertEquals(policy, sync.getResourcePolicy(r -> r.resourceARN(arn)).policy(), "the stream's policy changed");

            await(async.deleteResourcePolicy(r -> r.resourceARN(arn)));
            assertEquals("{}", sync.getResourcePolicy(r -> r.resourceARN(arn)).policy(), "policy after DeleteResourcePolicy");
            assertEquals(consumerPolicy, sync.getResourcePolicy(r -> r.resourceARN(c.consumerARN())).policy());
            sync.deleteResourcePolicy(r -> r.resourceARN(c.consumerARN()));
            assertEquals("{}", sync.getResourcePolicy(r -> r.resourceARN(c.consumerARN())).policy());

            // Not JSON: InvalidArgumentException.
            assertThrows(InvalidArgumentException.class,
                    () -> sync.putResourcePolicy(r -> r.resourceARN(arn).policy("not a policy")));
            // A stream that does not exist.
            String missing = Support.streamName("java-policy-missing");
            assertInstanceOf(ResourceNotFoundException.class,
                    failure(async.getResourcePolicy(r -> r.resourceARN(arn.replace(stream, missing)))));
        } finally {
            delete(stream);
        }
    }

    // ------------------------------------------------------------------ ListStreams, UpdateShardCount

    @Test
    void listStreamsWithSummaries() throws Exception {
        String prefix = Support.streamName("java-list");
        List<String> names = List.of(prefix + "-a", prefix + "-b", prefix + "-c");
        Instant before = Instant.now().minusSeconds(2);
        for (String n : names) {
            await(async.createStream(r -> r.streamName(n).shardCount(1)));
        }
        try {
            for (String n : names) {
                waitActive(n);
            }
            // Page through with Limit 1 (sync, by NextToken) and collect summaries.
            Map<String, StreamSummary> seen = new TreeMap<>();
            ListStreamsResponse page = sync.listStreams(r -> r.limit(1));
            for (int i = 0; i < 10_000; i++) {
                assertTrue(page.streamNames().size() <= 1, "Limit 1 gave " + page.streamNames());
                assertEquals(page.streamNames(),
                        page.streamSummaries().stream().map(StreamSummary::streamName).collect(Collectors.toList()),
                        "StreamNames and StreamSummaries disagree");
                for (StreamSummary s : page.streamSummaries()) {
                    assertNull(seen.put(s.streamName(), s), s.streamName() + " listed twice");
                }
                if (!page.hasMoreStreams()) {
                    break;
                }
                String token = page.nextToken();
                assertNotNull(token, "HasMoreStreams without a NextToken");
                page = sync.listStreams(r -> r.nextToken(token).limit(1));
            }
            for (String n : names) {
                StreamSummary s = seen.get(n);
                assertNotNull(s, n + " not listed; saw " + seen.keySet());
                assertEquals("arn:aws:kinesis:us-east-1:" + Support.ACCOUNT + ":stream/" + n, s.streamARN());
                assertEquals(StreamStatus.ACTIVE, s.streamStatus());
                assertEquals(StreamMode.PROVISIONED, s.streamModeDetails().streamMode());
                Support.assertRecent(s.streamCreationTimestamp(), "StreamCreationTimestamp of " + n);
                assertFalse(s.streamCreationTimestamp().isBefore(before), "StreamCreationTimestamp before the create call");
                assertEquals(summary(n).streamCreationTimestamp(), s.streamCreationTimestamp(),
                        "ListStreams and DescribeStreamSummary disagree on the creation time");
            }
            // The async client, ExclusiveStartStreamName: only names after it.
            ListStreamsResponse after = await(async.listStreams(r -> r.exclusiveStartStreamName(names.get(0)).limit(10_000)));
            assertFalse(after.streamNames().contains(names.get(0)));
            assertTrue(after.streamNames().containsAll(names.subList(1, 3)), after.streamNames().toString());
            assertTrue(after.streamNames().stream().allMatch(n -> n.compareTo(names.get(0)) > 0), "names not after the start");
        } finally {
            for (String n : names) {
                delete(n);
            }
        }
    }

    @Test
    void updateShardCountUpAndDown() throws Exception {
        String stream = Support.streamName("java-scale");
        String arn = createActive(stream, 2);
        try {
            UpdateShardCountResponse up = sync.updateShardCount(
                    r -> r.streamName(stream).targetShardCount(4).scalingType(ScalingType.UNIFORM_SCALING));
            assertEquals(2, up.currentShardCount());
            assertEquals(4, up.targetShardCount());
            assertEquals(stream, up.streamName());
            waitActive(stream);
            assertEquals(4, summary(stream).openShardCount());
            List<Shard> shards = sync.listShards(r -> r.streamName(stream)).shards();
            List<Shard> open = shards.stream().filter(s -> s.sequenceNumberRange().endingSequenceNumber() == null)
                    .collect(Collectors.toList());
            assertEquals(4, open.size(), "open shards: " + shards);
            for (Shard s : shards) {
                if (s.sequenceNumberRange().endingSequenceNumber() != null) {
                    assertTrue(s.shardId().equals("shardId-000000000000") || s.shardId().equals("shardId-000000000001"),
                            "closed shard " + s.shardId());
                }
            }
            // The open shards cover the whole hash key range once.
            java.math.BigInteger next = java.math.BigInteger.ZERO;
            List<Shard> sorted = new ArrayList<>(open);
            sorted.sort((x, y) -> new java.math.BigInteger(x.hashKeyRange().startingHashKey())
                    .compareTo(new java.math.BigInteger(y.hashKeyRange().startingHashKey())));
            for (Shard s : sorted) {
                assertEquals(next, new java.math.BigInteger(s.hashKeyRange().startingHashKey()), "gap before " + s.shardId());
                next = new java.math.BigInteger(s.hashKeyRange().endingHashKey()).add(java.math.BigInteger.ONE);
            }
            assertEquals(java.math.BigInteger.ONE.shiftLeft(128), next, "the open shards end below 2^128-1");

            // Down to 2 with the async client, by ARN.
            UpdateShardCountResponse down = await(async.updateShardCount(
                    r -> r.streamARN(arn).targetShardCount(2).scalingType(ScalingType.UNIFORM_SCALING)));
            assertEquals(4, down.currentShardCount());
            assertEquals(2, down.targetShardCount());
            waitActive(stream);
            assertEquals(2, summary(stream).openShardCount());

            // Records still route after the resharding.
            PutRecordResponse put = sync.putRecord(r -> r.streamName(stream).partitionKey("after").data(SdkBytes.fromUtf8String("x")));
            Set<String> openNow = sync.listShards(r -> r.streamName(stream)).shards().stream()
                    .filter(s -> s.sequenceNumberRange().endingSequenceNumber() == null)
                    .map(Shard::shardId).collect(Collectors.toSet());
            assertTrue(openNow.contains(put.shardId()), put.shardId() + " is not open: " + openNow);

            // More than double: AWS refuses.
            InvalidArgumentException tooMany = assertThrows(InvalidArgumentException.class, () -> sync.updateShardCount(
                    r -> r.streamName(stream).targetShardCount(5).scalingType(ScalingType.UNIFORM_SCALING)));
            assertCode("InvalidArgumentException", tooMany);
        } finally {
            delete(stream);
        }
    }

    // ------------------------------------------------------------------ error mapping

    @Test
    void errorsMapToTypedExceptions() throws Exception {
        String stream = Support.streamName("java-errors");
        createActive(stream, 1);
        try {
            ResourceInUseException twice = assertThrows(ResourceInUseException.class,
                    () -> sync.createStream(r -> r.streamName(stream).shardCount(1)));
            assertCode("ResourceInUseException", twice);
            assertEquals("Stream " + stream + " under account " + Support.ACCOUNT + " already exists.",
                    twice.awsErrorDetails().errorMessage());
            ResourceInUseException twiceAsync = assertInstanceOf(ResourceInUseException.class,
                    failure(async.createStream(r -> r.streamName(stream).shardCount(1))));
            assertEquals(twice.awsErrorDetails().errorMessage(), twiceAsync.awsErrorDetails().errorMessage());

            InvalidArgumentException retention = assertInstanceOf(InvalidArgumentException.class,
                    failure(async.decreaseStreamRetentionPeriod(r -> r.streamName(stream).retentionPeriodHours(1))));
            assertCode("InvalidArgumentException", retention);
            assertEquals("Minimum allowed retention period is 24 hours. Requested retention period (1 hours) is too short.",
                    retention.awsErrorDetails().errorMessage());

            String missing = Support.streamName("java-errors-missing");
            ResourceNotFoundException nf = assertInstanceOf(ResourceNotFoundException.class,
                    failure(async.increaseStreamRetentionPeriod(r -> r.streamName(missing).retentionPeriodHours(48))));
            assertEquals(Support.notFound(missing), nf.awsErrorDetails().errorMessage());
            assertInstanceOf(ResourceNotFoundException.class,
                    failure(async.enableEnhancedMonitoring(r -> r.streamName(missing).shardLevelMetrics(MetricsName.ALL))));
        } finally {
            delete(stream);
        }
    }
}
