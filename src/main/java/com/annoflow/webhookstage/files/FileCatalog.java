package com.annoflow.webhookstage.files;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.annoflow.webhookstage.payload.WebhookPayload.Dataset;
import com.annoflow.webhookstage.payload.WebhookPayload.Item;
import com.annoflow.webhookstage.payload.WebhookPayload.Slot;
import com.annoflow.webhookstage.payload.WebhookPayload.SourceFile;
import com.annoflow.webhookstage.payload.WebhookPayload.SourceInfo;
import com.annoflow.webhookstage.payload.WebhookPayload.Team;
import com.annoflow.webhookstage.storage.Storage;
import org.springframework.jdbc.core.JdbcTemplate;

/** Files and their annotations: written once when registered, read for every payload. */
public final class FileCatalog {

    private final Storage storage;
    private final Clock clock;

    public FileCatalog(Storage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    /** Stores files that were validated at the edge, all in one transaction. */
    public void register(List<RegisteredFile> files) {
        storage.transactions().executeWithoutResult(tx -> files.forEach(this::insert));
    }

    public boolean exists(String itemId) {
        Integer n = storage.jdbc().queryForObject("SELECT COUNT(*) FROM file WHERE item_id = ?", Integer.class, itemId);
        return n != null && n > 0;
    }

    /** The ids among {@code itemIds} that are registered already, in one query. */
    public List<String> existing(List<String> itemIds) {
        return storage.inChunks(itemIds, "SELECT item_id FROM file WHERE item_id IN (:ids)");
    }

    private void insert(RegisteredFile file) {
        JdbcTemplate jdbc = storage.jdbc();
        Item item = file.item();
        SourceInfo info = item.sourceInfo();
        String itemId = info.itemId();
        jdbc.update("INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug,"
                    + " dataset_management_url, workview_url, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                itemId, item.name(), item.path(), info.team().name(), info.team().slug(), info.dataset().name(),
                info.dataset().slug(), info.dataset().datasetManagementUrl(), info.workviewUrl(),
                Storage.utc(clock.instant()));
        List<Slot> slots = item.slots() == null ? List.of() : item.slots();
        for (int s = 0; s < slots.size(); s++) {
            Slot slot = slots.get(s);
            jdbc.update("INSERT INTO file_slot (item_id, position, slot_name, type, width, height) VALUES (?, ?, ?, ?, ?, ?)",
                    itemId, s, slot.slotName(), slot.type(), slot.width(), slot.height());
            List<SourceFile> sources = slot.sourceFiles() == null ? List.of() : slot.sourceFiles();
            for (int f = 0; f < sources.size(); f++) {
                jdbc.update("INSERT INTO slot_source_file (item_id, slot_position, position, file_name, url)"
                            + " VALUES (?, ?, ?, ?, ?)",
                        itemId, s, f, sources.get(f).fileName(), sources.get(f).url());
            }
        }
        List<String> annotations = file.annotations();
        for (int a = 0; a < annotations.size(); a++) {
            jdbc.update("INSERT INTO annotation (item_id, position, body) VALUES (?, ?, ?)", itemId, a, annotations.get(a));
        }
    }

    public Optional<Item> item(String itemId) {
        JdbcTemplate jdbc = storage.jdbc();
        List<Item> items = jdbc.query("SELECT * FROM file WHERE item_id = ?", (rs, n) -> new Item(
                rs.getString("name"), rs.getString("path"),
                new SourceInfo(itemId, new Team(rs.getString("team_name"), rs.getString("team_slug")),
                        new Dataset(rs.getString("dataset_name"), rs.getString("dataset_slug"),
                                rs.getString("dataset_management_url")),
                        rs.getString("workview_url")),
                new ArrayList<>()), itemId);
        if (items.isEmpty()) {
            return Optional.empty();
        }
        Item item = items.get(0);
        List<List<SourceFile>> sources = new ArrayList<>();
        jdbc.query("SELECT * FROM file_slot WHERE item_id = ? ORDER BY position", rs -> {
            List<SourceFile> files = new ArrayList<>();
            sources.add(files);
            item.slots().add(new Slot(rs.getString("slot_name"), rs.getString("type"), (Integer) rs.getObject("width"),
                    (Integer) rs.getObject("height"), files));
        }, itemId);
        jdbc.query("SELECT * FROM slot_source_file WHERE item_id = ? ORDER BY slot_position, position",
                rs -> {
                    sources.get(rs.getInt("slot_position")).add(new SourceFile(rs.getString("file_name"), rs.getString("url")));
                }, itemId);
        return Optional.of(item);
    }

    public List<String> annotations(String itemId) {
        // HSQLDB sends a CLOB as a locator and fetches it in round trips of its own: cast it to text in the query
        String body = storage.isPostgres() ? "body" : "CAST(body AS VARCHAR(16777216))";
        return storage.jdbc().queryForList("SELECT " + body + " FROM annotation WHERE item_id = ? ORDER BY position",
                String.class, itemId);
    }
}
