package dev.kinesin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * An SQS FIFO round trip with the synchronous SqsClient (AWS JSON 1.0). The SDK's
 * MessageMD5ChecksumInterceptor is on by default: a wrong MD5OfMessageBody or
 * MD5OfMessageAttributes on send or receive fails the call.
 */
class SqsFifoTest {
    private static final String JSON = "application/x-amz-json-1.0";
    private static final Support.WireRecorder wire = new Support.WireRecorder();
    private static SqsClient sqs;

    @BeforeAll
    static void connect() {
        sqs = SqsClient.builder()
                .endpointOverride(Support.endpoint())
                .region(Support.region())
                .credentialsProvider(Support.credentials())
                .httpClient(ApacheHttpClient.create())
                .overrideConfiguration(c -> c.addExecutionInterceptor(wire).retryStrategy(r -> r.maxAttempts(1)))
                .build();
    }

    @AfterAll
    static void close() {
        if (sqs != null) {
            sqs.close();
        }
        assertFalse(wire.requests.isEmpty(), "no request was recorded");
        for (String ct : wire.requests) {
            assertEquals(JSON, ct.toLowerCase(Locale.ROOT), "request Content-Type");
        }
        for (String ct : wire.responses) {
            assertEquals(JSON, ct.toLowerCase(Locale.ROOT), "response Content-Type");
        }
    }

    private static String hex(String algorithm, String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private record Sent(String group, String body, String dedup, String id, String seq) {}

    @Test
    void fifoRoundTrip() throws Exception {
        String name = Support.streamName("java-sqs") + ".fifo";
        String url = sqs.createQueue(r -> r.queueName(name).attributes(Map.of(
                QueueAttributeName.FIFO_QUEUE, "true",
                QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "false",
                QueueAttributeName.VISIBILITY_TIMEOUT, "30"))).queueUrl();
        try {
            assertTrue(url.endsWith("/" + Support.ACCOUNT + "/" + name), url);
            assertEquals(url, sqs.getQueueUrl(r -> r.queueName(name)).queueUrl());

            SqsException noGroup = assertThrows(SqsException.class,
                    () -> sqs.sendMessage(r -> r.queueUrl(url).messageBody("x").messageDeduplicationId("x")));
            assertEquals("MissingParameter", noGroup.awsErrorDetails().errorCode());
            SqsException noDedup = assertThrows(SqsException.class,
                    () -> sqs.sendMessage(r -> r.queueUrl(url).messageBody("x").messageGroupId("g")));
            assertEquals("InvalidParameterValue", noDedup.awsErrorDetails().errorCode());

            // Two batches, three groups interleaved, attributes of every type on each message.
            List<Sent> sent = new ArrayList<>();
            for (int batch = 0; batch < 2; batch++) {
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    int n = batch * 6 + i;
                    String group = "truck-" + (i % 3);
                    Map<String, MessageAttributeValue> attrs = new HashMap<>();
                    attrs.put("truck", MessageAttributeValue.builder().dataType("String").stringValue(group + " é <&>").build());
                    attrs.put("n", MessageAttributeValue.builder().dataType("Number").stringValue(Integer.toString(n)).build());
                    attrs.put("blob", MessageAttributeValue.builder().dataType("Binary")
                            .binaryValue(SdkBytes.fromByteArray(new byte[] {0, (byte) 0xff, (byte) n})).build());
                    entries.add(SendMessageBatchRequestEntry.builder()
                            .id("e" + n)
                            .messageBody("{\"truck\":\"" + group + "\",\"n\":" + n + ",\"note\":\"café\\r\\n ✓\"}")
                            .messageGroupId(group)
                            .messageDeduplicationId("dedup-" + n)
                            .messageAttributes(attrs)
                            .build());
                }
                SendMessageBatchResponse out = sqs.sendMessageBatch(r -> r.queueUrl(url).entries(entries));
                assertTrue(out.failed().isEmpty(), () -> "batch failures: " + out.failed());
                Map<String, SendMessageBatchResultEntry> byId = new HashMap<>();
                out.successful().forEach(e -> byId.put(e.id(), e));
                for (SendMessageBatchRequestEntry e : entries) {
                    SendMessageBatchResultEntry r = byId.get(e.id());
                    assertNotNull(r, e.id());
                    assertEquals(hex("MD5", e.messageBody()), r.md5OfMessageBody());
                    assertEquals(20, r.sequenceNumber().length(), r.sequenceNumber());
                    if (!sent.isEmpty()) {
                        assertTrue(new java.math.BigInteger(r.sequenceNumber())
                                .compareTo(new java.math.BigInteger(sent.get(sent.size() - 1).seq())) > 0, "sequence numbers increase");
                    }
                    sent.add(new Sent(e.messageGroupId(), e.messageBody(), e.messageDeduplicationId(), r.messageId(), r.sequenceNumber()));
                }
            }

            // A duplicate within 5 minutes: accepted with the original MessageId, nothing enqueued.
            SendMessageResponse dup = sqs.sendMessage(r -> r.queueUrl(url).messageBody("duplicate")
                    .messageGroupId("truck-0").messageDeduplicationId("dedup-0"));
            assertEquals(sent.get(0).id(), dup.messageId());

            Map<QueueAttributeName, String> qa = sqs.getQueueAttributes(r -> r.queueUrl(url)
                    .attributeNames(QueueAttributeName.ALL)).attributes();
            assertEquals("true", qa.get(QueueAttributeName.FIFO_QUEUE));
            assertEquals("false", qa.get(QueueAttributeName.CONTENT_BASED_DEDUPLICATION));
            assertEquals("30", qa.get(QueueAttributeName.VISIBILITY_TIMEOUT));
            assertEquals(Integer.toString(sent.size()), qa.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
            assertEquals("arn:aws:sqs:us-east-1:" + Support.ACCOUNT + ":" + name, qa.get(QueueAttributeName.QUEUE_ARN));

            // Receive all, in order per group; delete the first singly and the rest in batches.
            List<Message> received = new ArrayList<>();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (received.size() < sent.size() && System.nanoTime() < deadline) {
                ReceiveMessageResponse out = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                        .messageAttributeNames("All"));
                List<Message> msgs = out.messages();
                if (msgs.isEmpty()) {
                    continue;
                }
                received.addAll(msgs);
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(msgs.get(0).receiptHandle()));
                List<DeleteMessageBatchRequestEntry> del = new ArrayList<>();
                for (int i = 1; i < msgs.size(); i++) {
                    del.add(DeleteMessageBatchRequestEntry.builder().id("d" + i).receiptHandle(msgs.get(i).receiptHandle()).build());
                }
                if (!del.isEmpty()) {
                    DeleteMessageBatchResponse d = sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(del));
                    assertTrue(d.failed().isEmpty(), () -> "delete failures: " + d.failed());
                }
            }
            assertEquals(sent.size(), received.size(), "messages received");

