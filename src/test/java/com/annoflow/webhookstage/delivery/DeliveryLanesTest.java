package com.annoflow.webhookstage.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import com.annoflow.webhookstage.payload.ClaimedFile;
import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.PayloadShape;
import com.annoflow.webhookstage.workflow.StageType;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery lanes as the bundle uses them, behind a Camel seda endpoint with several consumer threads: a stage's
 * files wait in its own lane while the stage holds its {@code max_concurrency} threads, and the other stages' files
 * pass them; a thread done with a file (whatever the outcome) gives its stage's place back.
 */
class DeliveryLanesTest {

    private static final long SLOW = 1;
    private static final long FAST = 2;
    private static final long WIDE = 3;
    private static final long OTHER = 4;
    /** max_per_second 5: one file per 200 ms period. */
    private static final long PACED = 5;
    private static final Duration WAIT = Duration.ofSeconds(10);

    /**
     * max_concurrency by stage: 1 for the slow stage, 2 for the fast one, 10 (more than the threads) for the others;
     * the paced stage has max_per_second 5, built as the bundle builds it from a stage's configuration.
     */
    private final DeliveryLanes lanes = new DeliveryLanes(stage -> stage == SLOW ? 1 : stage == FAST ? 2 : 10,
            stage -> stage == PACED ? AssignmentQueue.pacer(pacedStage()) : null);
    private final Map<String, Long> startedAt = new ConcurrentHashMap<>();
    private final List<String> started = new CopyOnWriteArrayList<>();
    /** A file's delivery ends when the test lets it (released permits by file name). */
    private final Map<String, Semaphore> finish = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private CamelContext camel;
    private ProducerTemplate producer;

    @BeforeEach
    void startARouteWithFourDeliveryThreads() throws Exception {
        camel = new DefaultCamelContext();
        camel.getRegistry().bind("lanes", lanes);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("seda:deliveries?queue=#lanes&concurrentConsumers=4").process(exchange -> {
                    String file = exchange.getMessage().getBody(ClaimedFile.class).visit().itemId();
                    startedAt.put(file, System.nanoTime());
                    started.add(file);
                    if (!stopping && !finish.computeIfAbsent(file, f -> new Semaphore(0)).tryAcquire(20, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never let " + file + " finish");
                    }
                    if (file.endsWith("fails")) {
                        throw new IllegalStateException("a failed delivery gives its place back too");
                    }
                });
            }
        });
        camel.start();
        producer = camel.createProducerTemplate();
    }

    @AfterEach
    void stop() {
        stopping = true;
        finish.values().forEach(s -> s.release(100));
        camel.stop();
    }

    @Test
    void aStagesFilesBeyondItsMaxConcurrencyWaitInItsLaneWhileAnotherStagesFilesPassThem() {
        send(SLOW, "slow-1");
        send(SLOW, "slow-2");
        send(SLOW, "slow-3");
        send(FAST, "fast-1");
        send(FAST, "fast-2");
        send(FAST, "fast-3");

        await().atMost(WAIT).until(() -> started.size() == 3);
        assertThat(started).containsExactlyInAnyOrder("slow-1", "fast-1", "fast-2");
        assertThat(lanes.sending(SLOW)).isEqualTo(1);
        assertThat(lanes.sending(FAST)).isEqualTo(2);
        assertThat(lanes.size()).as("waiting in their lanes, though a fourth thread is free").isEqualTo(3);

        done("fast-1");
        await().atMost(WAIT).until(() -> started.contains("fast-3"));
        assertThat(started).as("the slow stage still holds its one thread").doesNotContain("slow-2");

        done("slow-1");
        await().atMost(WAIT).until(() -> started.contains("slow-2"));
        assertThat(started).doesNotContain("slow-3");
        assertThat(lanes.sending(SLOW)).isEqualTo(1);
    }

    @Test
    void aThreadDoneWithAFailedDeliveryGivesItsStagesPlaceBack() {
        send(SLOW, "slow-1-fails");
        send(SLOW, "slow-2");
        await().atMost(WAIT).until(() -> started.size() == 1);

        done("slow-1-fails");

        await().atMost(WAIT).until(() -> started.contains("slow-2"));
        done("slow-2");
        await().atMost(WAIT).until(() -> lanes.sending(SLOW) == 0);
        assertThat(lanes.size()).isZero();
    }

    @Test
    void stagesWithWaitingFilesAreServedInTurnWhenTheThreadsAreTheLimit() {
        // two stages with room for every thread: the four threads are what the files wait for
        for (int i = 1; i <= 4; i++) {
            send(WIDE, "wide-" + i);
        }
        await().atMost(WAIT).until(() -> started.size() == 4);
        send(WIDE, "wide-5");
        send(WIDE, "wide-6");
        send(OTHER, "other-1");

        done("wide-1");
        await().atMost(WAIT).until(() -> started.size() == 5);
        done("wide-2");
        await().atMost(WAIT).until(() -> started.size() == 6);
        done("wide-3");
        await().atMost(WAIT).until(() -> started.size() == 7);

        assertThat(started.subList(4, 7)).as("the other stage's file before the wide stage's second waiting file")
                .containsExactly("wide-5", "other-1", "wide-6");
    }

    @Test
    void aPacedStagesFilesThatWaitedInItsLaneLeaveNoFasterThanItsMaxPerSecond() {
        // six files in the lane at once (claimed ahead, or held up by a slow first connection), threads to spare
        for (int i = 1; i <= 6; i++) {
            send(PACED, "paced-" + i);
            finish.computeIfAbsent("paced-" + i, f -> new Semaphore(0)).release();
        }
        send(OTHER, "other-1");
        finish.computeIfAbsent("other-1", f -> new Semaphore(0)).release();

        await().atMost(WAIT).until(() -> started.size() == 7);
        assertThat(started.indexOf("other-1")).as("the other stage's file does not wait for the paced one's permits")
                .isLessThan(started.indexOf("paced-3"));
        // one permit per 200 ms period: six files span at least five periods but for the edges of the first and last
        long spanMillis = TimeUnit.NANOSECONDS.toMillis(startedAt.get("paced-6") - startedAt.get("paced-1"));
        assertThat(spanMillis).as("from the first paced file taken to the sixth (unpaced: a few ms)")
                .isGreaterThanOrEqualTo(800);
    }

    /** A stage with max_per_second 5, as the workflow file's parser makes it. */
    private static StageConfig pacedStage() {
        return new StageConfig(PACED, "flow", "paced", StageType.WEBHOOK, 1, URI.create("http://127.0.0.1:9/paced"), null,
                false, List.of(Duration.ofSeconds(1)), Duration.ofSeconds(1), "complete", "complete", "complete", List.of(),
                10, 5, PayloadShape.DARWIN_V2, Map.of(), List.of(), null, null, false);
    }

    private void send(long stage, String file) {
        producer.sendBody("seda:deliveries?queue=#lanes",
                new ClaimedFile(new Visit(file, stage, "delivery-" + file, 0, "test", null), false, null, null));
    }

    private void done(String file) {
        finish.computeIfAbsent(file, f -> new Semaphore(0)).release();
    }
}
