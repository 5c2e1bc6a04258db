package com.annoflow.webhookstage.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import com.annoflow.webhookstage.support.TestFiles;

/**
 * A seeded generator of malformed and hostile API requests: broken JSON, wrong types, huge and deep bodies, NUL bytes,
 * odd Unicode, SQL and path tricks, wrong content types and charsets, missing, wrong, revoked and query-string keys,
 * a worker on admin endpoints, and framing no HTTP client sends. The same seed gives the same requests.
 */
final class HostileRequests {

    /** One request: what it tries, and whether a success (2xx) is allowed for it (a valid request with odd text). */
    record Hostile(String what, String method, String path, Map<String, String> headers, byte[] body, boolean chunked,
            boolean maySucceed, byte[] raw) {

        static Hostile of(String what, String method, String path, Map<String, String> headers, String body) {
            return new Hostile(what, method, path, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                    false, false, null);
        }

        Hostile mayBeAccepted() {
            return new Hostile(what, method, path, headers, body, chunked, true, raw);
        }

        Hostile sentChunked() {
            return new Hostile(what, method, path, headers, body, true, maySucceed, raw);
        }

        static Hostile raw(String what, String request) {
            return new Hostile(what, "RAW", "", Map.of(), null, false, false, request.getBytes(StandardCharsets.ISO_8859_1));
        }

        static Hostile raw(String what, byte[] request) {
            return new Hostile(what, "RAW", "", Map.of(), null, false, false, request);
        }
    }

    /** The keys the requests use: an admin's, a worker's, a revoked one. */
    record Keys(String admin, String worker, String revoked) {
    }

    private static final String[] ODD_TEXT = {
        "\u0000", "a\u0000b", "\\u0000", "\ud800", "\udfff", "\ud83d\ude00", "\u202e\u0644\u0627", "\u200b", "e\u0301",
        "\ufeff", "\uffff", "\u2028", "\u0007", "\r\n", "' OR '1'='1", "1; DROP TABLE file;--", "%27%20OR%201=1",
        "../../etc/passwd", "..%2F..%2Fapi%2Fkeys", "%2e%2e%2f", "${jndi:ldap://127.0.0.1/x}", "{{camel.server.port}}",
        "<script>alert(1)</script>", "\"; DELETE FROM api_key; --", "NaN", "null", "", " ", "x".repeat(5000),
        "\u00e9\u00e8\u00ea", "\u4e2d\u6587", "\u0000".repeat(10)
    };

    private static final String[] JSON_VALUES = {
        "null", "true", "false", "0", "-1", "1.5", "1e999999", "-0", "123456789012345678901234567890", "\"\"", "\"x\"",
        "[]", "{}", "[[]]", "[null]", "{\"a\": null}", "\"" + "y".repeat(3000) + "\"", "[" + "1,".repeat(500) + "1]"
    };

    private final Random random;
    private final Keys keys;
    private final List<String> knownFileIds;

    HostileRequests(long seed, Keys keys, List<String> knownFileIds) {
        this.random = new Random(seed);
        this.keys = keys;
        this.knownFileIds = knownFileIds;
    }

    List<Hostile> generate(int count) {
        List<Supplier<Hostile>> families = List.of(this::brokenJson, this::wrongType, this::deepBody, this::oddText,
                this::oddPathOrQuery, this::wrongContentType, this::wrongKey, this::workerOnAdminEndpoint,
                this::wrongMethodOrPath, this::oddHeader);
        List<Hostile> requests = new ArrayList<>(fixed());
        while (requests.size() < count) {
            requests.add(families.get(random.nextInt(families.size())).get());
        }
        return requests;
    }