            Map<String, Sent> byId = new HashMap<>();
            Map<String, List<String>> want = new LinkedHashMap<>();
            for (Sent s : sent) {
                byId.put(s.id(), s);
                want.computeIfAbsent(s.group(), g -> new ArrayList<>()).add(s.body());
            }
            Map<String, List<String>> got = new LinkedHashMap<>();
            for (Message m : received) {
                Sent s = byId.get(m.messageId());
                assertNotNull(s, "unknown message " + m.messageId());
                String group = m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
                got.computeIfAbsent(group, g -> new ArrayList<>()).add(m.body());
                assertEquals(s.dedup(), m.attributes().get(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID));
                assertEquals(s.seq(), m.attributes().get(MessageSystemAttributeName.SEQUENCE_NUMBER));
                assertEquals("1", m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
                assertEquals(hex("MD5", s.body()), m.md5OfBody());
                assertEquals(3, m.messageAttributes().size());
                assertNotNull(m.md5OfMessageAttributes());
                assertEquals(s.group() + " é <&>", m.messageAttributes().get("truck").stringValue());
            }
            for (Map.Entry<String, List<String>> e : want.entrySet()) {
                assertEquals(e.getValue(), got.get(e.getKey()), "order of group " + e.getKey());
            }

            // Dedup still applies after the delete.
            SendMessageResponse again = sqs.sendMessage(r -> r.queueUrl(url).messageBody("again")
                    .messageGroupId("truck-1").messageDeduplicationId("dedup-1"));
            assertEquals(sent.get(1).id(), again.messageId());
            assertTrue(sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)).messages().isEmpty());

            // Content-based dedup: the dedup id is the SHA-256 of the body.
            sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(Map.of(QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "true")));
            String a = sqs.sendMessage(r -> r.queueUrl(url).messageBody("same body").messageGroupId("g")).messageId();
            String b = sqs.sendMessage(r -> r.queueUrl(url).messageBody("same body").messageGroupId("g")).messageId();
            assertEquals(a, b);
            List<Message> cb = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                    .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID)).messages();
            assertEquals(1, cb.size());
            assertEquals(hex("SHA-256", "same body"), cb.get(0).attributes().get(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID));

            QueueDoesNotExistException missing = assertThrows(QueueDoesNotExistException.class,
                    () -> sqs.getQueueUrl(r -> r.queueName("java-missing-" + name)));
            assertEquals("AWS.SimpleQueueService.NonExistentQueue", missing.awsErrorDetails().errorCode());
            assertEquals(400, missing.statusCode());
        } finally {
            sqs.deleteQueue(r -> r.queueUrl(url));
        }
    }
}
