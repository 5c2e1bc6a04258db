package com.annoflow.webhookstage.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The benchmark's receiver, in a JVM of its own on 127.0.0.1: answers 200 (or, in fail mode, 500 to the first attempt
 * of one delivery in five), and records each item's first successful arrival (epoch ms). Control: GET /stats,
 * GET /arrivals, POST /reset?failFirst=true|false. Stops when its parent's stdin closes.
 */
public final class BenchReceiver {

    private static final Pattern ITEM_ID = Pattern.compile("\"item_id\"\\s*:\\s*\"([^\"]+)\"");

    private final Map<String, Long> arrivals = new ConcurrentHashMap<>();
    private final Map<String, Boolean> seen = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private volatile boolean failFirst;

    public static void main(String[] args) throws Exception {
        BenchReceiver receiver = new BenchReceiver();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.setExecutor(Executors.newFixedThreadPool(160));
        server.createContext("/hook", receiver::hook);
        server.createContext("/slow", receiver::slow);
        server.createContext("/stats", receiver::stats);
        server.createContext("/arrivals", receiver::arrivals);
        server.createContext("/reset", receiver::reset);
        server.start();
        System.out.println("PORT " + server.getAddress().getPort());
        System.out.flush();
        // the driver holds our stdin: when it goes (even killed), so do we
        while (System.in.read() != -1) {
            // wait
        }
        System.exit(0);
    }

    private void hook(HttpExchange exchange) throws IOException {
        long now = System.currentTimeMillis();
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        requests.incrementAndGet();
        String deliveryId = exchange.getRequestHeaders().getFirst("webhook-id");
        int status = 200;
        if (failFirst && deliveryId != null && seen.putIfAbsent(deliveryId, Boolean.TRUE) == null
            && Math.floorMod(deliveryId.hashCode(), 5) == 0) {
            status = 500;
        }
        if (status == 200) {
            // the item id sits in the first few hundred bytes of the payload
            String head = new String(body, 0, Math.min(body.length, 2048), StandardCharsets.UTF_8);
            Matcher m = ITEM_ID.matcher(head);
            if (m.find()) {
                arrivals.putIfAbsent(m.group(1), now);
            }
        }
        answer(exchange, status, "{\"ok\": " + (status == 200) + "}");
    }

    /** A receiver that takes 3 s to answer every request (the slow neighbour of the isolation scenario). */
    private void slow(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        try {
            Thread.sleep(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        answer(exchange, 200, "{\"ok\": true}");
    }

    private void stats(HttpExchange exchange) throws IOException {
        answer(exchange, 200, "requests=" + requests.get() + " arrived=" + arrivals.size());
    }

    private void arrivals(HttpExchange exchange) throws IOException {
        StringBuilder out = new StringBuilder(arrivals.size() * 52);
        arrivals.forEach((id, at) -> out.append(id).append(' ').append(at).append('\n'));
        answer(exchange, 200, out.toString());
    }

    private void reset(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        arrivals.clear();
        seen.clear();
        requests.set(0);
        String query = exchange.getRequestURI().getQuery();
        failFirst = query != null && query.contains("failFirst=true");
        answer(exchange, 200, "reset");
    }

    private static void answer(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
