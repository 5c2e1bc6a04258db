package com.annoflow.webhookstage.endpointhealth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.workflow.PayloadShape;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.StageType;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An operator's pause or resume stays made while the bundle's periodic refresh of the pauses (every 5 s, for pauses made
 * through another instance) runs beside it. A refresh that read the pauses just before a resume and wrote them just
 * after it put the stage back to paused, on this instance, until the next refresh: in a benchmark run the bundle sent
 * nothing for 5.0 s after a resume. Here a thread refreshes without a break while the stage is paused and resumed many
 * times; after each pause or resume, until two more refreshes have ended, the stage must read and be published as the
 * operator left it.
 */
class APauseOrResumeIsNotUndoneByARefreshBesideItTest {

    private static final int ROUNDS = 150;

    private final TestDatabase database = TestDatabase.durable();
    private Storage storage;
    private StageCircuits circuits;
    private StageConfig stage;
    private final AtomicReference<Set<Long>> published = new AtomicReference<>(Set.of());
    private final AtomicLong refreshes = new AtomicLong();
    private final AtomicBoolean refreshing = new AtomicBoolean(true);
    private final List<String> wrong = new ArrayList<>();

    @BeforeEach
    void aStageFromTheRealSchema() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            // the bundle made the schema and the workflow's stages; its own circuits stop with it
        }
        storage = new Storage(database.url(), database.user(), database.password(), 4);
        long id = storage.jdbc().queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'",
                Long.class);
        stage = new StageConfig(id, "flow", "send", StageType.WEBHOOK, 1, URI.create("http://127.0.0.1:9/send"), null,
                false, List.of(Duration.ofSeconds(1)), Duration.ofSeconds(1), "annotate", "annotate", "annotate", List.of(),
                4, 0, PayloadShape.DARWIN_V2, Map.of(), List.of(), null, null, false);
        circuits = new StageCircuits(storage, new WorkflowCatalog(List.of(stage)), Clock.systemUTC(),
                new EndpointHealthSettings(true, 50, Duration.ofSeconds(60), 20, 5, Duration.ofSeconds(30)),
                new SimpleMeterRegistry());
        circuits.onPausedStagesChange(published::set);
    }

    @AfterEach
    void stopStorage() {
        refreshing.set(false);
        if (storage != null) {
            storage.stop();
        }
    }

    @Test
    void theStageStaysAsTheOperatorLeftItWhileRefreshesRunBesideIt() throws Exception {
        Thread refresher = new Thread(() -> {
            while (refreshing.get()) {
                circuits.refreshOperatorPauses();
                refreshes.incrementAndGet();
            }
        }, "refresh-beside-it");
        refresher.start();
        try {
            for (int round = 0; round < ROUNDS; round++) {
                circuits.pause(stage, "admin", null);
                watchUntilTwoMoreRefreshesEnded(round, true);
                circuits.resume(stage, "admin");
                watchUntilTwoMoreRefreshesEnded(round, false);
            }
        } finally {
            refreshing.set(false);
            refresher.join(10_000);
        }
        assertThat(refreshes.get()).as("refreshes that ran beside the pauses and resumes").isGreaterThan(2L * ROUNDS);
        assertThat(wrong).as("moments the stage was not as the operator left it").isEmpty();
    }

    /** Looks at the stage without a break until two refreshes that started after the operator's step have ended. */
    private void watchUntilTwoMoreRefreshesEnded(int round, boolean paused) {
        long until = refreshes.get() + 2;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        boolean last = false;
        while (!last) {
            last = refreshes.get() >= until;
            StageCircuits.State state = circuits.state(stage);
            boolean publishedPaused = published.get().contains(stage.id());
            if ((state == StageCircuits.State.PAUSED_BY_OPERATOR) != paused || publishedPaused != paused) {
                wrong.add("round " + round + ", " + (paused ? "after a pause" : "after a resume") + ": state " + state
                          + ", published as " + (publishedPaused ? "paused" : "sending"));
                return;
            }
            assertThat(System.nanoTime()).as("the refreshes beside it keep running").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
