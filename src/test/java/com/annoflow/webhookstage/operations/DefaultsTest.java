package com.annoflow.webhookstage.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config/application.properties is the one place the defaults are written: the code has no second copy. */
class DefaultsTest {

    @Test
    void aSettingMissingFromTheOperatorsFileStopsStartUpNamingItAndItsEnvironmentVariable(@TempDir Path dir)
            throws IOException {
        List<String> lines = Files.readAllLines(Path.of("config", "application.properties"));
        assertThat(lines).contains("webhook.retention.keep = 720h");
        Path withoutIt = dir.resolve("application.properties");
        Files.write(withoutIt, lines.stream().filter(line -> !line.startsWith("webhook.retention.keep")).toList());

        try (Receiver receiver = new Receiver().start()) {
            BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).withOperatorFile(withoutIt);
            assertThatThrownBy(bundle::start).hasStackTraceContaining("webhook.retention.keep is not set")
                    .hasStackTraceContaining("config/application.properties lists every setting with its default")
                    .hasStackTraceContaining("WEBHOOK_RETENTION_KEEP");
            bundle.close();
        }
    }

    @Test
    void theDemosValuesSitTogetherInTheFilesLastBlock() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("config", "application.properties"));
        int block = lines.indexOf(lines.stream().filter(line -> line.startsWith("# --- Demo")).findFirst().orElseThrow());
        List<String> demo = lines.subList(block, lines.size());
        assertThat(demo).contains("webhook.demo.enabled = true", "webhook.api.admin-key = demo-admin-key",
                "webhook.ssrf.allow = 127.0.0.1");
        assertThat(lines.subList(0, block)).noneMatch(line -> line.startsWith("webhook.demo.enabled")
                                                                || line.startsWith("webhook.api.admin-key")
                                                                || line.startsWith("webhook.ssrf.allow"));
    }
}
