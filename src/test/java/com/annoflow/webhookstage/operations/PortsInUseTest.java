package com.annoflow.webhookstage.operations;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.Test;

/**
 * A port another process listens on stops start-up with the property to change: Camel's HTTP server only logged it,
 * and the bundle ran without its API while the other process answered the API's requests.
 */
class PortsInUseTest {

    @Test
    void aStartUpOnAnApiPortAnotherProcessHoldsStopsAndNamesTheProperty() throws IOException {
        try (Receiver receiver = new Receiver().start(); ServerSocket other = listeningOn("127.0.0.1")) {
            assertThatStartUpStops(BundleUnderTest.forDeliveryTests(receiver)
                            .with("camel.server.port", Integer.toString(other.getLocalPort())),
                    "camel.server.port=" + other.getLocalPort() + ": 127.0.0.1:" + other.getLocalPort()
                    + " is already in use", "-Dcamel.server.port=<port>");
        }
    }

    @Test
    void aStartUpOnAManagementPortAnotherProcessHoldsStopsAndNamesTheProperty() throws IOException {
        try (Receiver receiver = new Receiver().start(); ServerSocket other = listeningOn("127.0.0.1")) {
            assertThatStartUpStops(BundleUnderTest.forDeliveryTests(receiver)
                            .with("camel.management.port", Integer.toString(other.getLocalPort())),
                    "camel.management.port=" + other.getLocalPort() + ": 127.0.0.1:" + other.getLocalPort()
                    + " is already in use");
        }
    }

    @Test
    void anApiOnEveryInterfaceIsRefusedTooWhenAnotherProcessHoldsTheLoopbackAddressOfItsPort() throws IOException {
        // depending on how each side sets its socket up, Linux may let 0.0.0.0:port be bound beside 127.0.0.1:port,
        // and the more specific socket then gets every local request: both addresses are tried
        try (Receiver receiver = new Receiver().start(); ServerSocket other = listeningOn("127.0.0.1")) {
            assertThatStartUpStops(BundleUnderTest.forDeliveryTests(receiver).with("camel.server.host", "0.0.0.0")
                            .with("camel.server.port", Integer.toString(other.getLocalPort())),
                    "camel.server.port=" + other.getLocalPort() + ": ", ":" + other.getLocalPort() + " is already in use");
        }
    }

    @Test
    void aPortBeyondTheLastPortNumberStopsStartUpWithTheProperty() {
        try (Receiver receiver = new Receiver().start()) {
            assertThatStartUpStops(BundleUnderTest.forDeliveryTests(receiver).with("camel.server.port", "70000"),
                    "camel.server.port=70000: must be a port number from 1 to 65535");
        }
    }

    private static void assertThatStartUpStops(BundleUnderTest bundle, String... saying) {
        var stopped = assertThatThrownBy(bundle::start);
        for (String words : saying) {
            stopped.hasStackTraceContaining(words);
        }
        bundle.close();
    }

    /** Another process's server socket, set up as most servers (and Vert.x) set theirs: address reuse on. */
    private static ServerSocket listeningOn(String host) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(host, AvailablePortFinder.getNextAvailable()));
        return socket;
    }
}
