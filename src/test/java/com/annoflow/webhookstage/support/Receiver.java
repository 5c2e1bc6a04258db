package com.annoflow.webhookstage.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.apache.camel.test.AvailablePortFinder;

/**
 * A real HTTP receiver on 127.0.0.1 (WireMock): answers 200 unless a test stubs otherwise, and records every request.
 * A test's {@link BundleUnderTest} starts and stops it when given it ({@link BundleUnderTest#withReceiver}).
 */
public final class Receiver implements AutoCloseable {

    private final WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
            .containerThreads(20).jettyStopTimeout(1000L));

    /** Starts it, once: a receiver already started is left as it is. */
    public Receiver start() {
        if (!server.isRunning()) {
            server.start();
            answerOkByDefault();
        }
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
        List<LoggedRequest> requests = new ArrayList<>(server.getAllServeEvents().stream()
                .map(e -> e.getRequest()).filter(r -> r.getBodyAsString().contains(itemId)).toList());
        Collections.reverse(requests);
        return requests;
    }

    /** A port nothing listens on: connections to it are refused. */
    public static int closedPort() {
        return AvailablePortFinder.getNextAvailable();
    }

    @Override
    public void close() {
        if (server.isRunning()) {
            server.stop();
        }
    }
}
