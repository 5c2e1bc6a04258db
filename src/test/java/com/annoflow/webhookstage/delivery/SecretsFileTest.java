package com.annoflow.webhookstage.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets can live in a properties file outside the repository, named by WEBHOOK_SECRETS_FILE. */
class SecretsFileTest {

    @TempDir
    Path dir;

    @Test
    void anAuthorizationValueFromTheSecretsFileReachesTheReceiver() throws Exception {
        Path secrets = Files.writeString(dir.resolve("secrets.properties"), "test.authorization = Bearer from-secrets-file\n");
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).withSecretsFile(secrets.toString())) {
            // the factory's own value is the fallback: remove it so only the file can supply it
            bundle.without("test.authorization").start();
            String id = TestFiles.newId();
            bundle.post("/api/files", TestFiles.registration(id));
            bundle.post("/api/assignments", TestFiles.assignment("auth", "hook", id));
            await().atMost(Duration.ofSeconds(20)).until(() -> "auth/complete ASSIGNED".equals(bundle.stageOf(id)));
            assertThat(receiver.requestsFor(id).get(0).getHeader("Authorization")).isEqualTo("Bearer from-secrets-file");
        }
    }
}
