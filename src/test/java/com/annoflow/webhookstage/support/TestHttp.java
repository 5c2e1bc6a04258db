package com.annoflow.webhookstage.support;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The tests' HTTP client for the bundle's own servers: HTTP/1.1, and every request bounded in time by the test itself.
 * The JDK client's default asks the server to upgrade to HTTP/2 (h2c), which the bundle's Vert.x servers accept; in one
 * suite run (2026-12-07) a GET of /observe/metrics over such a connection never got its answer, and the JDK client's own
 * request timeout (10 s) never ended it: the suite hung for 15 minutes until it was killed. Operators' scrapers and
 * probes speak HTTP/1.1, and so do the tests now; and a request that outlives its timeout by 5 s fails the test.
 */
public final class TestHttp {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private TestHttp() {
    }

    /** A client for 127.0.0.1: HTTP/1.1, 5 s to connect. */
    public static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Sends {@code request} and waits at most its timeout (30 s without one) plus 5 s for the whole answer. */
    public static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        CompletableFuture<HttpResponse<String>> answer = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        Duration bound = request.timeout().orElse(DEFAULT_TIMEOUT).plusSeconds(5);
        try {
            return answer.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new IllegalStateException(request.method() + " " + request.uri() + ": no answer within " + bound.toSeconds()
                                            + " s", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + ": " + e.getCause(), e.getCause()
                    instanceof IOException ? e.getCause() : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
