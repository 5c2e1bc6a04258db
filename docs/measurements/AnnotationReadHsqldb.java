// What reading annotations costs HSQLDB, by how they are stored: 5,000 files of 19 annotations of about 1 KB (the
// benchmark's ~20 KB a file), read 100 files at a time by the query FileCatalog.annotations runs, in-process on a
// scratch file database. `clob` is the table as changeset 2 made it (CLOB in a MEMORY table, read with CAST AS
// VARCHAR), `cached` as changeset 18 makes it (VARCHAR in a CACHED table), `memory` the text in a MEMORY table (every
// annotation in the heap; not adopted). Run from the repository after `mvn -B compile`:
//   for k in clob cached memory; do java -cp "$(cat target/bundle-classpath.txt)" docs/measurements/AnnotationReadHsqldb.java $k; done
// 2026-12-07: clob 189-191 us per file, cached 53-54 us, memory 17-25 us (rounds 3 and 4 of 4).
import java.sql.*;
import java.util.*;

public class AnnotationReadHsqldb {
    public static void main(String[] a) throws Exception {
        String kind = a[0]; // clob | cached | memory
        String dir = System.getProperty("java.io.tmpdir") + "/annotation-read-" + kind + "-" + System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:hsqldb:file:" + dir + "/db;shutdown=true;hsqldb.write_delay=false", "SA", "")) {
            Statement s = c.createStatement();
            s.execute("SET FILES LOB SCALE 1");
            String type = kind.equals("clob") ? "CLOB" : "VARCHAR(16777216)";
            s.execute((kind.equals("cached") ? "CREATE CACHED TABLE" : "CREATE TABLE") + " annotation (item_id VARCHAR(64) NOT NULL, position INT NOT NULL, body " + type + " NOT NULL, body_mark BIGINT, PRIMARY KEY (item_id, position))");
            String ann = "{\"id\":\"" + UUID.randomUUID() + "\",\"name\":\"car\",\"slot_names\":[\"0\"],\"polygon\":{\"paths\":[[" + "{\"x\":120.5,\"y\":310.25},".repeat(40) + "{\"x\":1,\"y\":2}]]}}";
            PreparedStatement ins = c.prepareStatement("INSERT INTO annotation VALUES (?, ?, ?, 1)");
            int files = 5000;
            for (int f = 0; f < files; f++) {
                for (int p = 0; p < 19; p++) { ins.setString(1, "file-" + f); ins.setInt(2, p); ins.setString(3, ann); ins.addBatch(); }
                if (f % 100 == 99) { ins.executeBatch(); c.commit(); }
            }
            s.execute("CHECKPOINT");
            String body = kind.equals("clob") ? "CAST(body AS VARCHAR(16777216))" : "body";
            StringBuilder q = new StringBuilder("SELECT item_id, " + body + " AS body, body_mark FROM annotation WHERE item_id IN (");
            for (int i = 0; i < 100; i++) q.append(i == 0 ? "?" : ",?");
            q.append(") ORDER BY item_id, position");
            PreparedStatement sel = c.prepareStatement(q.toString());
            Random r = new Random(1);
            for (int round = 0; round < 4; round++) {
                long t0 = System.nanoTime(); long chars = 0; int n = 0;
                for (int k = 0; k < 200; k++) {
                    for (int i = 0; i < 100; i++) sel.setString(i + 1, "file-" + r.nextInt(files));
                    try (ResultSet rs = sel.executeQuery()) { while (rs.next()) { chars += rs.getString(2).length(); n++; } }
                }
                long t = System.nanoTime() - t0;
                System.out.printf("%s round %d: %.1f us per file (%d rows, %d chars)%n", kind, round, t / 1000.0 / 20000, n, chars);
            }
        }
    }
}
