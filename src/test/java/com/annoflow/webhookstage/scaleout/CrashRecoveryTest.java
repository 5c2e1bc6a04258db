package com.annoflow.webhookstage.scaleout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.support.BundleProcess;
import com.annoflow.webhookstage.support.CountingReceiver;
import com.annoflow.webhookstage.support.PostgresOnly;
import com.annoflow.webhookstage.support.TestDatabase;
import org.junit.jupiter.api.Test;

/**
 * A bundle JVM killed with SIGKILL again and again during a run, next to one that keeps running: no file is lost,
 * every file ends in its next or failure stage, a repeated delivery carries the delivery id of its first, and no visit
 * exceeds its attempt budget by more than the attempt in flight.
 */
@PostgresOnly
class CrashRecoveryTest {

    private static final int FILES = 2000;
    private static final int KILLS = 3;
    private static final int BUDGET = 6;


    @Test
    void killedInstancesLoseNoFileAndKeepTheirDeliveryIdsAndBudgets() {
        TestDatabase database = TestDatabase.durable();
        List<BundleProcess> all = new ArrayList<>();
        try (CountingReceiver receiver = new CountingReceiver().failing(0.2).answeringAfter(100)) {
            BundleProcess survivor = crashable("survivor", database, receiver);
            BundleProcess victim = crashable("victim-0", database, receiver);
            all.add(survivor.start());
            all.add(victim.start());
            Api.awaitUp(survivor);
            Api.awaitUp(victim);

            long started = System.nanoTime();
            Api.registerAndAssign(survivor, FILES);
            for (int kill = 1; kill <= KILLS; kill++) {
                // kill only a victim that is up and delivering, so the kill lands mid-delivery
                Api.awaitUp(victim);
                int target = Math.min(FILES - 200, finished(database) + 250);
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                        .until(() -> finished(database) >= target);
                assertThat(finished(database)).as("the run must still be going when the victim dies").isLessThan(FILES);
                victim.kill();
                victim = crashable("victim-" + kill, database, receiver);
                all.add(victim.start());
            }
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> finished(database) == FILES);
            long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();

            assertThat(database.jdbc().queryForObject(
                    "SELECT COUNT(*) FROM assignment WHERE status IN ('QUEUED', 'SENDING')", Integer.class)).isZero();
            Map<String, List<String>> received = receiver.requests();
            assertThat(received).hasSize(FILES);
            Map<String, Integer> perDelivery = new HashMap<>();
            received.values().forEach(ids -> {
                assertThat(ids).as("every request for one file carries its first delivery id").containsOnly(ids.get(0));
                perDelivery.merge(ids.get(0), ids.size(), Integer::sum);
            });
            assertThat(perDelivery.values()).allSatisfy(requests -> assertThat(requests).isLessThanOrEqualTo(BUDGET + 1));
            Integer recorded = database.jdbc().queryForObject(
                    "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM delivery_attempt GROUP BY delivery_id) per_delivery",
                    Integer.class);
            assertThat(recorded).isLessThanOrEqualTo(BUDGET);

            long recovered = all.stream().mapToLong(b -> countLines(b.log(), "whose lease expired went back to the queue")).sum();
            assertThat(recovered).as("leases left by the killed JVMs were recovered").isPositive();

            int failed = database.jdbc().queryForObject("SELECT COUNT(*) FROM assignment a JOIN stage s ON s.id = a.stage_id"
                                                        + " WHERE s.name = 'webhook-failed'", Integer.class);
            System.out.printf("CRASH: %d files, %d SIGKILLs, done in %d ms; %d recoveries of expired leases; %d requests"
                              + " (%d beyond one per file, 20%% answered"
                              + " 503) and %d probes, most requests for one delivery %d, most recorded attempts %d,"
                              + " %d in the failure stage%n",
                    FILES, KILLS, millis, recovered, receiver.total(), receiver.total() - FILES, receiver.tests(),
                    perDelivery.values().stream().mapToInt(Integer::intValue).max().orElse(0), recorded, failed);
        } finally {
            all.forEach(BundleProcess::close);
        }
    }

    private static long countLines(String log, String what) {
        return log.lines().filter(line -> line.contains(what)).count();
    }

    private static BundleProcess crashable(String name, TestDatabase database, CountingReceiver receiver) {
        return BundleProcess.forDeliveryTests(name, database, receiver.baseUrl())
                .with("webhook.lease-duration", "5s")
                .with("webhook.lease-recovery-interval", "1s")
                .with("webhook.timeout", "2s")
                .with("webhook.retry-schedule", "100ms, 200ms, 400ms")
                .with("webhook.retry-after.max", "1s")
                .with("webhook.concurrency", "4")
                // crash safety, not isolation: the one stage may use every thread
                .with("webhook.max-concurrency-per-stage", "4");
    }

    /** Files that left flow/send for good: delivered (annotate) or failed (webhook-failed). */
    private static int finished(TestDatabase database) {
        return database.jdbc().queryForObject("SELECT COUNT(*) FROM assignment a JOIN stage s ON s.id = a.stage_id"
                                              + " WHERE s.workflow_name = 'flow' AND s.name IN ('annotate', 'webhook-failed')",
                Integer.class);
    }
}
