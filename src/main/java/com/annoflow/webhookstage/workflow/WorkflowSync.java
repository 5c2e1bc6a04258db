package com.annoflow.webhookstage.workflow;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Makes the database match {@code config/workflow.yaml}, idempotently: stages are matched by workflow and name, so a
 * restart or an edit updates them in place and files keep their place. A stage that left the file is retired, and
 * start-up refuses to retire a stage that still holds files (they would be stuck).
 */
public final class WorkflowSync {

    private static final Logger LOG = LoggerFactory.getLogger(WorkflowSync.class);

    private static final long SYNC_LOCK = 0x5745424853594E43L;

    private final Storage storage;
    private final Clock clock;

    public WorkflowSync(Storage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    public WorkflowCatalog sync(List<StageConfig> configured) {
        List<StageConfig> synced = storage.transactions().execute(status -> syncAll(configured));
        LOG.info("Workflows synced: {} stages in {}", synced.size(),
                synced.stream().map(StageConfig::workflow).distinct().toList());
        return new WorkflowCatalog(synced);
    }

    private List<StageConfig> syncAll(List<StageConfig> configured) {
        JdbcTemplate jdbc = storage.jdbc();
        if (storage.isPostgres()) {
            // instances starting together sync one after the other, so none trips over another's new stage rows
            jdbc.queryForList("SELECT pg_advisory_xact_lock(" + SYNC_LOCK + ")");
        }
        Instant now = clock.instant();
        List<String> problems = new ArrayList<>();
        List<StageConfig> synced = new ArrayList<>();
        Map<String, Long> ids = new HashMap<>();
        for (String workflow : configured.stream().map(StageConfig::workflow).distinct().toList()) {
            if (jdbc.update("UPDATE workflow SET synced_at = ? WHERE name = ?", Storage.utc(now), workflow) == 0) {
                jdbc.update("INSERT INTO workflow (name, synced_at) VALUES (?, ?)", workflow, Storage.utc(now));
            }
        }
        for (StageConfig stage : configured) {
            Long webhookTimeout = stage.timeout() == null ? null : stage.timeoutMillis();
            Integer retries = stage.type().isAutomated() ? stage.retries() : null;
            Boolean annotations = stage.type().isAutomated() ? stage.includeAnnotations() : null;
            String url = stage.url() == null ? null : stage.url().toString();
            int updated = jdbc.update("UPDATE stage SET type = ?, position = ?, url = ?, include_annotations = ?, retries = ?,"
                                      + " timeout_ms = ?, retired = FALSE WHERE workflow_name = ? AND name = ?",
                    stage.type().label(), stage.position(), url, annotations, retries, webhookTimeout, stage.workflow(),
                    stage.name());
            if (updated == 0) {
                jdbc.update("INSERT INTO stage (workflow_name, name, type, position, url, include_annotations, retries,"
                            + " timeout_ms, retired) VALUES (?, ?, ?, ?, ?, ?, ?, ?, FALSE)",
                        stage.workflow(), stage.name(), stage.type().label(), stage.position(), url, annotations, retries,
                        webhookTimeout);
            }
            long id = jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = ? AND name = ?", Long.class,
                    stage.workflow(), stage.name());
            ids.put(stage.qualifiedName(), id);
            synced.add(stage.withId(id));
        }
        retireRemovedStages(jdbc, ids, problems);
        writeEdges(jdbc, synced, ids);
        settleStatuses(jdbc);
        if (!problems.isEmpty()) {
            throw new WorkflowDefinitionException("the workflow file", problems);
        }
        return synced;
    }

    private void retireRemovedStages(JdbcTemplate jdbc, Map<String, Long> ids, List<String> problems) {
        for (Map<String, Object> row : jdbc.queryForList("SELECT id, workflow_name, name FROM stage WHERE retired = FALSE")) {
            long id = ((Number) row.get("id")).longValue();
            String qualified = row.get("workflow_name") + "/" + row.get("name");
            if (ids.containsKey(qualified)) {
                continue;
            }
            Integer files = jdbc.queryForObject("SELECT COUNT(*) FROM assignment WHERE stage_id = ?", Integer.class, id);
            if (files != null && files > 0) {
                problems.add("stage '" + qualified + "' was removed from the file but still holds " + files
                             + " file(s); put it back, or move its files to another stage first");
            } else {
                jdbc.update("UPDATE stage SET retired = TRUE WHERE id = ?", id);
                LOG.info("Stage {} is no longer configured and was retired", qualified);
            }
        }
    }

    private void writeEdges(JdbcTemplate jdbc, List<StageConfig> stages, Map<String, Long> ids) {
        for (StageConfig stage : stages) {
            jdbc.update("DELETE FROM stage_edge WHERE stage_id = ?", stage.id());
            if (stage.next() != null) {
                jdbc.update("INSERT INTO stage_edge (stage_id, kind, target_stage_id) VALUES (?, 'next', ?)", stage.id(),
                        ids.get(stage.workflow() + "/" + stage.next()));
            }
            if (stage.onSuccess() != null && !stage.onSuccess().equals(stage.next())) {
                jdbc.update("INSERT INTO stage_edge (stage_id, kind, target_stage_id) VALUES (?, 'success', ?)", stage.id(),
                        ids.get(stage.workflow() + "/" + stage.onSuccess()));
            }
            if (stage.onFailure() != null) {
                jdbc.update("INSERT INTO stage_edge (stage_id, kind, target_stage_id) VALUES (?, 'failure', ?)", stage.id(),
                        ids.get(stage.workflow() + "/" + stage.onFailure()));
            }
        }
    }

    /** A stage whose type changed keeps its files, with the status its new type expects (nothing stays stuck). */
    private void settleStatuses(JdbcTemplate jdbc) {
        int queued = jdbc.update("UPDATE assignment SET status = 'QUEUED' WHERE status = 'ASSIGNED' AND stage_id IN"
                                 + " (SELECT id FROM stage WHERE type = 'webhook')");
        int parked = jdbc.update("UPDATE assignment SET status = 'ASSIGNED', lease_owner = NULL, lease_expires_at = NULL"
                                 + " WHERE status <> 'ASSIGNED' AND stage_id IN (SELECT id FROM stage WHERE type <> 'webhook')");
        if (queued + parked > 0) {
            LOG.info("Stage types changed: {} file(s) queued for their webhook, {} file(s) now wait for people", queued,
                    parked);
        }
    }
}
