package com.annoflow.webhookstage.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.annoflow.webhookstage.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** API keys, stored as SHA-256 hashes only. A new key is shown once, when it is made. */
public final class ApiKeys {

    private static final Logger LOG = LoggerFactory.getLogger("webhook.api");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Storage storage;
    private final Clock clock;

    public ApiKeys(Storage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    /** The operator's admin key from configuration ({@code webhook.api.admin-key}), kept in step at every start. */
    public void ensureAdminKey(String key) {
        if (key == null || key.isBlank()) {
            LOG.warn("No webhook.api.admin-key is set: the API answers 401 to everyone until one is (e.g. WEBHOOK_API_ADMIN_KEY)");
            return;
        }
        storage.transactions().executeWithoutResult(tx -> {
            storage.jdbc().update("DELETE FROM api_key WHERE name = 'admin'");
            storage.jdbc().update("INSERT INTO api_key (name, role, key_hash, created_at) VALUES ('admin', 'ADMIN', ?, ?)",
                    hash(key), Storage.utc(clock.instant()));
        });
    }

    public Optional<Caller> find(String key) {
        return storage.jdbc().query("SELECT name, role FROM api_key WHERE key_hash = ? AND revoked_at IS NULL",
                (rs, n) -> new Caller(rs.getString("name"), Role.valueOf(rs.getString("role"))), hash(key)).stream().findFirst();
    }

    /** Makes a key; returns it in clear, the only time it is ever shown. */
    public String create(String name, Role role) {
        String key = "wsk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32));
        storage.jdbc().update("INSERT INTO api_key (name, role, key_hash, created_at) VALUES (?, ?, ?, ?)", name, role.name(),
                hash(key), Storage.utc(clock.instant()));
        return key;
    }

    public boolean exists(String name) {
        Integer n = storage.jdbc().queryForObject("SELECT COUNT(*) FROM api_key WHERE name = ?", Integer.class, name);
        return n != null && n > 0;
    }

    public boolean revoke(String name) {
        return storage.jdbc().update("UPDATE api_key SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                Storage.utc(clock.instant()), name) == 1;
    }

    public List<Map<String, Object>> list() {
        return storage.jdbc().queryForList("SELECT name, role, created_at, revoked_at FROM api_key ORDER BY name").stream()
                .map(row -> Map.<String, Object>of("name", row.get("name"), "role", row.get("role"),
                        "revoked", row.get("revoked_at") != null))
                .toList();
    }

    static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
