package com.annoflow.webhookstage.scaleout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.annoflow.webhookstage.support.BundleProcess;
import com.annoflow.webhookstage.support.CountingReceiver;
import com.annoflow.webhookstage.support.PostgresOnly;
import com.annoflow.webhookstage.support.TestDatabase;
import org.junit.jupiter.api.Test;

/** Several bundle JVMs on one PostgreSQL database share the queue without sharing a file, and the Quartz jobs. */
@PostgresOnly
class MultiInstanceTest {

    private static final int FILES = 3000;


    @Test
    void threeInstancesOnOneDatabaseDeliverEveryFileExactlyOnce() {
        TestDatabase database = TestDatabase.durable();
        List<BundleProcess> instances = new ArrayList<>();
        try (CountingReceiver receiver = new CountingReceiver()) {
            for (String name : List.of("instance-a", "instance-b", "instance-c")) {
                instances.add(BundleProcess.forDeliveryTests(name, database, receiver.baseUrl()).start());
            }
            instances.forEach(Api::awaitUp);

            long started = System.nanoTime();
            List<String> files = Api.registerAndAssign(instances.get(0), FILES);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> inStage(database, "annotate") == FILES);
            long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();

            Map<String, List<String>> received = receiver.requests();
            assertThat(received).hasSize(FILES).containsOnlyKeys(files);
            assertThat(received.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
            assertThat(database.jdbc().queryForObject("SELECT COUNT(*) FROM delivery_attempt", Integer.class)).isEqualTo(FILES);
            List<Long> perInstance = instances.stream().map(i -> count(i.log(), "moved flow/send")).toList();
            assertThat(perInstance).allSatisfy(moved -> assertThat(moved).isPositive());
            System.out.printf("MULTI-INSTANCE: %d files, 3 instances, registered+assigned+delivered in %d ms (%.0f files/s),"
                              + " moved per instance %s%n", FILES, millis, FILES * 1000.0 / millis, perInstance);
        } finally {
            instances.forEach(BundleProcess::close);
        }
    }

    @Test
    void eachClusteredJobFiresOnOneInstanceAtATime() {
        TestDatabase database = TestDatabase.durable();
        List<BundleProcess> instances = new ArrayList<>();
        try (CountingReceiver receiver = new CountingReceiver()) {
            for (String name : List.of("jobs-a", "jobs-b")) {
                instances.add(BundleProcess.forDeliveryTests(name, database, receiver.baseUrl())
                        .with("webhook.lease-recovery-interval", "500ms").start());
            }
            instances.forEach(Api::awaitUp);
            long before = runs(instances);
            long started = System.nanoTime();
            await().pollDelay(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(11)).until(() -> true);
            long runs = runs(instances) - before;
            double seconds = (System.nanoTime() - started) / 1e9;

            // clustered: about one run per interval in total; unclustered it would be about two (one per instance)
            double expected = seconds / 0.5;
            System.out.printf("CLUSTERED JOBS: %d lease-recovery runs in %.1f s across 2 instances (one per 500 ms = %.0f)%n",
                    runs, seconds, expected);
            assertThat((double) runs).isBetween(expected * 0.6, expected * 1.4);
        } finally {
            instances.forEach(BundleProcess::close);
        }
    }

    private static long runs(List<BundleProcess> instances) {
        return instances.stream().mapToLong(i -> count(i.log(), "lease-recovery runs on")).sum();
    }

    private static int inStage(TestDatabase database, String stage) {
        return database.jdbc().queryForObject("SELECT COUNT(*) FROM assignment a JOIN stage s ON s.id = a.stage_id"
                                              + " WHERE s.workflow_name = 'flow' AND s.name = ?", Integer.class, stage);
    }

    private static long count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        long n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
