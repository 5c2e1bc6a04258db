package com.annoflow.webhookstage.workflow;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import com.annoflow.webhookstage.signing.WebhookSigner;
import com.annoflow.webhookstage.workflow.TargetUrls;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.apache.camel.util.TimeUtils;

/**
 * Reads {@code config/workflow.yaml} and validates all of it before anything touches the database. Every problem is
 * reported at once, each naming the workflow, the stage and the field, with what to write instead.
 */
public final class WorkflowDefinitionLoader {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,99}");
    private static final Set<String> COMMON_FIELDS = Set.of("name", "type", "next");
    private static final Set<String> WEBHOOK_FIELDS = Set.of("url", "authorization", "include_annotations", "retries",
            "retry_schedule", "timeout", "on_success", "on_failure", "signing_secret", "previous_signing_secret",
            "max_concurrency", "max_per_second", "payload", "headers", "next_from_response", "oauth2", "client_certificate",
            "traceparent");
    private static final Set<String> OAUTH2_FIELDS = Set.of("token_url", "client_id", "client_secret", "scope",
            "client_authentication");
    private static final Set<String> CLIENT_CERTIFICATE_FIELDS = Set.of("keystore", "password");
    private static final int MAX_RETRIES = RetrySchedule.MOST_RETRIES;
    private static final double MOST_PER_SECOND = 10_000;

    /**
     * Defaults and bounds that come from the bundle's settings: the retry schedule ({@code webhook.retry-schedule},
     * whose first {@code webhook.retries} waits a stage gets), the timeout, and the delivery threads a stage may hold.
     */
    public record Limits(List<Duration> defaultSchedule, int defaultRetries, Duration defaultTimeout, Duration maxTimeout,
            int defaultMaxConcurrency, int concurrency, List<String> targetSchemes) {

        /** The same limits with {@code webhook.targets.allow} = {@code schemes}. */
        public Limits allowingTargets(List<String> schemes) {
            return new Limits(defaultSchedule, defaultRetries, defaultTimeout, maxTimeout, defaultMaxConcurrency, concurrency,
                    schemes);
        }
    }

    private final UnaryOperator<String> placeholders;
    private final Limits limits;
    /** What "now" is when a client certificate's validity is checked. */
    private final Clock clock;
    /** The problems of one load: every load reads with an instance of its own. */
    private final List<String> problems;

    /**
     * @param placeholders resolves {@code {{...}}} placeholders (Camel properties, {@code {{env:NAME}}}), so secrets
     *                     such as the Authorization value need not sit in the file
     * @param clock        the bundle's clock: a client certificate that has expired by it is refused
     */
    public WorkflowDefinitionLoader(UnaryOperator<String> placeholders, Limits limits, Clock clock) {
        this(placeholders, limits, clock, List.of());
    }

    private WorkflowDefinitionLoader(UnaryOperator<String> placeholders, Limits limits, Clock clock, List<String> problems) {
        this.placeholders = placeholders;
        this.limits = limits;
        this.clock = clock;
        this.problems = problems;
    }

    /** The stages of every workflow in {@code file}, or a {@link WorkflowDefinitionException} listing every problem. */
    public List<StageConfig> load(Path file) {
        return new WorkflowDefinitionLoader(placeholders, limits, clock, new ArrayList<>()).read(file);
    }

    private List<StageConfig> read(Path file) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new WorkflowDefinitionException(file.toString(),
                    List.of("cannot read the file: " + e.getMessage().lines().findFirst().orElse("")
                            + " (set webhook.workflow-file to a readable YAML file)"));
        }
        List<StageConfig> stages = parse(root);
        if (!problems.isEmpty()) {
            throw new WorkflowDefinitionException(file.toString(), problems);
        }
        return stages;
    }

    private List<StageConfig> parse(JsonNode root) {
        List<StageConfig> all = new ArrayList<>();
        if (root == null || !root.path("workflows").isArray() || root.path("workflows").isEmpty()) {
            problems.add("top level: field 'workflows' must be a list with at least one workflow");
            return all;
        }
        unknownFields(root, Set.of("workflows"), "top level");
        Set<String> workflowNames = new HashSet<>();
        int index = 0;
        for (JsonNode workflow : root.get("workflows")) {
            String where = "workflows[" + index++ + "]";
            String name = text(workflow, "name", where);
            if (name == null) {
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                problems.add(where + ": field 'name' = '" + name + "' must be lower-case letters, digits, '-' or '_'");
                continue;
            }
            if (!workflowNames.add(name)) {
                problems.add("workflow '" + name + "': defined twice; give each workflow its own name");
                continue;
            }
            unknownFields(workflow, Set.of("name", "stages"), "workflow '" + name + "'");
            all.addAll(parseWorkflow(name, workflow.get("stages")));
        }
        return all;
    }

    private List<StageConfig> parseWorkflow(String workflow, JsonNode stagesNode) {
        String where = "workflow '" + workflow + "'";
        if (stagesNode == null || !stagesNode.isArray() || stagesNode.isEmpty()) {
            problems.add(where + ": field 'stages' must be a list with at least one stage");
            return List.of();
        }
        // first pass: names and types, so edges can refer to stages further down the list
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        Map<String, StageType> types = new LinkedHashMap<>();
        int index = 0;
        for (JsonNode stage : stagesNode) {
            String stageWhere = where + ", stages[" + index++ + "]";
            String name = text(stage, "name", stageWhere);
            String typeLabel = text(stage, "type", name == null ? stageWhere : where + ", stage '" + name + "'");
            if (name == null || typeLabel == null) {
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                problems.add(stageWhere + ": field 'name' = '" + name + "' must be lower-case letters, digits, '-' or '_'");
                continue;
            }
            StageType type = StageType.fromLabel(typeLabel);
            if (type == null) {
                problems.add(where + ", stage '" + name + "': field 'type' = '" + typeLabel + "' is not a stage type; use one of "
                             + StageType.labels());
                continue;
            }
            if (byName.put(name, stage) != null) {
                problems.add(where + ", stage '" + name + "': defined twice; stage names must be unique in a workflow");
            }
            types.put(name, type);
        }
        List<String> order = new ArrayList<>(byName.keySet());

        // default next: the following stage in the list that is not a holding stage; complete and holding have none
        Map<String, String> next = new LinkedHashMap<>();
        for (int i = 0; i < order.size(); i++) {
            String name = order.get(i);
            JsonNode stage = byName.get(name);
            String stageWhere = where + ", stage '" + name + "'";
            String explicit = optionalText(stage, "next", stageWhere);
            if (explicit != null) {
                if (!types.containsKey(explicit)) {
                    problems.add(stageWhere + ": field 'next' = '" + explicit + "' names no stage of this workflow; use one of "
                                 + order);
                } else if (explicit.equals(name)) {
                    problems.add(stageWhere + ": field 'next' points at the stage itself; name a different stage");
                } else {
                    next.put(name, explicit);
                }
            } else if (types.get(name) != StageType.COMPLETE && types.get(name) != StageType.HOLDING) {
                for (int j = i + 1; j < order.size(); j++) {
                    if (types.get(order.get(j)) != StageType.HOLDING) {
                        next.put(name, order.get(j));
                        break;
                    }
                }
            }
        }

        List<StageConfig> result = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            String name = order.get(i);
            StageType type = types.get(name);
            JsonNode stage = byName.get(name);
            String stageWhere = where + ", stage '" + name + "'";
            if (type == StageType.WEBHOOK) {
                unknownFields(stage, union(COMMON_FIELDS, WEBHOOK_FIELDS), stageWhere);
                result.add(webhook(workflow, name, i, stage, stageWhere, order, next));
            } else {
                unknownFields(stage, COMMON_FIELDS, stageWhere, " (only webhook stages take " + WEBHOOK_FIELDS + ")");
                result.add(new StageConfig(0, workflow, name, type, i, null, null, false, List.of(), null, next.get(name),
                        null, null, List.of(), 0, 0, PayloadShape.DARWIN_V2, Map.of(), List.of(), null, null, false));
            }
        }
        refuseWebhookCycles(where, result);
        return result;
    }

    /**
     * A file sent from webhook stage to webhook stage and back would be sent for ever, each visit with a new delivery id
     * (one file was sent 179 times in 10 seconds): every cycle must pass through a stage people work on or a holding
     * stage. Found as the strongly connected components of the webhook stages and their edges (Tarjan).
     */
    private void refuseWebhookCycles(String where, List<StageConfig> stages) {
        Map<String, Map<String, String>> edges = new LinkedHashMap<>();
        Set<String> webhooks = new LinkedHashSet<>();
        stages.stream().filter(s -> s.type() == StageType.WEBHOOK).forEach(s -> webhooks.add(s.name()));
        for (StageConfig stage : stages) {
            if (stage.type() != StageType.WEBHOOK) {
                continue;
            }
            Map<String, String> out = new LinkedHashMap<>();
            List<String[]> all = new ArrayList<>(List.of(new String[][] {
                    { "next", stage.next() }, { "on_success", stage.onSuccess() }, { "on_failure", stage.onFailure() } }));
            // a stage a receiver may choose is an edge too
            stage.nextFromResponse().forEach(target -> all.add(new String[] { "next_from_response", target }));
            for (String[] edge : all) {
                if (edge[1] != null && webhooks.contains(edge[1])) {
                    out.merge(edge[1], edge[0], (a, b) -> a + "/" + b);
                }
            }
            edges.put(stage.name(), out);
        }
        for (List<String> cycle : new Cycles(edges).find()) {
            List<String> shown = new ArrayList<>();
            for (String from : cycle) {
                edges.get(from).forEach((to, kinds) -> {
                    if (cycle.contains(to)) {
                        shown.add(from + " --" + kinds + "--> " + to);
                    }
                });
            }
            problems.add(where + ": webhook stages " + cycle + " send files round in a cycle (" + String.join(", ", shown)
                         + "), so a file would be sent for ever; point one of these edges at a stage people work on"
                         + " or a holding stage");
        }
    }

    /** The strongly connected components of more than one stage (self-loops are refused where the edge is read). */
    private static final class Cycles {
        private final Map<String, Map<String, String>> edges;
        private final Map<String, Integer> index = new HashMap<>();
        private final Map<String, Integer> low = new HashMap<>();
        private final Deque<String> stack = new ArrayDeque<>();
        private final List<List<String>> found = new ArrayList<>();

        Cycles(Map<String, Map<String, String>> edges) {
            this.edges = edges;
        }

        List<List<String>> find() {
            edges.keySet().forEach(stage -> {
                if (!index.containsKey(stage)) {
                    visit(stage);
                }
            });
            return found;
        }

        private void visit(String stage) {
            index.put(stage, index.size());
            low.put(stage, index.get(stage));
            stack.push(stage);
            for (String next : edges.get(stage).keySet()) {
                if (!index.containsKey(next)) {
                    visit(next);
                    low.put(stage, Math.min(low.get(stage), low.get(next)));
                } else if (stack.contains(next)) {
                    low.put(stage, Math.min(low.get(stage), index.get(next)));
                }
            }
            if (low.get(stage).equals(index.get(stage))) {
                List<String> component = new ArrayList<>();
                String member;
                do {
                    member = stack.pop();
                    component.add(0, member);
                } while (!member.equals(stage));
                if (component.size() > 1) {
                    found.add(edges.keySet().stream().filter(component::contains).toList());
                }
            }
        }
    }

    private StageConfig webhook(String workflow, String name, int position, JsonNode stage, String where, List<String> order,
            Map<String, String> next) {
        URI url = url(stage, where);
        String authorization = optionalText(stage, "authorization", where);
        boolean includeAnnotations = bool(stage, "include_annotations", where);
        List<Duration> schedule = retrySchedule(stage, where);
        Duration timeout = timeout(stage, where);
        int maxConcurrency = maxConcurrency(stage, where);
        double maxPerSecond = maxPerSecond(stage, where);
        PayloadShape payload = payload(stage, where);
        Map<String, String> headers = headers(stage, where);
        List<String> nextFromResponse = nextFromResponse(stage, name, where, order);
        OAuth2Client oauth2 = oauth2(stage, where, url, authorization);
        ClientCertificate clientCertificate = clientCertificate(stage, where, url);

        String onSuccessRule = optionalText(stage, "on_success", where);
        String onSuccess = edge(onSuccessRule == null ? "next" : onSuccessRule, "on_success", name, where, order, next);
        String onFailureRule = optionalText(stage, "on_failure", where);
        String onFailure = null;
        if (onFailureRule == null) {
            problems.add(where + ": field 'on_failure' is required: write 'next', 'previous' or the name of the stage"
                         + " where failed files should wait (e.g. a holding stage)");
        } else {
            onFailure = edge(onFailureRule, "on_failure", name, where, order, next);
        }
        List<String> secrets = new ArrayList<>();
        for (String field : List.of("signing_secret", "previous_signing_secret")) {
            String secret = optionalText(stage, field, where);
            if (secret == null) {
                continue;
            }
            String problem = WebhookSigner.problem(secret);
            if (problem != null) {
                problems.add(where + ": field '" + field + "' " + problem + " (generate one with: echo whsec_$(openssl rand"
                             + " -base64 32))");
            } else {
                secrets.add(secret);
            }
        }
        if (secrets.size() == 1 && optionalText(stage, "signing_secret", where) == null) {
            problems.add(where + ": field 'previous_signing_secret' is set without 'signing_secret'; set the new secret in"
                         + " signing_secret and keep the old one in previous_signing_secret while receivers switch");
        }
        return new StageConfig(0, workflow, name, StageType.WEBHOOK, position, url, authorization, includeAnnotations,
                schedule, timeout, next.get(name), onSuccess, onFailure, List.copyOf(secrets), maxConcurrency, maxPerSecond,
                payload, headers, nextFromResponse, oauth2, clientCertificate, bool(stage, "traceparent", where));
    }

    /**
     * {@code oauth2: {token_url, client_id, client_secret: "{{env:NAME}}", scope, client_authentication}}: the stage's
     * requests carry a bearer token from the client credentials grant instead of a fixed Authorization value.
     */
    private OAuth2Client oauth2(JsonNode stage, String where, URI url, String authorization) {
        JsonNode node = mapField(stage, "oauth2", where, OAUTH2_FIELDS, "{token_url: https://auth.example.org/oauth/token,"
                                                                         + " client_id: annoflow, client_secret:"
                                                                         + " \"{{env:ACME_CLIENT_SECRET}}\"}");
        if (node == null) {
            return null;
        }
        String field = where + ", oauth2";
        int before = problems.size();
        if (url != null && !TargetUrls.isHttp(url)) {
            problems.add(where + ": field 'oauth2' applies to http(s) targets only; a Camel endpoint authenticates in its"
                         + " own route or component");
        }
        if (authorization != null) {
            problems.add(where + ": fields 'authorization' and 'oauth2' both set the Authorization header; keep one");
        }
        URI tokenUrl = null;
        String rawTokenUrl = optionalText(node, "token_url", field);
        if (rawTokenUrl == null) {
            problems.add(field + ": field 'token_url' is required: the authorization server's token endpoint, e.g."
                         + " https://auth.example.org/oauth/token");
        } else {
            try {
                tokenUrl = new URI(rawTokenUrl);
                String refusal = TargetUrls.refusal(tokenUrl);
                if (refusal != null) {
                    problems.add(field + ": field 'token_url'" + shownUrl(rawTokenUrl) + " " + refusal);
                }
            } catch (URISyntaxException e) {
                problems.add(field + ": field 'token_url'" + shownUrl(rawTokenUrl) + " is not a valid URL (" + e.getReason()
                             + "); write an absolute https URL such as https://auth.example.org/oauth/token");
            }
        }
        String clientId = optionalText(node, "client_id", field);
        if (clientId == null) {
            problems.add(field + ": field 'client_id' is required: the client id the authorization server issued");
        }
        String clientSecret = secretReference(node, "client_secret", field, "ACME_CLIENT_SECRET", true);
        String scope = optionalText(node, "scope", field);
        String written = optionalText(node, "client_authentication", field);
        OAuth2Client.ClientAuthentication authentication = OAuth2Client.ClientAuthentication.BASIC;
        if ("post".equals(written)) {
            authentication = OAuth2Client.ClientAuthentication.POST;
        } else if (written != null && !"basic".equals(written)) {
            problems.add(field + ": field 'client_authentication' = '" + written + "' must be basic (HTTP Basic, the"
                         + " default) or post (client_id and client_secret in the form body)");
        }
        return problems.size() > before ? null
                : new OAuth2Client(tokenUrl, clientId, clientSecret, scope, authentication);
    }

    /**
     * {@code client_certificate: {keystore: /etc/annoflow/acme.p12, password: "{{env:ACME_P12_PASSWORD}}"}}: the PKCS12
     * keystore whose key and certificate the stage presents to its receiver (mutual TLS). Read now, so a wrong path or
     * password stops start-up instead of failing every attempt.
     */
    private ClientCertificate clientCertificate(JsonNode stage, String where, URI url) {
        JsonNode node = mapField(stage, "client_certificate", where, CLIENT_CERTIFICATE_FIELDS,
                "{keystore: /etc/annoflow/acme.p12, password: \"{{env:ACME_P12_PASSWORD}}\"}");
        if (node == null) {
            return null;
        }
        String field = where + ", client_certificate";
        int before = problems.size();
        if (url != null && !"https".equalsIgnoreCase(url.getScheme())) {
            problems.add(where + ": field 'client_certificate' needs an https:// url (a client certificate is presented"
                         + " in the TLS handshake)");
        }
        String keystore = optionalText(node, "keystore", field);
        String password = secretReference(node, "password", field, "ACME_P12_PASSWORD", false);
        if (keystore == null) {
            problems.add(field + ": field 'keystore' is required: the path of a PKCS12 file holding the client's key and"
                         + " certificate (make one with keytool -genkeypair -storetype PKCS12, or openssl pkcs12 -export)");
        } else if (problems.size() == before) {
            String problem = ClientCertificate.problem(Path.of(keystore), password, clock.instant());
            if (problem != null) {
                problems.add(field + ": field 'keystore' = '" + keystore + "' " + problem);
            }
        }
        return problems.size() > before ? null : new ClientCertificate(Path.of(keystore), password);
    }

    /**
     * A secret field: written as a reference ({@code {{env:NAME}}} or another property), never as the secret itself,
     * since the workflow file is kept in version control.
     */
    private String secretReference(JsonNode node, String name, String where, String example, boolean required) {
        JsonNode raw = node.get(name);
        if (raw == null || raw.isNull()) {
            if (required) {
                problems.add(where + ": field '" + name + "' is required; write a reference such as \"{{env:" + example
                             + "}}\" and set that variable");
            }
            return null;
        }
        if (raw.isValueNode() && !raw.asText().contains("{{")) {
            problems.add(where + ": field '" + name + "' holds the secret itself (not shown); write a reference such as"
                         + " \"{{env:" + example + "}}\" and set that variable, so the secret stays out of the workflow file");
            return null;
        }
        int before = problems.size();
        String value = optionalText(node, name, where);
        if (value == null && required && problems.size() == before) {
            problems.add(where + ": field '" + name + "' resolves to an empty value; set the variable it refers to");
        }
        return value;
    }

    /** {@code next_from_response: [review, complete]}: stages of this workflow a delivered answer may send the file to. */
    private List<String> nextFromResponse(JsonNode stage, String name, String where, List<String> order) {
        JsonNode node = stage.get("next_from_response");
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray() || node.isEmpty()) {
            problems.add(where + ": field 'next_from_response' must be a list of stage names of this workflow, e.g."
                         + " [review, complete]");
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (JsonNode entry : node) {
            String target = entry.isTextual() ? entry.asText() : null;
            if (target == null || !order.contains(target)) {
                problems.add(where + ": field 'next_from_response' lists '" + entry.asText() + "', which is no stage of this"
                             + " workflow; use names from " + order);
            } else if (target.equals(name)) {
                problems.add(where + ": field 'next_from_response' lists the stage itself; a file would be sent again for"
                             + " ever");
            } else if (!names.contains(target)) {
                names.add(target);
            }
        }
        return List.copyOf(names);
    }

    /** {@code payload: darwin-v2} (the default), {@code flat} or {@code route:<id>}. */
    private PayloadShape payload(JsonNode stage, String where) {
        String written = optionalText(stage, "payload", where);
        PayloadShape shape = PayloadShape.parse(written);
        if (shape == null) {
            problems.add(where + ": field 'payload' = '" + written + "' is not a payload shape; use darwin-v2 (the default),"
                         + " flat, or route:<id> naming a route in routes/ that starts from direct:<id>");
            return PayloadShape.DARWIN_V2;
        }
        return shape;
    }

    /**
     * {@code headers: {X-Team: acme, X-Api-Key: "{{env:ACME_KEY}}"}}: extra request headers. Names the bundle sets itself,
     * or that would change the transport, are refused; values are treated as secrets (never shown in a message).
     */
    private Map<String, String> headers(JsonNode stage, String where) {
        JsonNode node = stage.get("headers");
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            problems.add(where + ": field 'headers' must be a map of header names to values, e.g. {X-Team: acme,"
                         + " X-Api-Key: \"{{env:ACME_KEY}}\"}");
            return Map.of();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> header = it.next();
            String name = header.getKey();
            String refusal = StageHeaders.refusal(name);
            if (refusal != null) {
                problems.add(where + ": header '" + StageHeaders.shown(name) + "' in field 'headers' " + refusal);
                continue;
            }
            if (!seen.add(name.toLowerCase(Locale.ROOT))) {
                problems.add(where + ": header '" + name + "' is given twice in field 'headers' (names are case-insensitive);"
                             + " keep one");
                continue;
            }
            String value = optionalText(node, name, where + ", headers");
            if (value == null) {
                if (header.getValue() == null || header.getValue().isNull() || header.getValue().asText().isBlank()) {
                    problems.add(where + ": header '" + name + "' in field 'headers' has no value; give it one or remove it");
                }
                continue;
            }
            if (!StageHeaders.isValidValue(value)) {
                problems.add(where + ": header '" + name + "' in field 'headers' has a value with a line break or another"
                             + " control character (not shown: it may be a secret); a header value is one line of text");
                continue;
            }
            headers.put(name, value);
        }
        if (headers.size() > StageHeaders.MOST) {
            problems.add(where + ": field 'headers' has " + headers.size() + " headers; at most " + StageHeaders.MOST
                         + " are allowed");
        }
        return Collections.unmodifiableMap(headers);
    }

    private String edge(String rule, String field, String stage, String where, List<String> order, Map<String, String> next) {
        switch (rule) {
            case "next" -> {
                String target = next.get(stage);
                if (target == null) {
                    problems.add(where + ": field '" + field + "' = 'next' but no stage follows this one; add a stage after it"
                                 + " or name the target stage");
                }
                return target;
            }
            case "previous" -> {
                List<String> previous = next.entrySet().stream()
                        .filter(e -> stage.equals(e.getValue())).map(Map.Entry::getKey).toList();
                if (previous.size() != 1) {
                    problems.add(where + ": field '" + field + "' = 'previous' but " + (previous.isEmpty()
                            ? "no stage leads to this one" : "several stages lead to this one " + previous)
                                 + "; name the target stage instead");
                    return null;
                }
                return previous.get(0);
            }
            default -> {
                if (!order.contains(rule)) {
                    problems.add(where + ": field '" + field + "' = '" + rule + "' is neither 'next', 'previous' nor a stage"
                                 + " of this workflow; use one of " + order);
                    return null;
                }
                if (rule.equals(stage)) {
                    problems.add(where + ": field '" + field + "' points at the stage itself; a file would loop for ever");
                    return null;
                }
                return rule;
            }
        }
    }

    private URI url(JsonNode stage, String where) {
        String raw = optionalText(stage, "url", where);
        if (raw == null) {
            problems.add(where + ": field 'url' is required for a webhook stage: the absolute http(s) URL that receives the"
                         + " payload, e.g. https://hooks.zapier.com/hooks/catch/123/abc/");
            return null;
        }
        // the path and query can be the credential (a Zapier Catch Hook URL is): messages show the masked form only
        try {
            URI uri = new URI(raw);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.isEmpty() && !scheme.equals("http") && !scheme.equals("https")) {
                if (!limits.targetSchemes().contains(scheme)) {
                    problems.add(where + ": field 'url'" + shownUrl(raw) + " must be an absolute http:// or https:// URL"
                                 + " with a host; '" + scheme + "' endpoints are allowed only when webhook.targets.allow"
                                 + " names the scheme (now: " + String.join(",", limits.targetSchemes()) + "): add "
                                 + scheme + " there to send this stage's payloads to a Camel endpoint");
                    return null;
                }
                if (uri.getRawSchemeSpecificPart() == null || uri.getRawSchemeSpecificPart().isBlank()) {
                    problems.add(where + ": field 'url' = '" + scheme + ":' names no endpoint; write e.g. " + scheme
                                 + ":notify-slack");
                    return null;
                }
                return uri; // a Camel endpoint the operator allowed: no SSRF guard, see docs/security.md
            }
            String refusal = TargetUrls.refusal(uri);
            if (refusal != null) {
                problems.add(where + ": field 'url'" + shownUrl(raw) + " " + refusal);
                return null;
            }
            return uri;
        } catch (URISyntaxException e) {
            problems.add(where + ": field 'url'" + shownUrl(raw) + " is not a valid URL (" + e.getReason()
                         + " at character " + (e.getIndex() + 1) + "); write an absolute http(s) URL such as"
                         + " https://example.org/hook");
            return null;
        }
    }

    /** " = 'https://host/***'" for messages, or nothing when the value has no scheme and host to show. */
    private static String shownUrl(String raw) {
        String masked = TargetUrls.masked(raw);
        return masked == null ? "" : " = '" + masked + "'";
    }

    /**
     * {@code retry_schedule: [5s, 5m, ...]} (then {@code retries}, if given, must equal its length), or {@code retries: N}
     * alone: the first N waits of {@code webhook.retry-schedule}, its last wait repeated.
     */
    private List<Duration> retrySchedule(JsonNode stage, String where) {
        List<Duration> fallback = RetrySchedule.firstWaits(limits.defaultSchedule(), limits.defaultRetries());
        Integer retries = retries(stage, where);
        JsonNode node = stage.get("retry_schedule");
        if (node == null || node.isNull()) {
            return retries == null ? fallback : RetrySchedule.firstWaits(limits.defaultSchedule(), retries);
        }
        List<String> written = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(wait -> written.add(wait.asText()));
        } else if (node.isTextual()) {
            for (String wait : node.asText().split(",")) {
                if (!wait.isBlank()) {
                    written.add(wait);
                }
            }
        } else {
            problems.add(where + ": field 'retry_schedule' must be a list of waits, e.g. [5s, 5m, 30m, 2h, 5h]");
            return fallback;
        }
        List<String> found = new ArrayList<>();
        List<Duration> schedule = RetrySchedule.parse(written, found);
        if (schedule == null) {
            found.forEach(problem -> problems.add(where + ": field 'retry_schedule' " + problem));
            return fallback;
        }
        if (retries != null && retries != schedule.size()) {
            problems.add(where + ": fields 'retries' (" + retries + ") and 'retry_schedule' (" + schedule.size()
                         + " waits) disagree: a retry_schedule sets the number of retries, so remove 'retries' or make"
                         + " it " + schedule.size());
        }
        return schedule;
    }

    private Integer retries(JsonNode stage, String where) {
        JsonNode node = stage.get("retries");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 0 || node.asInt() > MAX_RETRIES) {
            problems.add(where + ": field 'retries' = '" + node.asText() + "' must be a whole number from 0 to " + MAX_RETRIES
                         + " (0: no retry)");
            return null;
        }
        return node.asInt();
    }

    /** Delivery threads the stage may hold at once; at most {@code webhook.concurrency}. */
    private int maxConcurrency(JsonNode stage, String where) {
        JsonNode node = stage.get("max_concurrency");
        int fallback = Math.min(limits.defaultMaxConcurrency(), limits.concurrency());
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isIntegralNumber() || node.asInt() < 1 || node.asInt() > limits.concurrency()) {
            problems.add(where + ": field 'max_concurrency' = '" + node.asText() + "' must be a whole number from 1 to "
                         + limits.concurrency() + " (webhook.concurrency, the bundle's delivery threads)");
            return fallback;
        }
        return node.asInt();
    }

    /** Requests per second the stage may send (0: no limit). */
    private double maxPerSecond(JsonNode stage, String where) {
        JsonNode node = stage.get("max_per_second");
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.isNumber() || node.asDouble() <= 0 || node.asDouble() > MOST_PER_SECOND) {
            problems.add(where + ": field 'max_per_second' = '" + node.asText() + "' must be a number above 0 and at most "
                         + (int) MOST_PER_SECOND + " (e.g. 10, or 0.5 for one request every two seconds); leave it out"
                         + " for no limit");
            return 0;
        }
        return node.asDouble();
    }

    private Duration timeout(JsonNode stage, String where) {
        // a placeholder is allowed here too ({{timeout.receiver:10s}})
        String raw = optionalText(stage, "timeout", where);
        if (raw == null) {
            return limits.defaultTimeout();
        }
        try {
            Duration timeout = Duration.ofMillis(TimeUtils.toMilliSeconds(raw));
            if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(limits.maxTimeout()) > 0) {
                problems.add(where + ": field 'timeout' = '" + raw + "' must be positive and at most "
                             + limits.maxTimeout().toMillis() + "ms (the lease must outlast an attempt; raise"
                             + " webhook.lease-duration to allow longer timeouts)");
                return limits.defaultTimeout();
            }
            return timeout;
        } catch (RuntimeException e) {
            problems.add(where + ": field 'timeout' = '" + raw + "' is not a duration; write e.g. 500ms, 10s or 1m");
            return limits.defaultTimeout();
        }
    }

    private boolean bool(JsonNode stage, String field, String where) {
        JsonNode node = stage.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            problems.add(where + ": field '" + field + "' = '" + node.asText() + "' must be true or false");
            return false;
        }
        return node.asBoolean();
    }

    private String text(JsonNode node, String field, String where) {
        String value = optionalText(node, field, where);
        if (value == null) {
            problems.add(where + ": field '" + field + "' is required");
        }
        return value;
    }

    private String optionalText(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isValueNode()) {
            problems.add(where + ": field '" + field + "' must be a single value, not a list or map");
            return null;
        }
        try {
            String resolved = placeholders.apply(value.asText()).trim();
            return resolved.isEmpty() ? null : resolved;
        } catch (RuntimeException e) {
            // name the placeholder, never a resolved value: this field may hold a secret
            problems.add(where + ": field '" + field + "' refers to a property that is not set (" + firstLine(e)
                         + "); set it, e.g. as an environment variable for {{env:NAME}}");
            return null;
        }
    }

    /**
     * The stage's field {@code name}, a map whose fields are {@code known} (others are reported); null when it is absent,
     * or not a map (then a problem shows {@code example}).
     */
    private JsonNode mapField(JsonNode stage, String name, String where, Set<String> known, String example) {
        JsonNode node = stage.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(where + ": field '" + name + "' must be a map, e.g. " + example);
            return null;
        }
        unknownFields(node, known, where + ", " + name);
        return node;
    }

    private void unknownFields(JsonNode node, Set<String> known, String where) {
        unknownFields(node, known, where, "");
    }

    private void unknownFields(JsonNode node, Set<String> known, String where, String hint) {
        if (!node.isObject()) {
            problems.add(where + ": must be a map of fields");
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!known.contains(field)) {
                problems.add(where + ": unknown field '" + field + "'; known fields are " + new TreeSet<>(known) + hint);
            }
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    private static String firstLine(RuntimeException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
