package com.annoflow.webhookstage.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.support.Keytool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An invalid workflow file is refused with the workflow, stage and field named; a valid one resolves its edges. */
class WorkflowDefinitionLoaderTest {

    /** What the bundle gives the loader with the defaults of config/application.properties (5 m lease: 4 m here). */
    private static final WorkflowDefinitionLoader.Limits LIMITS = new WorkflowDefinitionLoader.Limits(
            List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
                    Duration.ofHours(5)), 5, Duration.ofSeconds(10), Duration.ofMinutes(4), 6, 8, List.of("http", "https"));
    private static final Clock CLOCK = Clock.systemUTC();

    @TempDir
    Path dir;

    private final Map<String, String> properties = Map.of("receiver", "https://hooks.example.org", "token", "Bearer t",
            "secret", "cs-0123456789");

    @Test
    void aValidWorkflowResolvesDefaultsEdgesAndPlaceholders() throws IOException {
        List<StageConfig> stages = load("""
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - name: hook
                        type: webhook
                        url: "{{receiver}}/catch"
                        authorization: "{{token}}"
                        on_failure: previous
                      - { name: annotate, type: annotate }
                      - { name: complete, type: complete }
                      - { name: parked, type: holding }
                """);
        StageConfig hook = stages.get(1);
        assertThat(hook.url()).hasToString("https://hooks.example.org/catch");
        assertThat(hook.authorization()).isEqualTo("Bearer t");
        assertThat(hook.toString()).doesNotContain("Bearer t");
        assertThat(hook.retries()).isEqualTo(5);
        assertThat(hook.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(hook.includeAnnotations()).isFalse();
        assertThat(hook.onSuccess()).isEqualTo("annotate");
        assertThat(hook.onFailure()).isEqualTo("dataset");
        assertThat(stages.get(3).next()).isNull();
        assertThat(stages.get(4).next()).isNull();
    }

    @Test
    void aStagesPayloadShapeAndHeadersAreReadWithTheirPlaceholdersResolved() throws IOException {
        List<StageConfig> stages = load("""
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: plain, type: webhook, url: "{{receiver}}/a", on_failure: next }
                      - name: zap
                        type: webhook
                        url: "{{receiver}}/b"
                        payload: flat
                        headers: { X-Team: acme, X-Api-Key: "{{token}}" }
                        on_failure: next
                      - { name: custom, type: webhook, url: "{{receiver}}/c", payload: "route:my-shape", on_failure: next }
                      - { name: complete, type: complete }
                """);
        assertThat(stages.get(1).payload()).isEqualTo(PayloadShape.DARWIN_V2);
        assertThat(stages.get(1).headers()).isEmpty();
        assertThat(stages.get(2).payload()).isEqualTo(PayloadShape.FLAT);
        assertThat(stages.get(2).headers()).containsExactly(Map.entry("X-Team", "acme"), Map.entry("X-Api-Key", "Bearer t"));
        assertThat(stages.get(2).toString()).contains("headers=[X-Team, X-Api-Key]").doesNotContain("Bearer t");
        assertThat(stages.get(3).payload().routeId()).isEqualTo("my-shape");
        assertThat(stages.get(3).payload().label()).isEqualTo("route:my-shape");
    }

    @Test
    void aCamelEndpointIsATargetOnlyWhenWebhookTargetsAllowNamesItsScheme() throws IOException {
        Path file = Files.writeString(dir.resolve("workflow.yaml"), """
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: "direct:notify-slack", on_failure: next }
                      - { name: complete, type: complete }
                """);
        List<StageConfig> stages = new WorkflowDefinitionLoader(this::resolve,
                LIMITS.allowingTargets(List.of("http", "https", "direct")), CLOCK).load(file);
        assertThat(stages.get(1).isHttpTarget()).isFalse();
        assertThat(stages.get(1).url().toString()).isEqualTo("direct:notify-slack");
        assertThatThrownBy(() -> new WorkflowDefinitionLoader(this::resolve, LIMITS, CLOCK)
                .load(file)).hasMessageContaining("allowed only when webhook.targets.allow names the scheme (now: http,https)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "missing url | type: webhook, on_failure: next | workflow 'w', stage 'hook': field 'url' is required",
            "ftp url | type: webhook, url: 'ftp://x.org/a', on_failure: next | workflow 'w', stage 'hook': field 'url' = 'ftp://x.org/***' must be an absolute http:// or https:// URL",
            "relative url | type: webhook, url: '/hook', on_failure: next | field 'url' must be an absolute",
            "user info | type: webhook, url: 'http://user@127.0.0.1:8080/hook', on_failure: next | field 'url' = 'http://127.0.0.1:8080/***' must not carry user info before the host",
            "password in user info | type: webhook, url: 'https://bot:hunter2@x.org/', on_failure: next | must not carry user info",
            "trailing dot | type: webhook, url: 'http://localhost.:8080/hook', on_failure: next | field 'url' = 'http://localhost.:8080/***' has a host ending in a dot",
            "hex host | type: webhook, url: 'http://0x7f000001:8080/hook', on_failure: next | has the numeric host '0x7f000001', which is not an IPv4 address in dotted-quad form",
            "decimal host | type: webhook, url: 'http://2130706433/hook', on_failure: next | has the numeric host '2130706433'",
            "short IPv4 | type: webhook, url: 'http://127.1/hook', on_failure: next | has the numeric host '127.1'",
            "octal IPv4 | type: webhook, url: 'http://010.0.0.1/hook', on_failure: next | has the numeric host '010.0.0.1'",
            "five numbers | type: webhook, url: 'http://1.2.3.4.5/hook', on_failure: next | has the numeric host '1.2.3.4.5'",
            "underscore | type: webhook, url: 'http://a_b.example.org/hook', on_failure: next | has the host 'a_b.example.org', which is not a valid host name",
            "not a URL | type: webhook, url: 'https://exa mple.org/tok-secret', on_failure: next | field 'url' is not a valid URL (Illegal character in authority",
            "missing on_failure | type: webhook, url: 'https://x.org' | workflow 'w', stage 'hook': field 'on_failure' is required",
            "unknown failure target | type: webhook, url: 'https://x.org', on_failure: nowhere | field 'on_failure' = 'nowhere' is neither 'next', 'previous' nor a stage",
            "failure to itself | type: webhook, url: 'https://x.org', on_failure: hook | field 'on_failure' points at the stage itself",
            "negative retries | type: webhook, url: 'https://x.org', on_failure: next, retries: -1 | field 'retries' = '-1' must be a whole number from 0 to 50",
            "retries as text | type: webhook, url: 'https://x.org', on_failure: next, retries: many | field 'retries' = 'many' must be a whole number",
            "timeout beyond lease | type: webhook, url: 'https://x.org', on_failure: next, timeout: 10m | field 'timeout' = '10m' must be positive and at most",
            "timeout not a duration | type: webhook, url: 'https://x.org', on_failure: next, timeout: soon | field 'timeout' = 'soon' is not a duration",
            "annotations flag as text | type: webhook, url: 'https://x.org', on_failure: next, include_annotations: 'yes' | field 'include_annotations' = 'yes' must be true or false",
            "misspelt field | type: webhook, ur: 'https://x.org', on_failure: next | workflow 'w', stage 'hook': unknown field 'ur'",
            "webhook field on a human stage | type: annotate, url: 'https://x.org' | workflow 'w', stage 'hook': unknown field 'url'",
            "unknown type | type: lambda | field 'type' = 'lambda' is not a stage type",
            "signing secret without prefix | type: webhook, url: 'https://x.org', on_failure: next, signing_secret: 'hunter2hunter2' | field 'signing_secret' must start with whsec_",
            "previous secret alone | type: webhook, url: 'https://x.org', on_failure: next, previous_signing_secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' | field 'previous_signing_secret' is set without 'signing_secret'",
            "unset secret | type: webhook, url: 'https://x.org', on_failure: next, authorization: '{{env:NO_SUCH_TOKEN_VARIABLE}}' | field 'authorization' refers to a property that is not set",
            "schedule and retries disagree | type: webhook, url: 'https://x.org', on_failure: next, retry_schedule: [5s, 5m], retries: 3 | workflow 'w', stage 'hook': fields 'retries' (3) and 'retry_schedule' (2 waits) disagree",
            "empty schedule | type: webhook, url: 'https://x.org', on_failure: next, retry_schedule: [] | field 'retry_schedule' is empty: list at least one wait",
            "next_from_response not a list | type: webhook, url: 'https://x.org', on_failure: next, next_from_response: review | field 'next_from_response' must be a list of stage names of this workflow",
            "next_from_response unknown stage | type: webhook, url: 'https://x.org', on_failure: next, next_from_response: [nowhere] | field 'next_from_response' lists 'nowhere', which is no stage of this workflow",
            "next_from_response itself | type: webhook, url: 'https://x.org', on_failure: next, next_from_response: [hook] | field 'next_from_response' lists the stage itself",
            "Camel endpoint not allowed | type: webhook, url: 'direct:notify-slack', on_failure: next | field 'url' = 'direct:***' must be an absolute http:// or https:// URL with a host; 'direct' endpoints are allowed only when webhook.targets.allow names the scheme (now: http,https): add direct there",
            "unknown payload shape | type: webhook, url: 'https://x.org', on_failure: next, payload: zapier | workflow 'w', stage 'hook': field 'payload' = 'zapier' is not a payload shape; use darwin-v2 (the default), flat, or route:<id>",
            "payload route without id | type: webhook, url: 'https://x.org', on_failure: next, payload: 'route:' | field 'payload' = 'route:' is not a payload shape",
            "headers as a list | type: webhook, url: 'https://x.org', on_failure: next, headers: [X-Team] | field 'headers' must be a map of header names to values",
            "Authorization as a header | type: webhook, url: 'https://x.org', on_failure: next, headers: {Authorization: x} | workflow 'w', stage 'hook': header 'Authorization' in field 'headers' is set with the stage's own field 'authorization'",
            "webhook-* header | type: webhook, url: 'https://x.org', on_failure: next, headers: {webhook-id: x} | header 'webhook-id' in field 'headers' is reserved: the bundle sets the webhook-* headers",
            "Webhook-Signature in capitals | type: webhook, url: 'https://x.org', on_failure: next, headers: {Webhook-Signature: x} | header 'Webhook-Signature' in field 'headers' is reserved",
            "Content-Type header | type: webhook, url: 'https://x.org', on_failure: next, headers: {Content-Type: text/plain} | header 'Content-Type' in field 'headers' is reserved: the bundle sets it or it changes how the request travels",
            "Content-Length header | type: webhook, url: 'https://x.org', on_failure: next, headers: {content-length: 9} | header 'content-length' in field 'headers' is reserved",
            "Host header | type: webhook, url: 'https://x.org', on_failure: next, headers: {Host: evil.example} | header 'Host' in field 'headers' is reserved",
            "User-Agent header | type: webhook, url: 'https://x.org', on_failure: next, headers: {User-Agent: me} | header 'User-Agent' in field 'headers' is reserved",
            "Connection header | type: webhook, url: 'https://x.org', on_failure: next, headers: {Connection: close} | header 'Connection' in field 'headers' is reserved",
            "Transfer-Encoding header | type: webhook, url: 'https://x.org', on_failure: next, headers: {Transfer-Encoding: chunked} | header 'Transfer-Encoding' in field 'headers' is reserved",
            "TE header | type: webhook, url: 'https://x.org', on_failure: next, headers: {TE: trailers} | header 'TE' in field 'headers' is reserved",
            "Upgrade header | type: webhook, url: 'https://x.org', on_failure: next, headers: {Upgrade: h2c} | header 'Upgrade' in field 'headers' is reserved",
            "Camel header | type: webhook, url: 'https://x.org', on_failure: next, headers: {CamelHttpUri: 'http://169.254.169.254/'} | header 'CamelHttpUri' in field 'headers' is reserved: Camel* names steer Camel's HTTP component",
            "header name with a space | type: webhook, url: 'https://x.org', on_failure: next, headers: {'X Team': acme} | header 'X Team' in field 'headers' is not a valid header name",
            "header twice | type: webhook, url: 'https://x.org', on_failure: next, headers: {X-Team: a, x-team: b} | header 'x-team' is given twice in field 'headers'",
            "header without value | type: webhook, url: 'https://x.org', on_failure: next, headers: {X-Team: ''} | header 'X-Team' in field 'headers' has no value",
            "header from an unset property | type: webhook, url: 'https://x.org', on_failure: next, headers: {X-Api-Key: '{{env:NO_SUCH_KEY_VARIABLE}}'} | field 'X-Api-Key' refers to a property that is not set",
            "header value with a line break | type: webhook, url: 'https://x.org', on_failure: next, headers: {X-Team: \"a\\r\\nX-Evil: 1\"} | header 'X-Team' in field 'headers' has a value with a line break",
            "wait not a duration | type: webhook, url: 'https://x.org', on_failure: next, retry_schedule: [5s, soon] | field 'retry_schedule' has 'soon', which is not a duration",
            "wait beyond a week | type: webhook, url: 'https://x.org', on_failure: next, retry_schedule: [8d] | field 'retry_schedule' has '8d': every wait must be positive and at most 7d",
            "schedule as a map | type: webhook, url: 'https://x.org', on_failure: next, retry_schedule: {a: 1} | field 'retry_schedule' must be a list of waits",
            "no concurrency | type: webhook, url: 'https://x.org', on_failure: next, max_concurrency: 0 | field 'max_concurrency' = '0' must be a whole number from 1 to 8 (webhook.concurrency",
            "more threads than the bundle has | type: webhook, url: 'https://x.org', on_failure: next, max_concurrency: 9 | field 'max_concurrency' = '9' must be a whole number from 1 to 8",
            "no rate | type: webhook, url: 'https://x.org', on_failure: next, max_per_second: 0 | field 'max_per_second' = '0' must be a number above 0",
            "rate as text | type: webhook, url: 'https://x.org', on_failure: next, max_per_second: fast | field 'max_per_second' = 'fast' must be a number above 0"
    })
    void anInvalidStageIsRefusedWithItsWorkflowStageAndFieldNamed(String why, String fields, String message) {
        String yaml = """
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, %s }
                      - { name: done, type: complete }
                """.formatted(fields);
        assertThatThrownBy(() -> load(yaml)).isInstanceOf(WorkflowDefinitionException.class).hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "default | | 5s, 5m, 30m, 2h, 5h",
            "fewer retries take the first waits | retries: 2 | 5s, 5m",
            "more retries repeat the last wait | retries: 7 | 5s, 5m, 30m, 2h, 5h, 5h, 5h",
            "no retry | retries: 0 | ''",
            "a schedule of its own | 'retry_schedule: [10s, 1m, 1h]' | 10s, 1m, 1h",
            "a schedule and the same retries | 'retry_schedule: [10s, 1h], retries: 2' | 10s, 1h",
            "a schedule written as text | 'retry_schedule: \"30s, 2m\"' | 30s, 2m"
    })
    void aStagesWaitsComeFromItsScheduleOrTheFirstRetriesOfTheBundles(String why, String fields, String waits) throws IOException {
        String extra = fields == null ? "" : ", " + fields;
        List<StageConfig> stages = load("""
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: 'https://x.org', on_failure: next%s }
                      - { name: done, type: complete }
                """.formatted(extra));
        StageConfig hook = stages.get(1);
        assertThat(RetrySchedule.written(hook.retrySchedule())).isEqualTo(waits);
        assertThat(hook.retries()).isEqualTo(hook.retrySchedule().size());
        assertThat(hook.attemptBudget()).isEqualTo(hook.retries() + 1);
    }

    @Test
    void aStageHoldsThreeQuartersOfTheDeliveryThreadsUnlessItSaysOtherwiseAndIsNotPacedByDefault() throws IOException {
        List<StageConfig> stages = load("""
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: 'https://x.org', on_failure: next }
                      - { name: paced, type: webhook, url: 'https://x.org', on_failure: next, max_concurrency: 2, max_per_second: 0.5 }
                      - { name: done, type: complete }
                """);
        assertThat(stages.get(1).maxConcurrency()).isEqualTo(6);
        assertThat(stages.get(1).isRateLimited()).isFalse();
        assertThat(stages.get(2).maxConcurrency()).isEqualTo(2);
        assertThat(stages.get(2).maxPerSecond()).isEqualTo(0.5);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "dotted quad | http://192.0.2.10:8080/hook",
            "IPv6 literal | http://[::1]:8080/hook",
            "a name ending in digits | https://hooks2.example.org/hook",
            "a name with a numeric label inside | https://eu.1.hooks.example.org/hook"
    })
    void aTargetWrittenPlainlyIsAccepted(String why, String url) throws IOException {
        assertThat(load("""
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: "%s", on_failure: next }
                      - { name: done, type: complete }
                """.formatted(url)).get(1).url()).hasToString(url);
    }

    @Test
    void aUrlsPathAndQueryNeverAppearInAMessage() {
        assertThatThrownBy(() -> load("""
                workflows:
                  - name: w
                    stages:
                      - { name: hook, type: webhook, url: "http://user@x.org/hooks/catch/tok-5e6f?key=qs-7a8b", on_failure: next }
                      - { name: done, type: complete }
                """)).hasMessageContaining("http://x.org/***").hasMessageNotContaining("tok-5e6f")
                .hasMessageNotContaining("qs-7a8b").hasMessageNotContaining("user@x");
    }

    @Test
    void aStagesOAuth2ClientIsReadWithItsSecretFromAReference() throws IOException {
        List<StageConfig> stages = load("""
                workflows:
                  - name: w
                    stages:
                      - name: basic
                        type: webhook
                        url: "{{receiver}}/a"
                        on_failure: next
                        oauth2: { token_url: "https://auth.example.org/oauth/token", client_id: bundle,
                                  client_secret: "{{secret}}", scope: "hooks:write" }
                      - name: post
                        type: webhook
                        url: "{{receiver}}/b"
                        on_failure: next
                        oauth2: { token_url: "https://auth.example.org/t", client_id: bundle, client_secret: "{{secret}}",
                                  client_authentication: post }
                      - { name: done, type: complete }
                """);
        OAuth2Client basic = stages.get(0).oauth2();
        assertThat(basic.tokenUrl()).hasToString("https://auth.example.org/oauth/token");
        assertThat(basic.clientId()).isEqualTo("bundle");
        assertThat(basic.clientSecret()).isEqualTo("cs-0123456789");
        assertThat(basic.scope()).isEqualTo("hooks:write");
        assertThat(basic.authentication()).isEqualTo(OAuth2Client.ClientAuthentication.BASIC);
        assertThat(stages.get(1).oauth2().authentication()).isEqualTo(OAuth2Client.ClientAuthentication.POST);
        assertThat(stages.get(0).usesOAuth2()).isTrue();
        assertThat(stages.get(0).hasAuthorization()).isFalse();
        assertThat(stages.get(0).toString()).contains("oauth2=").doesNotContain("cs-0123456789");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a secret written in the file | url: 'https://x.org', oauth2: {token_url: 'https://a.org/t', client_id: c, client_secret: cs-literal-42} | field 'client_secret' holds the secret itself (not shown); write a reference such as \"{{env:ACME_CLIENT_SECRET}}\"",
            "no secret | url: 'https://x.org', oauth2: {token_url: 'https://a.org/t', client_id: c} | field 'client_secret' is required",
            "no token URL | url: 'https://x.org', oauth2: {client_id: c, client_secret: '{{secret}}'} | field 'token_url' is required",
            "a token URL that is not http(s) | url: 'https://x.org', oauth2: {token_url: 'ftp://a.org/t', client_id: c, client_secret: '{{secret}}'} | field 'token_url'",
            "no client id | url: 'https://x.org', oauth2: {token_url: 'https://a.org/t', client_secret: '{{secret}}'} | field 'client_id' is required",
            "an unknown client authentication | url: 'https://x.org', oauth2: {token_url: 'https://a.org/t', client_id: c, client_secret: '{{secret}}', client_authentication: jwt} | field 'client_authentication' = 'jwt' must be basic",
            "a misspelt field | url: 'https://x.org', oauth2: {token_uri: 'https://a.org/t', client_id: c, client_secret: '{{secret}}'} | unknown field 'token_uri'",
            "both authorization and oauth2 | url: 'https://x.org', authorization: '{{token}}', oauth2: {token_url: 'https://a.org/t', client_id: c, client_secret: '{{secret}}'} | fields 'authorization' and 'oauth2' both set the Authorization header; keep one",
            "a certificate for plain http | url: 'http://x.org', client_certificate: {keystore: /etc/a.p12, password: '{{secret}}'} | field 'client_certificate' needs an https:// url",
            "a certificate password written in the file | url: 'https://x.org', client_certificate: {keystore: /etc/a.p12, password: p12-literal-42} | field 'password' holds the secret itself (not shown)",
            "a keystore that is not there | url: 'https://x.org', client_certificate: {keystore: /nonexistent/a.p12, password: '{{secret}}'} | field 'keystore' = '/nonexistent/a.p12' does not exist"
    })
    void receiverAuthenticationThatCannotWorkIsRefusedNamingTheStageAndTheField(String why, String fields, String message) {
        assertThatThrownBy(() -> load("""
                workflows:
                  - name: w
                    stages:
                      - { name: hook, type: webhook, on_failure: next, %s }
                      - { name: done, type: complete }
                """.formatted(fields)))
                .isInstanceOf(WorkflowDefinitionException.class)
                .hasMessageContaining("workflow 'w', stage 'hook'")
                .hasMessageContaining(message)
                .hasMessageNotContaining("cs-literal-42").hasMessageNotContaining("p12-literal-42")
                .hasMessageNotContaining("cs-0123456789");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "through next | a: {next: b} | b: {next: a} | webhook stages [a, b] send files round in a cycle (a --next/on_success--> b, b --next/on_success--> a)",
            "through on_success | a: {on_success: b} | b: {on_success: a} | (a --next/on_success--> b, b --on_success--> a)",
            "through on_failure | a: {on_failure: b} | b: {on_failure: a} | (a --next/on_success/on_failure--> b, b --on_failure--> a)",
            "failure back to the previous webhook | a: {} | b: {on_failure: previous} | (a --next/on_success--> b, b --on_failure--> a)",
            "through a receiver's choice | a: {} | b: {next_from_response: [a, done]} | (a --next/on_success--> b, b --next_from_response--> a)"
    })
    void webhookStagesThatSendFilesRoundInACycleAreRefusedNamingTheWorkflowAndTheStages(String why, String a, String b,
            String message) {
        assertThatThrownBy(() -> load(cycleOf(a.substring(3), b.substring(3))))
                .isInstanceOf(WorkflowDefinitionException.class)
                .hasMessageContaining("workflow 'w': webhook stages [a, b] send files round in a cycle")
                .hasMessageContaining(message)
                .hasMessageContaining("point one of these edges at a stage people work on or a holding stage");
    }

    /** Webhook stages a and b after a dataset stage, with the given extra fields; failures park unless they say otherwise. */
    private static String cycleOf(String aFields, String bFields) {
        return """
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: a, type: webhook, url: "https://x.org/a", on_failure: parked, %s }
                      - { name: b, type: webhook, url: "https://x.org/b", on_failure: parked, %s }
                      - { name: done, type: complete }
                      - { name: parked, type: holding }
                """.formatted(strip(aFields), strip(bFields)).replace(", }", " }")
                .replace("on_failure: parked, on_failure", "on_failure");
    }

    private static String strip(String fields) {
        return fields.replaceAll("^\\{|\\}$", "").trim();
    }

    @Test
    void aCycleThroughAStagePeopleWorkOnIsAllowed() throws IOException {
        List<StageConfig> stages = load("""
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: a, type: webhook, url: "https://x.org/a", on_failure: b }
                      - { name: review, type: review, next: a }
                      - { name: b, type: webhook, url: "https://x.org/b", on_failure: parked, on_success: review }
                      - { name: done, type: complete }
                      - { name: parked, type: holding }
                """);
        assertThat(stages.get(1).onSuccess()).isEqualTo("review");
        assertThat(stages.get(2).next()).isEqualTo("a");
        assertThat(stages.get(3).onSuccess()).isEqualTo("review");
    }

    @Test
    void previousIsRefusedWhenSeveralStagesLeadToTheWebhook() {
        assertThatThrownBy(() -> load("""
                workflows:
                  - name: w
                    stages:
                      - { name: a, type: dataset, next: hook }
                      - { name: b, type: review, next: hook }
                      - { name: hook, type: webhook, url: "https://x.org", on_failure: previous }
                      - { name: done, type: complete }
                """)).hasMessageContaining("several stages lead to this one [a, b]; name the target stage instead");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> load("""
                workflows:
                  - name: w
                    stages:
                      - { name: hook, type: webhook, on_failure: next }
                      - { name: dup, type: review }
                      - { name: dup, type: complete }
                  - name: Bad Name
                    stages: []
                """)).hasMessageContaining("field 'url' is required").hasMessageContaining("defined twice")
                .hasMessageContaining("'Bad Name' must be lower-case");
    }

    @Test
    void aLoaderUsedAgainReportsOnlyTheProblemsOfTheFileItReadsNow() throws IOException {
        WorkflowDefinitionLoader loader = new WorkflowDefinitionLoader(this::resolve, LIMITS, CLOCK);
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                workflows:
                  - name: Bad Name
                    stages: []
                """);
        Path good = Files.writeString(dir.resolve("good.yaml"), """
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: complete, type: complete }
                """);
        assertThatThrownBy(() -> loader.load(bad)).hasMessageContaining("'Bad Name' must be lower-case");

        assertThat(loader.load(good)).extracting(StageConfig::name).containsExactly("dataset", "complete");
    }

    @Test
    void aClientCertificateIsJudgedByTheBundlesClockNotTheMachines() throws IOException {
        Path keystore = dir.resolve("client.p12");
        Keytool.keyPair(keystore, "client", "CN=annoflow", "cs-0123456789"); // valid for two days from now
        String yaml = """
                workflows:
                  - name: w
                    stages:
                      - { name: hook, type: webhook, url: 'https://x.org', on_failure: next,
                          client_certificate: { keystore: '%s', password: '{{secret}}' } }
                      - { name: next, type: complete }
                """.formatted(keystore);
        Path file = Files.writeString(dir.resolve("mtls.yaml"), yaml);
        assertThat(new WorkflowDefinitionLoader(this::resolve, LIMITS, CLOCK).load(file)).hasSize(2);

        Clock aWeekLater = Clock.offset(CLOCK, Duration.ofDays(7));
        assertThatThrownBy(() -> new WorkflowDefinitionLoader(this::resolve, LIMITS, aWeekLater).load(file))
                .hasMessageContaining("field 'keystore'").hasMessageContaining("holds a certificate that expired on");
    }

    @Test
    void aFileThatIsNotYamlIsRefusedWithTheSettingToFix() {
        assertThatThrownBy(() -> load("workflows: [ {")).hasMessageContaining("webhook.workflow-file");
    }

    private List<StageConfig> load(String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("workflow.yaml"), yaml);
        return new WorkflowDefinitionLoader(this::resolve, LIMITS, CLOCK).load(file);
    }

    private String resolve(String text) {
        String result = text;
        for (Map.Entry<String, String> p : properties.entrySet()) {
            result = result.replace("{{" + p.getKey() + "}}", p.getValue());
        }
        if (result.contains("{{")) {
            throw new IllegalArgumentException("Property with key [" + result + "] not found");
        }
        return result;
    }
}
