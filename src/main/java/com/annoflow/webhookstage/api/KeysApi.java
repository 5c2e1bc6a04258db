package com.annoflow.webhookstage.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.annoflow.webhookstage.access.ApiKeys;
import com.annoflow.webhookstage.access.Caller;
import com.annoflow.webhookstage.access.Role;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The API keys: an admin creates, lists and revokes them; a key is shown once, when it is created.
 */
public final class KeysApi {

    private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private final ApiKeys keys;

    public KeysApi(ApiKeys keys) {
        this.keys = keys;
    }

    public Map<String, Object> createKey(JsonNode request, Caller caller) {
        ApiChecks.requireRole(caller, "manage API keys", Role.ADMIN);
        List<String> problems = new ArrayList<>();
        String name = ApiChecks.text(request, "name", problems);
        String roleText = ApiChecks.text(request, "role", problems);
        if (!problems.isEmpty()) {
            throw new ApiException(400, String.join("; ", problems));
        }
        Role role = Role.parse(roleText);
        if (role == null) {
            throw new ApiException(400, "role: '" + ApiText.shown(roleText) + "' is not a role; use admin, user,"
                                        + " workforce_manager or worker");
        }
        requireKeyName(name);
        if (keys.exists(name)) {
            throw new ApiException(409, "name: '" + name + "' is taken; revoke it or pick another name");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("name", name);
        answer.put("role", role.name().toLowerCase());
        answer.put("key", keys.create(name, role));
        answer.put("note", "store this key now: only its hash is kept");
        return answer;
    }

    /**
     * Who the caller is: the key's name and role, and what that role may do (the console offers only that). Any key may
     * ask.
     */
    public Object whoAmI(Caller caller) {
        boolean operator = ApiChecks.mayOperate(caller);
        boolean admin = caller.role() == Role.ADMIN;
        Map<String, Object> may = new LinkedHashMap<>();
        may.put("read", true);
        may.put("register_and_assign", operator);
        may.put("redeliver", operator);
        may.put("retry_now", operator);
        may.put("pause_and_resume", operator);
        may.put("ping", operator);
        may.put("delete_files", admin);
        may.put("manage_keys", admin);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("name", caller.name());
        answer.put("role", caller.role().name().toLowerCase());
        answer.put("may", may);
        return answer;
    }

    public Object keys(Caller caller) {
        ApiChecks.requireRole(caller, "manage API keys", Role.ADMIN);
        return Map.of("keys", keys.list());
    }

    public Object revokeKey(String name, Caller caller) {
        ApiChecks.requireRole(caller, "manage API keys", Role.ADMIN);
        requireKeyName(name);
        if (!keys.revoke(name)) {
            throw new ApiException(404, "name: no active key '" + name + "'");
        }
        return Map.of("revoked", name);
    }

    /** Key names are what the key table holds: checked before any query, so a hostile name never reaches the database. */
    private static void requireKeyName(String name) {
        if (!KEY_NAME.matcher(name).matches()) {
            throw new ApiException(400, "name: '" + ApiText.shown(name) + "' must be 1-100 letters, digits, '.', '_' or '-'");
        }
    }
}
