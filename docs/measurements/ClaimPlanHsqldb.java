// The plan and cost of the HSQLDB claim (PortableStatements.DUE_CANDIDATES, the heads of QUEUED and of
// WAITING in one statement) with 1,000 files due and W files waiting for a retry due in an hour, on a scratch file database made by
// the bundle's own migration. Run from the repository after `mvn -B compile`:
//   java -cp "target/classes:$(cat target/bundle-classpath.txt)" docs/measurements/ClaimPlanHsqldb.java 100000
import java.nio.file.Files;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.annoflow.webhookstage.queue.PortableStatements;
import com.annoflow.webhookstage.storage.Storage;

public class ClaimPlanHsqldb {
    public static void main(String[] args) throws Exception {
        int waiting = Integer.parseInt(args[0]);
        String dir = Files.createTempDirectory("claim-plan").toString();
        Storage storage = new Storage("jdbc:hsqldb:file:" + dir + "/db;shutdown=true;hsqldb.write_delay=false", "SA", "", 2);
        storage.migrate();
        var jdbc = storage.jdbc();
        jdbc.update("INSERT INTO workflow (name, synced_at) VALUES ('w', CURRENT_TIMESTAMP)");
        jdbc.update("INSERT INTO stage (workflow_name, name, type, position, retired) VALUES ('w', 'hook', 'webhook', 1, FALSE)");
        long stage = jdbc.queryForObject("SELECT id FROM stage WHERE name = 'hook'", Long.class);
        Timestamp now = Timestamp.from(Instant.now());
        Timestamp later = Timestamp.from(Instant.now().plus(Duration.ofHours(1)));
        for (int from = 0; from < waiting + 1000; from += 5000) {
            List<Object[]> files = new ArrayList<>();
            List<Object[]> rows = new ArrayList<>();
            for (int i = from; i < Math.min(waiting + 1000, from + 5000); i++) {
                String id = UUID.randomUUID().toString();
                files.add(new Object[] { id, "f" + i, now });
                boolean due = i < 1000;
                rows.add(new Object[] { id, stage, due ? "QUEUED" : "WAITING", due ? 0 : 1, now,
                        due ? Timestamp.from(now.toInstant().minusMillis(1000 - i)) : later, now });
            }
            jdbc.batchUpdate("INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug,"
                             + " registered_at) VALUES (?, ?, '/', 'T', 't', 'D', 'd', ?)", files);
            jdbc.batchUpdate("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, due_at, updated_at)"
                             + " VALUES (?, ?, ?, ?, ?, ?, ?)", rows);
        }
        String sql = PortableStatements.DUE_CANDIDATES;
        String literal = sql;
        for (int part = 0; part < 2; part++) {
            literal = literal.replaceFirst("\\?", Long.toString(stage)).replaceFirst("\\?", "CURRENT_TIMESTAMP")
                    .replaceFirst("\\?", "50");
        }
        System.out.println("EXPLAIN PLAN FOR " + literal);
        jdbc.query("EXPLAIN PLAN FOR " + literal, rs -> { System.out.println(rs.getString(1)); });
        List<Double> millis = new ArrayList<>();
        for (int sample = 0; sample < 500; sample++) {
            long started = System.nanoTime();
            Timestamp at = Timestamp.from(Instant.now());
            jdbc.queryForList(sql, stage, at, 50, stage, at, 50);
            millis.add((System.nanoTime() - started) / 1e6);
        }
        millis.sort(null);
        System.out.printf("%d waiting for a retry, 1,000 due: the candidate query, median %.3f ms, p90 %.3f ms%n",
                waiting, millis.get(250), millis.get(450));
        storage.stop();
    }
}
