package com.annoflow.webhookstage.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;

/**
 * A lightweight receiver for runs of thousands of deliveries (the JDK's HTTP server on 127.0.0.1): records every
 * request's item id and webhook-id, and answers 503 to a given share of requests at random. Pings and endpoint-health
 * probes (marked {@code webhook-test: true}) are answered the same way but counted apart: they carry no file.
 */
public final class CountingReceiver implements AutoCloseable {

    private static final Pattern ITEM_ID = Pattern.compile("\"item_id\":\"([^\"]+)\"");

    /** item id -> webhook-id of every request for it, in arrival order. */
    private final Map<String, List<String>> requests = new ConcurrentHashMap<>();
    private final AtomicInteger tests = new AtomicInteger();
    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(16);
    private volatile double failureShare;
    private volatile long latencyMillis;

    public CountingReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Matcher item = ITEM_ID.matcher(body);
            if ("true".equals(exchange.getRequestHeaders().getFirst("webhook-test"))) {
                tests.incrementAndGet();
            } else if (item.find()) {
                requests.computeIfAbsent(item.group(1), k -> new CopyOnWriteArrayList<>())
                        .add(exchange.getRequestHeaders().getFirst("webhook-id"));
            }
            if (latencyMillis > 0) {
                // a receiver's processing time, so a run lasts long enough to be interrupted
                try {
                    Thread.sleep(latencyMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int status = ThreadLocalRandom.current().nextDouble() < failureShare ? 503 : 200;
            byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
    }

    public CountingReceiver failing(double share) {
        this.failureShare = share;
        return this;
    }

    public CountingReceiver answeringAfter(long millis) {
        this.latencyMillis = millis;
        return this;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public Map<String, List<String>> requests() {
        return requests;
    }

    /** Pings and probes received (requests marked {@code webhook-test: true}). */
    public int tests() {
        return tests.get();
    }

    /** Requests that delivered a file: pings and probes are not counted. */
    public int total() {
        return requests.values().stream().mapToInt(List::size).sum();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
