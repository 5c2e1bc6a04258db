package com.annoflow.webhookstage.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/** A real HTTP receiver on 127.0.0.1 (WireMock): answers 200 unless a test stubs otherwise, and records every request. */
public final class Receiver implements AutoCloseable {

    private final WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
            .containerThreads(20).jettyStopTimeout(1000L));

    public Receiver start() {
        server.start();
        answerOkByDefault();
        return this;
    }

    /** Forgets every stub and request, back to answering 200. */
    public void reset() {
        server.resetAll();
        answerOkByDefault();
    }

    private void answerOkByDefault() {
        server.stubFor(any(anyUrl()).atPriority(100).willReturn(aResponse().withStatus(200).withBody("{\"ok\": true}")));
    }

    public WireMockServer wiremock() {
        return server;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Requests whose payload belongs to this file, oldest first. */
    public List<LoggedRequest> requestsFor(String itemId) {
        List<LoggedRequest> requests = new java.util.ArrayList<>(server.getAllServeEvents().stream()
                .map(e -> e.getRequest()).filter(r -> r.getBodyAsString().contains(itemId)).toList());
        java.util.Collections.reverse(requests);
        return requests;
    }

    /** A port nothing listens on: connections to it are refused. */
    public static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
