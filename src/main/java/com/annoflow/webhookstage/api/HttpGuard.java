package com.annoflow.webhookstage.api;

import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rules for the HTTP server itself, before a request reaches a route or its body is read: a body framed by anything
 * but one {@code Content-Length} or {@code Transfer-Encoding: chunked} alone is answered 400, an API body that is not
 * JSON in UTF-8 is answered 415 (the server's body handler would stream a multipart body to disk as uploads), a
 * request whose body has not fully arrived
 * {@code webhook.api.read-timeout} after its headers is answered 408 and its connection closed (a request that said
 * {@code Transfer-Encoding: chunked} and {@code Content-Length} and then sent a plain body, or a short body, used to
 * hold its connection for ever), and a body over {@code webhook.api.max-request-bytes} (refused by the server's body
 * handler, {@code camel.server.maxBodySize}) is answered in the API's JSON. Vert.x's own server options (idle timeout)
 * are not reachable through Camel's platform-http, hence a handler that runs first on every route.
 */
public final class HttpGuard {

    private static final Logger LOG = LoggerFactory.getLogger("webhook.api");

    private final ApiLimits limits;
    private final ObjectMapper json = new ObjectMapper();

    public HttpGuard(ApiLimits limits) {
        this.limits = limits;
    }

    /** Installs the guard on the platform-http server listening on {@code port}; call before any route starts. */
    public void install(CamelContext context, int port) {
        Router router = VertxPlatformHttpRouter.lookup(context, VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            router = VertxPlatformHttpRouter.lookup(context);
        }
        if (router == null) {
            throw new IllegalStateException("camel.server.port=" + port + ": no platform-http server found to guard;"
                                            + " keep camel.server.enabled=true");
        }
        router.route().order(Integer.MIN_VALUE).handler(this::deadline).failureHandler(this::tooLarge);
    }

    /** The server's body handler fails a body over camel.server.maxBodySize with 413: say so in the API's words. */
    private void tooLarge(RoutingContext routing) {
        if (routing.statusCode() == 413 && !routing.response().ended()) {
            // answered like the server's own 413, without closing: the client may still be sending, and reads this after
            byte[] body = bytes(ApiInput.tooLarge(limits).getMessage());
            routing.response().setStatusCode(413).putHeader("Content-Type", "application/json").end(Buffer.buffer(body));
        } else {
            routing.next();
        }
    }

    private void deadline(RoutingContext routing) {
        HttpServerRequest request = routing.request();
        String transferEncoding = request.getHeader("Transfer-Encoding");
        if (transferEncoding != null && (!transferEncoding.trim().equalsIgnoreCase("chunked")
                                         || request.getHeader("Content-Length") != null)) {
            // the server strips Content-Length beside "chunked" itself; any other pairing has no single framing
            refuse(routing, 400, "Transfer-Encoding: '" + ApiText.shown(transferEncoding) + "' is not accepted with this"
                                 + " request; frame the body with one Content-Length, or with Transfer-Encoding: chunked alone");
            return;
        }
        if (request.path().startsWith("/api/") && (transferEncoding != null || hasBody(request))) {
            try {
                ApiInput.acceptContentType(request.getHeader("Content-Type"));
            } catch (ApiException refused) {
                refuse(routing, refused.status(), refused.getMessage());
                return;
            }
        }
        if (!request.isEnded()) {
            long millis = limits.readTimeout().toMillis();
            long timer = routing.vertx().setTimer(millis, id -> {
                if (!request.isEnded() && !routing.response().ended() && !routing.response().closed()) {
                    LOG.info("{} {} from {}: the body did not arrive within {}; connection closed", request.method(),
                            request.path(), request.remoteAddress(), Duration.ofMillis(millis));
                    refuse(routing, 408, "body: not received within " + Duration.ofMillis(millis).toMillis() + " ms of the"
                                         + " headers (" + ApiLimits.PREFIX + "read-timeout); send the whole body at once,"
                                         + " with one Content-Length or chunked Transfer-Encoding, not both");
                }
            });
            routing.addEndHandler(done -> routing.vertx().cancelTimer(timer));
        }
        routing.next();
    }

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        return length != null && !length.trim().equals("0");
    }

    /** Answers and closes the connection: what is still on it cannot be read as the next request. */
    private void refuse(RoutingContext routing, int status, String message) {
        routing.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close").end(Buffer.buffer(bytes(message)))
                .onComplete(sent -> routing.request().connection().close());
    }

    private byte[] bytes(String message) {
        try {
            return json.writeValueAsBytes(Map.of("error", message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
