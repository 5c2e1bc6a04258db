package com.annoflow.webhookstage.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;

import com.annoflow.webhookstage.storage.Storage;
import liquibase.Liquibase;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.DirectoryResourceAccessor;

/** A database as an earlier version of the bundle left it: the schema of today's changelog without its later change sets. */
public final class EarlierSchema {

    private EarlierSchema() {
    }

    /**
     * Migrates {@code storage} with the bundle's changelog as it was before {@code changeSetId}: the same file (written
     * under {@code scratch}, the path Liquibase records unchanged) without that change set, so a later start of the bundle
     * runs just that one.
     */
    public static void migrateWithout(Storage storage, String changeSetId, Path scratch) throws Exception {
        Path db = Files.createDirectories(scratch.resolve("db"));
        String changelog = resource("db/changelog.xml");
        int start = changelog.indexOf("  <changeSet id=\"" + changeSetId + "\"");
        if (start < 0) {
            throw new IllegalArgumentException("no change set " + changeSetId + " in db/changelog.xml");
        }
        int end = changelog.indexOf("</changeSet>", start) + "</changeSet>".length();
        Files.writeString(db.resolve("changelog.xml"), changelog.substring(0, start) + changelog.substring(end));
        Files.writeString(db.resolve("quartz-postgres.sql"), resource("db/quartz-postgres.sql"));
        try (Connection connection = storage.dataSource().getConnection();
                DirectoryResourceAccessor files = new DirectoryResourceAccessor(scratch)) {
            new Liquibase("db/changelog.xml", files, DatabaseFactory.getInstance()
                    .findCorrectDatabaseImplementation(new JdbcConnection(connection))).update("");
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Storage.class.getClassLoader().getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
