package com.annoflow.webhookstage.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.camel.spi.PropertiesComponent;

/**
 * The addresses the bundle's two HTTP servers (the API on {@code camel.server.*}, health and metrics on
 * {@code camel.management.*}) will listen on, checked before anything starts. Camel's Vert.x server only logs a port
 * it cannot bind and the bundle went on without its API, while the other process answered on that port; and with
 * {@code host=0.0.0.0} it binds even while another process holds {@code 127.0.0.1} on the same port, which then gets
 * every local request. Each address is tried the way Vert.x binds it (address reuse on, so a port the previous run
 * left in TIME_WAIT is not mistaken for a taken one).
 */
public final class ServerPorts {

    private ServerPorts() {
    }

    /** One line per server whose address cannot be listened on, naming the property and the fix; empty when all can. */
    public static List<String> problems(PropertiesComponent properties) {
        List<String> problems = new ArrayList<>();
        check(properties, "camel.server", 8080, problems);
        check(properties, "camel.management", 9876, problems);
        return problems;
    }

    private static void check(PropertiesComponent properties, String server, int defaultPort, List<String> problems) {
        if (!Boolean.parseBoolean(properties.resolveProperty(server + ".enabled").orElse("false").trim())) {
            return;
        }
        String host = properties.resolveProperty(server + ".host").orElse("0.0.0.0").trim();
        // a port that is not a whole number never gets here: camel-main refuses it first, naming the property
        String portText = properties.resolveProperty(server + ".port").orElse(Integer.toString(defaultPort));
        int port = Integer.parseInt(portText.trim());
        if (port < 0 || port > 65535) {
            problems.add(server + ".port=" + port + ": must be a port number from 1 to 65535");
            return;
        }
        if (port == 0) {
            return; // any free port
        }
        boolean everyAddress = host.equals("0.0.0.0") || host.equals("::");
        for (String address : everyAddress ? List.of(host, "127.0.0.1") : List.of(host)) {
            InetSocketAddress socket = new InetSocketAddress(address, port);
            if (socket.isUnresolved()) {
                problems.add(server + ".host=" + host + ": not an address of this machine (use 127.0.0.1, or 0.0.0.0"
                             + " for every interface)");
                return;
            }
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(socket);
            } catch (IOException e) {
                String why = String.valueOf(e.getMessage());
                problems.add(why.toLowerCase(Locale.ROOT).contains("in use")
                        ? server + ".port=" + port + ": " + address + ":" + port + " is already in use, by another"
                          + " process or another bundle; stop it, or choose a free port in config/application.properties"
                          + " or with -D" + server + ".port=<port>"
                        : server + ".host=" + host + ": " + address + ":" + port + " cannot be listened on (" + why
                          + "); use an address of this machine (127.0.0.1, or 0.0.0.0 for every interface)");
                return;
            }
        }
    }
}
