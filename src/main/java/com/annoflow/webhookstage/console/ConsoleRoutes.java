package com.annoflow.webhookstage.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

/**
 * Engine route: the web console, three static files shipped in the jar, served on the API's port at {@code /console/}
 * without a key (every API call the page makes needs one). Only those files are served; the page may load scripts,
 * styles and data from this origin only (Content-Security-Policy), and may not be framed.
 */
public final class ConsoleRoutes extends RouteBuilder {

    /** The files, by the path under /console/ they are served at ("" is the page itself). */
    private static final Map<String, String[]> FILES = Map.of(
            "", new String[] { "index.html", "text/html; charset=utf-8" },
            "index.html", new String[] { "index.html", "text/html; charset=utf-8" },
            "console.js", new String[] { "console.js", "text/javascript; charset=utf-8" },
            "console.css", new String[] { "console.css", "text/css; charset=utf-8" });

    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
                                 + " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final Map<String, byte[]> contents;

    public ConsoleRoutes() {
        this.contents = Map.of("index.html", read("index.html"), "console.js", read("console.js"),
                "console.css", read("console.css"));
    }

    @Override
    public void configure() {
        from("platform-http:/console?matchOnUriPrefix=true&httpMethodRestrict=GET,HEAD").routeId("console")
                .process(this::serve);
    }

    private void serve(Exchange exchange) {
        HttpMessage http = exchange.getIn(HttpMessage.class);
        String path = http == null ? "" : http.getRequest().path();
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setBody(null);
        if ("/console".equals(path)) {
            // the page's hash links and the key prompt live under /console/
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 301);
            exchange.getMessage().setHeader("Location", "/console/");
            return;
        }
        String name = path.startsWith("/console/") ? path.substring("/console/".length()) : path;
        String[] file = FILES.get(name);
        if (file == null) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getMessage().setBody("Not found: the console is at /console/".getBytes(StandardCharsets.UTF_8));
            return;
        }
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, file[1]);
        exchange.getMessage().setHeader("Cache-Control", "no-cache");
        exchange.getMessage().setHeader("Content-Security-Policy", POLICY);
        exchange.getMessage().setHeader("X-Content-Type-Options", "nosniff");
        exchange.getMessage().setHeader("X-Frame-Options", "DENY");
        exchange.getMessage().setHeader("Referrer-Policy", "no-referrer");
        exchange.getMessage().setBody(contents.get(file[0]));
    }

    private static byte[] read(String name) {
        try (InputStream in = ConsoleRoutes.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("console/" + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