    /** The cases every run has, whatever the seed: the caps, and framing no client library sends. */
    private List<Hostile> fixed() {
        List<Hostile> fixed = new ArrayList<>();
        String bigName = "{\"item\": {\"name\": \"" + "n".repeat(10_000_001) + "\"}}";
        fixed.add(Hostile.of("body over max-request-bytes", "POST", "/api/files", json(keys.admin()), bigName));
        fixed.add(Hostile.of("body over max-request-bytes, chunked", "POST", "/api/files", json(keys.admin()), bigName).sentChunked());
        fixed.add(Hostile.of("65,536 ids in one assignment", "POST", "/api/assignments", json(keys.admin()),
                assignmentOf("flow", "send", manyIds(65_536))));
        fixed.add(Hostile.of("10,001 ids in one assignment", "POST", "/api/assignments", json(keys.admin()),
                assignmentOf("flow", "annotate", manyIds(10_001))));
        fixed.add(Hostile.of("10,001 ids in one redelivery", "POST", "/api/redeliveries", json(keys.admin()),
                assignmentOf("flow", "send", manyIds(10_001))));
        fixed.add(Hostile.of("1,001 files in one registration", "POST", "/api/files", json(keys.admin()),
                "{\"files\": [" + String.join(",", java.util.Collections.nCopies(1001, file("a.jpg", "[]"))) + "]}"));
        fixed.add(Hostile.of("10,001 annotations on one file", "POST", "/api/files", json(keys.admin()),
                "{\"files\": [" + file("a.jpg", "[" + String.join(",", java.util.Collections.nCopies(10_001,
                        "{\"name\": \"car\", \"tag\": {}}")) + "]") + "]}"));
        fixed.add(Hostile.of("an item.name of 5,000 characters", "POST", "/api/files", json(keys.admin()),
                "{\"files\": [" + file("n".repeat(5000), "[]") + "]}"));
        fixed.add(Hostile.of("a source file URL of 9,000 characters", "POST", "/api/files", json(keys.admin()),
                "{\"files\": [" + file("a.jpg", "[]").replace("https://example.org/files/a.jpg",
                        "https://example.org/" + "u".repeat(9000)) + "]}"));
        fixed.add(Hostile.of("JSON nested 2,000 levels", "POST", "/api/files", json(keys.admin()),
                "{\"files\": " + "[".repeat(2000) + "]".repeat(2000) + "}"));
        fixed.add(Hostile.of("charset utf-7", "POST", "/api/files",
                Map.of("Authorization", "Bearer " + keys.admin(), "Content-Type", "application/json; charset=utf-7"),
                TestFiles.registration(TestFiles.newId())));
        fixed.add(Hostile.of("a NUL in a key name", "POST", "/api/keys", json(keys.admin()),
                "{\"name\": \"k\\u0000ey\", \"role\": \"user\"}"));
        fixed.add(Hostile.of("a NUL in a file id", "GET", "/api/files/%00" + TestFiles.newId().substring(1), auth(keys.admin()), null));
        fixed.add(Hostile.of("a NUL in a revoked key's name", "DELETE", "/api/keys/a%00b", auth(keys.admin()), null));
        fixed.add(Hostile.of("the admin key in the query string", "GET", "/api/keys?Authorization=Bearer%20" + keys.admin(),
                Map.of(), null));
        fixed.add(Hostile.of("the admin key in the query string, making a key", "POST",
                "/api/keys?Authorization=Bearer%20" + keys.admin(), Map.of("Content-Type", "application/json"),
                "{\"name\": \"from-query\", \"role\": \"admin\"}"));
        String head = "POST /api/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + keys.admin()
                      + "\r\nContent-Type: application/json\r\n";
        fixed.add(Hostile.raw("Content-Length and Transfer-Encoding, a plain body",
                head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello"));
        fixed.add(Hostile.raw("Transfer-Encoding then Content-Length, a half chunk",
                head + "Transfer-Encoding: chunked\r\nContent-Length: 50\r\n\r\n5\r\nhello\r\n"));
        fixed.add(Hostile.raw("Transfer-Encoding that is not chunked", head + "Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}"));
        fixed.add(Hostile.raw("two Transfer-Encodings", head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n"));
        fixed.add(Hostile.raw("a body that stops short", head + "Content-Length: 100\r\n\r\n{\"files\": ["));
        fixed.add(Hostile.raw("two Content-Lengths", head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"));
        fixed.add(Hostile.raw("a chunk size that is no number", head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"));
        fixed.add(Hostile.raw("a negative Content-Length", head + "Content-Length: -1\r\n\r\n{}"));
        fixed.add(Hostile.raw("a header of 20,000 characters", "GET /api/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: "
                                                               + "h".repeat(20_000) + "\r\n\r\n"));
        fixed.add(Hostile.raw("a request line that is no request", "HELLO\r\n\r\n"));
        fixed.add(Hostile.raw("an Authorization with a NUL", "GET /api/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                                             + keys.admin() + "\u0000\r\n\r\n"));
        fixed.add(Hostile.raw("two Authorization headers, worker first", "GET /api/keys HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                                         + "Authorization: Bearer " + keys.worker()
                                                                         + "\r\nAuthorization: Bearer " + keys.admin()
                                                                         + "\r\n\r\n"));
        fixed.add(Hostile.raw("invalid UTF-8 in a body", concat(
                (head + "Content-Length: 24\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                new byte[] { '{', '"', 'i', 't', 'e', 'm', '"', ':', '{', '"', 'n', 'a', 'm', 'e', '"', ':', '"',
                    (byte) 0xC0, (byte) 0xAF, (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}' })));
        return fixed;
    }

    private Hostile brokenJson() {
        String valid = validBody();
        int kind = random.nextInt(7);
        boolean flipped = kind == 1;
        String body = switch (kind) {
            case 0 -> valid.substring(0, random.nextInt(Math.max(1, valid.length() - 1)));
            case 1 -> flip(valid);
            case 2 -> valid + pick("}", "]", ",", " garbage", "{}", "\u0000");
            case 3 -> valid.replace("\"", "'");
            case 4 -> "/* comment */ " + valid;
            case 5 -> pick("", " ", "{", "}", "[", "nul", "tru", "{\"a\":}", "{,}", "{\"a\" 1}", "{\"a\":1,}", "\u0000");
            default -> randomText(random.nextInt(200));
        };
        Hostile request = Hostile.of("broken JSON", "POST", pick("/api/files", "/api/assignments", "/api/keys",
                "/api/redeliveries"), json(keys.admin()), body);
        // a flipped character inside a string can leave the JSON valid
        return flipped ? request.mayBeAccepted() : request;
    }

    private Hostile wrongType() {
        String[] templates = {
            "{\"workflow\": %s, \"stage\": \"annotate\", \"file_ids\": [\"" + known() + "\"]}",
            "{\"workflow\": \"flow\", \"stage\": %s, \"file_ids\": [\"" + known() + "\"]}",
            "{\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": %s}",
            "{\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": [%s]}",
            "{\"name\": %s, \"role\": \"user\"}",
            "{\"name\": \"k-" + random.nextInt(1000) + "\", \"role\": %s}",
            "{\"files\": %s}",
            "{\"files\": [%s]}",
            "{\"files\": [{\"item\": %s}]}",
            "{\"item\": {\"name\": %s, \"source_info\": {\"team\": {\"name\": \"t\", \"slug\": \"t\"}, \"dataset\": {\"name\": \"d\", \"slug\": \"d\"}}}}",
            "{\"item\": {\"name\": \"a.jpg\", \"source_info\": %s}}",
            "{\"item\": {\"name\": \"a.jpg\", \"source_info\": {\"team\": {\"name\": \"t\", \"slug\": \"t\"}, \"dataset\": {\"name\": \"d\", \"slug\": \"d\"}}, \"slots\": %s}}",
            "{\"item\": {\"name\": \"a.jpg\", \"source_info\": {\"team\": {\"name\": \"t\", \"slug\": \"t\"}, \"dataset\": {\"name\": \"d\", \"slug\": \"d\"}}, \"slots\": [{\"slot_name\": \"0\", \"type\": \"image\", \"width\": %s}]}}",
            "{\"item\": {\"name\": \"a.jpg\", \"source_info\": {\"team\": {\"name\": \"t\", \"slug\": \"t\"}, \"dataset\": {\"name\": \"d\", \"slug\": \"d\"}}}, \"annotations\": %s}",
            "{\"item\": {\"name\": \"a.jpg\", \"source_info\": {\"team\": {\"name\": \"t\", \"slug\": \"t\"}, \"dataset\": {\"name\": \"d\", \"slug\": \"d\"}}}, \"annotations\": [{\"name\": \"car\", \"bounding_box\": %s}]}",
            "{\"workflow\": \"flow\", \"stage\": \"send\", \"failed_since\": %s}",
            "{\"reason\": %s}"
        };
        int index = random.nextInt(templates.length);
        String path = index < 4 ? "/api/assignments" : index < 6 ? "/api/keys" : index < 15 ? "/api/files"
                : index == 15 ? "/api/redeliveries" : "/api/workflows/flow/stages/send/pause";
        // the pause is a worker's (refused whatever the body); a wrong type that happens to be right may be accepted
        boolean pause = index == templates.length - 1;
        Hostile request = Hostile.of("wrong type", "POST", path, json(pause ? keys.worker() : keys.admin()),
                templates[index].formatted(pick(JSON_VALUES)));
        return pause ? request : request.mayBeAccepted();
    }

    private Hostile deepBody() {
        int depth = new int[] { 65, 100, 500, 2000, 20_000 }[random.nextInt(5)];
        String open = random.nextBoolean() ? "[" : "{\"a\":";
        String close = open.equals("[") ? "]" : "}";
        String nested = open.repeat(depth) + "1" + close.repeat(depth);
        String body = switch (random.nextInt(3)) {
            case 0 -> "{\"files\": [{\"item\": " + nested + "}]}";
            case 1 -> "{\"files\": [" + file("a.jpg", "[{\"name\": \"car\", \"attributes\": " + nested + "}]") + "]}";
            default -> "{\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": " + nested + "}";
        };
        return Hostile.of("deep body (" + depth + ")", "POST", body.contains("file_ids") ? "/api/assignments" : "/api/files",
                json(keys.admin()), body);
    }

    private Hostile oddText() {
        String odd = jsonString(pick(ODD_TEXT) + (random.nextBoolean() ? "" : pick(ODD_TEXT)));
        return switch (random.nextInt(7)) {
            case 0 -> Hostile.of("odd file name", "POST", "/api/files", json(keys.admin()),
                    "{\"files\": [" + file("NAME", "[]").replace("\"NAME\"", odd) + "]}").mayBeAccepted();
            case 1 -> Hostile.of("odd team slug", "POST", "/api/files", json(keys.admin()),
                    "{\"files\": [" + file("a.jpg", "[]").replace("\"my-team\"", odd) + "]}").mayBeAccepted();
            case 2 -> Hostile.of("odd annotation name", "POST", "/api/files", json(keys.admin()),
                    "{\"files\": [" + file("a.jpg", "[{\"name\": " + odd + ", \"tag\": {}}]") + "]}").mayBeAccepted();
            case 3 -> Hostile.of("odd id in an assignment", "POST", "/api/assignments", json(keys.admin()),
                    "{\"workflow\": \"flow\", \"stage\": \"annotate\", \"file_ids\": [" + odd + "]}");
            case 4 -> Hostile.of("odd key name", "POST", "/api/keys", json(keys.admin()),
                    "{\"name\": " + odd + ", \"role\": \"user\"}").mayBeAccepted();
            case 5 -> Hostile.of("odd workflow name", "POST", "/api/assignments", json(keys.admin()),
                    "{\"workflow\": " + odd + ", \"stage\": \"send\", \"file_ids\": [\"" + known() + "\"]}");
            default -> Hostile.of("odd item id", "POST", "/api/files", json(keys.admin()),
                    "{\"files\": [" + TestFiles.file("ID", "a.jpg", "[]").replace("\"item_id\": \"ID\"", "\"item_id\": " + odd)
                    + "]}").mayBeAccepted();
        };
    }

    private Hostile oddPathOrQuery() {
        String odd = encode(pick(ODD_TEXT));
        int which = random.nextInt(15);
        String path = switch (which) {
            case 0 -> "/api/files/" + odd;
            case 1 -> "/api/files/" + odd + "/deliveries";
            case 2 -> "/api/workflows/" + odd + "/stages/send/health";
            case 3 -> "/api/workflows/flow/stages/" + odd + "/deliveries";
            case 4 -> "/api/workflows/flow/stages/send/deliveries?since=" + odd;
            case 5 -> "/api/workflows/flow/stages/send/deliveries?since=2026-01-01T00:00:00Z&since=" + odd;
            case 6 -> "/api/files/" + known() + "?itemId=" + odd;
            case 7 -> "/api/files/..%2F..%2Fkeys";
            case 8 -> "/api/workflows/flow/stages/send/files?status=" + odd;
            case 9 -> "/api/workflows/flow/stages/send/files?status=failed&limit=" + odd;
            case 10 -> "/api/workflows/flow/stages/send/files?status=waiting&offset=" + odd;
            case 11 -> "/api/workflows/flow/stages/" + odd + "/summary";
            case 12 -> "/console/" + odd;
            case 13 -> "/api/files/" + odd; // deleted: an odd id is never a file's
            default -> "/api/keys/" + odd;
        };
        String method = path.startsWith("/api/keys/") || which == 13 ? "DELETE" : "GET";
        return Hostile.of("odd path or query", method, path, auth(keys.admin()), null).mayBeAccepted();
    }

    private Hostile wrongContentType() {
        String type = pick("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=XyZ",
                "application/xml", "application/json; charset=utf-16", "application/json; charset=latin1",
                "application/json; charset=", "application/json; charset=\"utf-7\"", "*/*", "json", "x/y; charset=utf-8",
                "application/json, text/plain", "");
        String body = type.startsWith("multipart")
                ? "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../x.sh\"\r\n\r\nrm -rf /\r\n--XyZ--\r\n"
                : type.startsWith("application/x-www") ? "workflow=flow&stage=send&file_ids=" + known()
                : "<files><file/></files>";
        Map<String, String> headers = new LinkedHashMap<>(auth(keys.admin()));
        headers.put("Content-Type", type);
        return Hostile.of("content type " + type, "POST", pick("/api/files", "/api/assignments", "/api/keys"), headers, body);
    }

    private Hostile wrongKey() {
        String authorization = pick("", "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "bearer" + keys.admin(),
                "Bearer " + keys.revoked(), "Bearer wsk_" + randomToken(), "Bearer " + keys.admin().toUpperCase(),
                "Token " + keys.admin(), "Bearer  ", "Bearer " + keys.admin().substring(1), null);
        Map<String, String> headers = new LinkedHashMap<>();
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        String query = random.nextBoolean() ? "?Authorization=" + encode("Bearer " + keys.admin()) : "";
        return random.nextBoolean()
                ? Hostile.of("wrong key", "GET", pick("/api/workflows", "/api/keys", "/api/files/" + known()) + query, headers, null)
                : Hostile.of("wrong key", "POST", pick("/api/keys", "/api/files", "/api/assignments") + query,
                        withJson(headers), "{\"name\": \"sneaky\", \"role\": \"admin\"}");
    }

    private Hostile workerOnAdminEndpoint() {
        return switch (random.nextInt(8)) {
            case 0 -> Hostile.of("worker makes a key", "POST", "/api/keys", json(keys.worker()), "{\"name\": \"w2\", \"role\": \"admin\"}");
            case 1 -> Hostile.of("worker lists keys", "GET", "/api/keys", auth(keys.worker()), null);
            case 2 -> Hostile.of("worker revokes the admin", "DELETE", "/api/keys/admin", auth(keys.worker()), null);
            case 3 -> Hostile.of("worker pauses", "POST", "/api/workflows/flow/stages/send/pause", json(keys.worker()), "{}");
            case 4 -> Hostile.of("worker resumes", "POST", "/api/workflows/flow/stages/send/resume", auth(keys.worker()), null);
            case 5 -> Hostile.of("worker registers", "POST", "/api/files", json(keys.worker()), TestFiles.registration(TestFiles.newId()));
            case 6 -> Hostile.of("worker redelivers", "POST", "/api/redeliveries", json(keys.worker()),
                    "{\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": [\"" + known() + "\"]}");
            default -> Hostile.of("worker assigns to a webhook", "POST", "/api/assignments", json(keys.worker()),
                    "{\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": [\"" + known() + "\"]}");
        };
    }

    private Hostile wrongMethodOrPath() {
        String method = pick("PUT", "PATCH", "DELETE", "OPTIONS", "GET", "POST", "TRACE");
        String path = pick("/api/files", "/api/nope", "/api", "/api/", "/api/keys/admin/extra", "/api/workflows/flow",
                "/api/workflows/flow/stages/send", "/api/workflows/flow/stages/send/explode", "//api/keys",
                "/api/./keys/../keys", "/API/KEYS", "/api/files/" + known() + "/deliveries/1");
        // a path the router normalises to a real one (/api/./keys/../keys) may be answered as that one
        return Hostile.of("wrong method or path", method, path, auth(keys.admin()), method.equals("GET") ? null : "{}")
                .mayBeAccepted();
    }

    private Hostile oddHeader() {
        Map<String, String> headers = new LinkedHashMap<>(json(keys.admin()));
        String name = pick("CamelHttpUri", "CamelHttpMethod", "CamelHttpResponseCode", "CamelRedeliveryDelay",
                "CamelHttpPath", "CamelHttpQuery", "itemId", "workflow", "stage", "name", "X-Forwarded-For", "Accept");
        headers.put(name, pick("http://127.0.0.1:1/evil", "GET", "200", "600000", "/api/keys", "x=1", known(), "flow",
                "send", "admin", "127.0.0.1", "text/html"));
        String query = random.nextBoolean() ? "?" + name + "=" + encode(headers.get(name)) : "";
        return switch (random.nextInt(3)) {
            case 0 -> Hostile.of("steering header on a ping", "POST", "/api/workflows/flow/stages/send/ping" + query,
                    headers, null).mayBeAccepted();
            case 1 -> Hostile.of("steering header on a read", "GET", "/api/files/" + known() + query, headers, null).mayBeAccepted();
            default -> Hostile.of("steering header on a refused write", "POST", "/api/assignments" + query, headers,
                    "{\"workflow\": \"flow\", \"stage\": \"nope\", \"file_ids\": [\"" + known() + "\"]}");
        };
    }

    private String validBody() {
        return pick(TestFiles.registration(TestFiles.newId()), assignmentOf("flow", "annotate", List.of(known())),
                "{\"name\": \"k\", \"role\": \"user\"}", "{\"reason\": \"maintenance\"}");
    }

    private String flip(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < 1 + random.nextInt(3); i++) {
            String replacements = "{}[]\",:\\0x\u0000";
            chars[random.nextInt(chars.length)] = replacements.charAt(random.nextInt(replacements.length()));
        }
        return new String(chars);
    }

    private String randomText(int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append((char) (random.nextBoolean() ? 32 + random.nextInt(95) : random.nextInt(0xD7FF)));
        }
        return text.toString();
    }

    private String randomToken() {
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < 43; i++) {
            token.append("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".charAt(random.nextInt(64)));
        }
        return token.toString();
    }

    private String known() {
        return knownFileIds.get(random.nextInt(knownFileIds.size()));
    }

    private static String file(String name, String annotations) {
        return TestFiles.file("ID", name, annotations).replace("\"item_id\": \"ID\", ", "");
    }

    private static String assignmentOf(String workflow, String stage, List<String> ids) {
        return "{\"workflow\": \"" + workflow + "\", \"stage\": \"" + stage + "\", \"file_ids\": [\"" + String.join("\", \"", ids)
               + "\"]}";
    }

    private static List<String> manyIds(int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(TestFiles.newId());
        }
        return ids;
    }

    private static String jsonString(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"').toString();
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static Map<String, String> auth(String key) {
        return Map.of("Authorization", "Bearer " + key);
    }

    private static Map<String, String> json(String key) {
        return Map.of("Authorization", "Bearer " + key, "Content-Type", "application/json");
    }

    private static Map<String, String> withJson(Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put("Content-Type", "application/json");
        return all;
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }
}
