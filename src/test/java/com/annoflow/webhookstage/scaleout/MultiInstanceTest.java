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
            // enough runs after both instances are up that each had a dozen chances to fire on its own
            int before = scheduledRuns(instances).size();
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                    .until(() -> scheduledRuns(instances).size() >= before + 24);

            // one trigger for the cluster: each scheduled time fired by one instance, and every scheduled time on the
            // trigger's 500 ms grid; an instance with a trigger of its own would fire on a grid of its own, beside it
            List<Long> all = scheduledRuns(instances);
            List<Long> runs = all.subList(before, all.size());
            long first = runs.get(0);
            System.out.printf("CLUSTERED JOBS: %d lease-recovery runs across 2 instances, per instance %s%n", runs.size(),
                    instances.stream().map(i -> count(i.log(), "lease-recovery runs on")).toList());
            assertThat(runs).doesNotHaveDuplicates();
            assertThat(runs).allSatisfy(at -> assertThat((at - first) % 500).as("run scheduled for %d", at).isZero());
        } finally {
            instances.forEach(BundleProcess::close);
        }
    }

    /** The scheduled times of the lease-recovery runs of every instance, in order. */
    private static List<Long> scheduledRuns(List<BundleProcess> instances) {
        Pattern run = Pattern.compile("lease-recovery runs on \\S+ for (\\d+)");
        List<Long> times = new ArrayList<>();
        for (BundleProcess instance : instances) {
            Matcher m = run.matcher(instance.log());
            while (m.find()) {
                times.add(Long.parseLong(m.group(1)));
            }
        }
        times.sort(null);
        return times;
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
