package com.annoflow.webhookstage.bench;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.annoflow.webhookstage.files.Dataset;
import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.files.Item;
import com.annoflow.webhookstage.files.RegisteredFile;
import com.annoflow.webhookstage.files.Slot;
import com.annoflow.webhookstage.files.SourceFile;
import com.annoflow.webhookstage.files.SourceInfo;
import com.annoflow.webhookstage.files.Team;
import com.annoflow.webhookstage.storage.Storage;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The benchmark's files in the database: registered like the API registers them (about 2 KB of metadata each, some
 * with 20 KB of annotations) or made in SQL, assigned to a stage, parked for a retry, and put back between runs.
 */
final class BenchData {

    static List<String> register(Storage storage, int count, String kind, int annotationBytes) {
        FileCatalog catalog = new FileCatalog(storage, Clock.systemUTC());
        List<String> ids = new ArrayList<>(count);
        List<RegisteredFile> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            batch.add(file(id, kind + "-" + i, annotationBytes));
            if (batch.size() == 500) {
                catalog.register(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            catalog.register(batch);
        }
        return ids;
    }

    /** About 2 KB of metadata: three slots of two source files each, with realistic URLs. */
    static RegisteredFile file(String id, String name, int annotationBytes) {
        List<Slot> slots = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            List<SourceFile> sources = new ArrayList<>();
            for (int f = 0; f < 2; f++) {
                sources.add(new SourceFile(name + "-" + s + "-" + f + ".jpg",
                        "https://storage.example.org/teams/my-team/datasets/cars-2026/" + id + "/slots/" + s + "/files/"
                        + name + "-" + s + "-" + f + ".jpg?X-Amz-Expires=3600&X-Amz-SignedHeaders=host"));
            }
            slots.add(new Slot(Integer.toString(s), "image", 1920, 1080, sources));
        }
        Item item = new Item(name + ".jpg", "/benchmark/cars",
                new SourceInfo(id, new Team("My Team", "my-team"),
                        new Dataset("Cars 2026", "cars-2026", "https://example.org/datasets/339222/dataset-management"),
                        "https://example.org/workview?dataset=339222&item=" + id),
                slots);
        List<JsonNode> annotations = new ArrayList<>();
        for (int size = 0; size < annotationBytes; ) {
            String annotation = "{\"id\": \"" + UUID.randomUUID() + "\", \"name\": \"car\", \"slot_names\": [\"0\"],"
                                + " \"polygon\": {\"paths\": [[" + "{\"x\": 120.5, \"y\": 310.25}, ".repeat(40)
                                + "{\"x\": 1.0, \"y\": 2.0}]]}}";
            annotations.add(parse(annotation));
            // counted as written here (as before the mark, so the same annotations and the same bytes are sent)
            size += annotation.length();
        }
        // as the API registers them: checked (these are valid) and stored compact, with their mark
        return RegisteredFile.ofValidated(item, annotations);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode parse(String annotation) {
        try {
            return JSON.readTree(annotation);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Assigns the files to a webhook stage, as the bundle's API does with files that sit in an earlier stage. */
    static void assign(JdbcTemplate jdbc, List<String> ids, long stage) {
        forFilesOf(jdbc, ids, stage, "UPDATE assignment SET stage_id = :stage, status = 'QUEUED', attempts = 0,"
                                     + " delivery_id = NULL, lease_owner = NULL, lease_expires_at = NULL, assigned_at = :now,"
                                     + " due_at = :now, updated_at = :now WHERE item_id IN (:ids)");
    }

    /** Runs {@code sql} (parameters :stage, :now, :ids) for the files, 5,000 ids at a time. */
    static void forFilesOf(JdbcTemplate jdbc, List<String> ids, long stage, String sql) {
        Timestamp now = Timestamp.from(Instant.now());
        NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(jdbc);
        for (int from = 0; from < ids.size(); from += 5000) {
            named.update(sql, new MapSqlParameterSource("stage", stage).addValue("now", now)
                    .addValue("ids", ids.subList(from, Math.min(ids.size(), from + 5000))));
        }
    }

    /**
     * Puts every file back in its dataset stage and empties the history. On PostgreSQL the tables are vacuumed too, standing in for autovacuum (off on
     * this machine's server, conf.d/90-ci.conf; on in production): without it every run left 40,000 dead rows, and
     * every later claim and count stepped over all of them. Then a CHECKPOINT. No ANALYZE: each run starts with the statistics of an
     * empty queue, as a burst of work does in production.
     */
    static void reset(JdbcTemplate jdbc, Map<Long, List<String>> homes, boolean postgres) {
        for (String table : List.of("assignment", "delivery_attempt", "stage_transition", "stage_passed")) {
            jdbc.update("DELETE FROM " + table);
            if (table.equals("assignment")) {
                // every file back in its workflow's dataset stage, as files sit in an earlier stage in production: the
                // assignment table holds every file's current stage, so it is never empty. Emptied (as it was), the
                // bundle's statements were planned on a table of a few rows during a trickle and PostgreSQL kept those
                // plans (sequential scans) while the table grew: see docs/benchmarks.md, "the trickle"
                homes.forEach((dataset, files) -> forFilesOf(jdbc, files, dataset,
                        "INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, updated_at)"
                        + " SELECT item_id, :stage, 'ASSIGNED', 0, :now, :now FROM file WHERE item_id IN (:ids)"));
            }
            if (postgres) {
                jdbc.execute("VACUUM " + table);
            }
        }
        // the deletes (and vacuums) write a lot of log: without a checkpoint here, the one they cause lands in the
        // measurement. PostgreSQL: "checkpoints are occurring too frequently" during the latency run, p99 532 ms.
        // HSQLDB: a checkpoint rewrites the whole database script (60 MB) every 50 MB of log, about once per run, and
        // blocks every statement meanwhile; it fell on the bundle's or the baseline's run by chance.
        jdbc.execute("CHECKPOINT");
    }

    /** Registers {@code count} bare files in SQL (no slots, no annotations), in batches. */
    static List<String> insertFiles(JdbcTemplate jdbc, String prefix, int count) {
        List<String> ids = new ArrayList<>(count);
        Timestamp now = Timestamp.from(Instant.now());
        for (int from = 0; from < count; from += 5_000) {
            List<Object[]> rows = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 5_000); i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                rows.add(new Object[] { id, prefix + i, now });
            }
            jdbc.batchUpdate("INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug,"
                             + " registered_at) VALUES (?, ?, '/waiting', 'My Team', 'my-team', 'Cars', 'cars', ?)", rows);
        }
        return ids;
    }

    /** The files wait in the stage for a retry due in an hour, one attempt made. */
    static void park(JdbcTemplate jdbc, List<String> ids, long stage) {
        Timestamp now = Timestamp.from(Instant.now());
        Timestamp due = Timestamp.from(Instant.now().plus(Duration.ofHours(1)));
        jdbc.update("DELETE FROM assignment WHERE status = 'WAITING'");
        for (int from = 0; from < ids.size(); from += 5_000) {
            List<Object[]> rows = new ArrayList<>();
            for (String id : ids.subList(from, Math.min(ids.size(), from + 5_000))) {
                rows.add(new Object[] { id, stage, "msg_" + id.replace("-", ""), now, due, now });
            }
            jdbc.batchUpdate("INSERT INTO assignment (item_id, stage_id, status, attempts, delivery_id, assigned_at, due_at,"
                             + " updated_at) VALUES (?, ?, 'WAITING', 1, ?, ?, ?, ?)", rows);
        }
    }

    static long moved(JdbcTemplate jdbc, long next) {
        Long n = jdbc.queryForObject("SELECT COUNT(*) FROM assignment WHERE stage_id = ?", Long.class, next);
        return n == null ? 0 : n;
    }

    static long stageId(JdbcTemplate jdbc, String workflow, String stage) {
        return jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = ? AND name = ?", Long.class, workflow, stage);
    }

    private BenchData() {
    }
}
