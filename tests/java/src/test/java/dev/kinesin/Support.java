package dev.kinesin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.ProtocolNegotiation;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.utils.AttributeMap;

/** What both suites share: the endpoint, credentials, a wire recorder and assertions. */
final class Support {
    static final String ACCOUNT = "000000000000";
    static final String CBOR = "application/x-amz-cbor-1.1";

    private Support() {}

    /** The kinesin endpoint under test, from $KINESIN_ENDPOINT (scripts/java-tests.sh sets it). */
    static URI endpoint() {
        String e = System.getenv("KINESIN_ENDPOINT");
        if (e == null || e.isBlank()) {
            throw new IllegalStateException("KINESIN_ENDPOINT is not set: run scripts/java-tests.sh");
        }
        return URI.create(e);
    }

    /**
     * kinesin's TLS endpoint (self-signed certificate, ALPN h2 and http/1.1), from
     * $KINESIN_TLS_ENDPOINT; tests that need it are skipped when it is not set.
     */
    static URI tlsEndpoint() {
        return optionalEndpoint("KINESIN_TLS_ENDPOINT", "kinesin has no TLS port");
    }

    /** moto's server, for the KCL's DynamoDB lease table, from $KINESIN_DDB_ENDPOINT. */
    static URI ddbEndpoint() {
        return optionalEndpoint("KINESIN_DDB_ENDPOINT", "no DynamoDB (moto_server) endpoint");
    }

    private static URI optionalEndpoint(String variable, String why) {
        String e = System.getenv(variable);
        Assumptions.assumeTrue(e != null && !e.isBlank(), why + ": " + variable + " is not set (scripts/java-tests.sh sets it)");
        return URI.create(e);
    }

    /**
     * A Netty client speaking HTTP/2 to kinesin's TLS port, trusting its self-signed certificate.
     * The SDK's default negotiation (ASSUME_PROTOCOL) sends no ALPN and starts with the HTTP/2
     * preface; ALPN offers h2 and needs the server to pick it.
     */
    static SdkAsyncHttpClient http2Client(ProtocolNegotiation negotiation) {
        return NettyNioAsyncHttpClient.builder()
                .protocol(Protocol.HTTP2)
                .protocolNegotiation(negotiation)
                .maxConcurrency(50)
                .buildWithDefaults(AttributeMap.builder()
                        .put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, true)
                        .build());
    }

    static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }

    static Region region() {
        return Region.US_EAST_1;
    }

    static String streamName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** CBOR must be what the SDK uses: nothing here or in the environment turns it off. */
    static void assertCborEnabled() {
        assertTrue(SdkSystemSetting.CBOR_ENABLED.getBooleanValueOrThrow(), "the SDK's CBOR setting is off");
    }

    /** Arrival and creation times must be now-ish: a seconds/millis mix-up lands in 1970 or year 50000+. */
    static void assertRecent(Instant t, String what) {
        Duration off = Duration.between(t, Instant.now()).abs();
        assertTrue(off.compareTo(Duration.ofMinutes(1)) < 0, what + " is " + t + ", not within a minute of now");
    }

    static String notFound(String stream) {
        return "Stream " + stream + " under account " + ACCOUNT + " not found.";
    }

    /** Records the Content-Type of every request sent and every response received. */
    static final class WireRecorder implements ExecutionInterceptor {
        final List<String> requests = new CopyOnWriteArrayList<>();
        final List<String> responses = new CopyOnWriteArrayList<>();

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            requests.add(context.httpRequest().firstMatchingHeader("Content-Type").orElse("<none>"));
        }

        @Override
        public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
            responses.add(context.httpResponse().firstMatchingHeader("Content-Type").orElse("<none>"));
        }

        void assertAllCbor() {
            assertFalse(requests.isEmpty(), "no request was recorded");
            for (String ct : requests) {
                assertEquals(CBOR, ct.toLowerCase(Locale.ROOT), "request Content-Type");
            }
            assertEquals(requests.size(), responses.size(), "one response per request");
            for (String ct : responses) {
                assertEquals(CBOR, ct.toLowerCase(Locale.ROOT), "response Content-Type");
            }
        }
    }
}
