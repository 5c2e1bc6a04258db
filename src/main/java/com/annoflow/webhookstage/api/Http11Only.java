package com.annoflow.webhookstage.api;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.impl.VertxInternal;
import org.apache.camel.CamelContext;
import org.apache.camel.support.LifecycleStrategySupport;

/**
 * The bundle's two HTTP servers (the API; health and metrics) speak HTTP/1.1 only. Camel's platform-http makes them
 * with Vert.x's default options, which accept a request's upgrade to cleartext HTTP/2 (h2c), and the JDK's
 * {@code java.net.http.HttpClient} asks for that upgrade on every new connection unless told otherwise. Measured on
 * 2026-12-07 (Vert.x 4.5.24, a new JDK client per request): about one upgraded {@code GET /observe/metrics} (~40 KB)
 * in 200 never finished, its 10 s request timeout never firing, or came back as bytes the client could not read as
 * HTTP/2 frames ({@code ProtocolException: Frame type(61) length(6909806) exceeds MAX_FRAME_SIZE}). Without h2c the
 * server ignores the upgrade header and such a client goes on in HTTP/1.1, as curl, Prometheus and orchestrators'
 * probes always do.
 * <p>
 * Camel has no setting for it (its server builds {@code new HttpServerOptions()} itself) but uses the {@link Vertx} it
 * finds in the registry, so the bundle binds one whose {@code createHttpServer} turns h2c off and passes every other
 * call to a real Vert.x. It is closed once the context has stopped, after the servers (a service of the bundle's own
 * would stop before Camel's servers, which then failed to close on a closed Vert.x).
 */
public final class Http11Only extends LifecycleStrategySupport {

    private final Vertx vertx = Vertx.vertx();

    private Http11Only() {
    }

    /** Binds the Vert.x for Camel's HTTP servers; call before they start (from the bundle's configuration). */
    public static void bindTo(CamelContext context) throws Exception {
        Http11Only servers = new Http11Only();
        context.getRegistry().bind("webhookVertx", Vertx.class, servers.withoutH2c());
        context.addLifecycleStrategy(servers);
    }

    private Vertx withoutH2c() {
        return (Vertx) Proxy.newProxyInstance(VertxInternal.class.getClassLoader(), new Class<?>[] { VertxInternal.class },
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "equals":
                            return proxy == args[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "createHttpServer":
                            if (args != null && args.length == 1 && args[0] instanceof HttpServerOptions options) {
                                args = new Object[] { new HttpServerOptions(options).setHttp2ClearTextEnabled(false) };
                            }
                            break;
                        default:
                            break;
                    }
                    try {
                        return method.invoke(vertx, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public void onContextStopped(CamelContext context) {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the HTTP servers' Vert.x did not close: " + e.getMessage(), e);
        }
    }
}
