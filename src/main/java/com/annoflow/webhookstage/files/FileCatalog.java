package com.annoflow.webhookstage.files;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.storage.Storage;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.ResultSetExtractor;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

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
            String body = annotations.get(a);
            jdbc.update("INSERT INTO annotation (item_id, position, body, body_mark) VALUES (?, ?, ?, ?)", itemId, a, body,
                    file.validated() ? StoredAnnotation.mark(body) : null);
        }
    }

    /**
     * The stored metadata of several files in one statement (files, their slots and the slots' source files, joined:
     * one row per source file), whatever their number up to 1,000; files that are not registered are absent from the
     * map. One statement instead of one per table: each is a round trip, and on the HSQLDB server three (prepare,
     * execute, close), on the path of every claim.
     */
    public Map<String, Item> items(List<String> itemIds) {
        Map<String, Item> items = new HashMap<>();
        if (itemIds.isEmpty()) {
            return items;
        }
        new NamedParameterJdbcTemplate(storage.jdbc()).query(ITEMS_WITH_SLOTS, new MapSqlParameterSource("ids", itemIds),
                (ResultSetExtractor<Void>) rs -> {
                    // rows come ordered by file, slot, source file: a slot starts where file or slot position changes
                    String lastItemId = null;
                    Integer lastSlotPosition = null;
                    while (rs.next()) {
                        String itemId = rs.getString("item_id");
                        Item item = items.get(itemId);
                        if (item == null) {
                            item = new Item(rs.getString("name"), rs.getString("path"),
                                    new SourceInfo(itemId, new Team(rs.getString("team_name"), rs.getString("team_slug")),
                                            new Dataset(rs.getString("dataset_name"), rs.getString("dataset_slug"),
                                                    rs.getString("dataset_management_url")),
                                            rs.getString("workview_url")),
                                    new ArrayList<>());
                            items.put(itemId, item);
                        }
                        Integer slotPosition = (Integer) rs.getObject("slot_position");
                        if (slotPosition == null) {
                            continue; // a file without slots: its one row
                        }
                        List<Slot> slots = item.slots();
                        if (!itemId.equals(lastItemId) || !slotPosition.equals(lastSlotPosition)) {
                            slots.add(new Slot(rs.getString("slot_name"), rs.getString("type"),
                                    (Integer) rs.getObject("width"), (Integer) rs.getObject("height"), new ArrayList<>()));
                            lastItemId = itemId;
                            lastSlotPosition = slotPosition;
                        }
                        if (rs.getObject("source_position") != null) {
                            slots.get(slots.size() - 1).sourceFiles()
                                    .add(new SourceFile(rs.getString("file_name"), rs.getString("url")));
                        }
                    }
                    return null;
                });
        return items;
    }

    /** {@link #items}: a file's columns repeated on each of its source files' rows, ordered by file, slot, source file. */
    private static final String ITEMS_WITH_SLOTS =
            "SELECT f.item_id, f.name, f.path, f.team_name, f.team_slug, f.dataset_name, f.dataset_slug,"
            + " f.dataset_management_url, f.workview_url, s.position AS slot_position, s.slot_name, s.type, s.width,"
            + " s.height, sf.position AS source_position, sf.file_name, sf.url"
            + " FROM file f LEFT JOIN file_slot s ON s.item_id = f.item_id"
            + " LEFT JOIN slot_source_file sf ON sf.item_id = s.item_id AND sf.slot_position = s.position"
            + " WHERE f.item_id IN (:ids) ORDER BY f.item_id, s.position, sf.position";

    /** The annotation bodies of several files, in their order, in one statement; files without any are absent. */
    public Map<String, List<StoredAnnotation>> annotations(List<String> itemIds) {
        Map<String, List<StoredAnnotation>> bodies = new HashMap<>();
        if (itemIds.isEmpty()) {
            return bodies;
        }
        new NamedParameterJdbcTemplate(storage.jdbc()).query("SELECT item_id, body, body_mark"
                                                             + " FROM annotation WHERE item_id IN (:ids)"
                                                             + " ORDER BY item_id, position",
                new MapSqlParameterSource("ids", itemIds),
                rs -> {
                    bodies.computeIfAbsent(rs.getString("item_id"), id -> new ArrayList<>())
                            .add(StoredAnnotation.read(rs.getString("body"), rs.getObject("body_mark", Long.class)));
                });
        return bodies;
    }
}
