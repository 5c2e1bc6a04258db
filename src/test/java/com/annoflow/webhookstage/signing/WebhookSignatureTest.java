package com.annoflow.webhookstage.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The Standard Webhooks test vector, rotation, and the verifier receivers can use. */
class WebhookSignatureTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long TIMESTAMP = 1614265330;
    private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private final Clock atTimestamp = Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC);

    @Test
    void theStandardWebhooksTestVectorIsReproduced() {
        assertThat(WebhookSigner.of(List.of(SECRET)).sign(ID, TIMESTAMP, BODY)).isEqualTo(EXPECTED);
    }

    @Test
    void duringRotationBothSignaturesAreSentAndEachSecretVerifies() {
        String next = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
        String header = WebhookSigner.of(List.of(next, SECRET)).sign(ID, TIMESTAMP, BODY);
        assertThat(header.split(" ")).hasSize(2).contains(EXPECTED);
        assertThat(new WebhookVerifier(SECRET, Duration.ofMinutes(5), atTimestamp).verify(ID, "" + TIMESTAMP, header, BODY)).isTrue();
        assertThat(new WebhookVerifier(next, Duration.ofMinutes(5), atTimestamp).verify(ID, "" + TIMESTAMP, header, BODY)).isTrue();
    }

    @Test
    void theVerifierRefusesAChangedBodyAWrongSecretAndAnOldTimestamp() {
        WebhookVerifier verifier = new WebhookVerifier(SECRET, Duration.ofMinutes(5), atTimestamp);
        assertThat(verifier.verify(ID, "" + TIMESTAMP, EXPECTED, "{\"test\": 1}".getBytes(StandardCharsets.UTF_8))).isFalse();
        String other = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[24]);
        assertThat(new WebhookVerifier(other, Duration.ofMinutes(5), atTimestamp).verify(ID, "" + TIMESTAMP, EXPECTED, BODY))
                .isFalse();
        Clock later = Clock.offset(atTimestamp, Duration.ofMinutes(6));
        assertThat(new WebhookVerifier(SECRET, Duration.ofMinutes(5), later).verify(ID, "" + TIMESTAMP, EXPECTED, BODY)).isFalse();
        assertThat(verifier.verify(ID, "soon", EXPECTED, BODY)).isFalse();
    }

    @Test
    void aSecretThatIsNotAStandardWebhooksSecretIsExplainedWithoutBeingRepeated() {
        assertThat(WebhookSigner.problem("hunter2")).contains("must start with whsec_").doesNotContain("hunter2");
        assertThat(WebhookSigner.problem("whsec_!!!")).contains("not valid base64");
        assertThat(WebhookSigner.problem("whsec_AAAA")).contains("24 to 64 random bytes");
        assertThat(WebhookSigner.problem(SECRET)).isNull();
    }
}
