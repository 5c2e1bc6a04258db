package com.annoflow.webhookstage.outbound;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.annoflow.webhookstage.workflow.ClientCertificate;
import com.annoflow.webhookstage.workflow.StageConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.ConnectionEndpoint;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.client5.http.io.LeaseRequest;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pools webhook requests go through: one shared by every stage, and one of its own for each stage that
 * presents a TLS client certificate (so a connection made with one stage's certificate is never reused for another's).
 * In all of them the SSRF guard decides at DNS resolution, certificates are always verified (against the JDK's trust
 * store, or {@code webhook.tls.trust-store} for private CAs; there is no switch to trust everything), and connections
 * are kept alive across deliveries. The route names a stage's pool by its bean name ({@link #poolOf}).
 */
public final class OutboundHttp {

    /** The bean name of the shared pool: the http component's own, which the route's endpoints use. */
    public static final String SHARED_POOL = "webhookConnections";

    private static final Logger LOG = LoggerFactory.getLogger("webhook.delivery");
    /** A client certificate that expires within this is warned about at start-up. */
    private static final Duration EXPIRY_WARNING = Duration.ofDays(30);

    private final Map<String, String> poolNames = new HashMap<>();
    private final Map<String, CloseableHttpClient> clients = new HashMap<>();

    private OutboundHttp() {
    }

    public static OutboundHttp configure(CamelContext context, Clock clock, TargetGuard guard, String trustStore,
            String trustStorePassword, int concurrency, Collection<StageConfig> stages) {
        OutboundHttp outbound = new OutboundHttp();
        KeyStore trusted = trustStore == null || trustStore.isBlank() ? null : trustStore(Path.of(trustStore), trustStorePassword);
        PoolingHttpClientConnectionManager shared = pool(guard, sslContext(null, null, trusted, clock), concurrency);
        HttpComponent http = context.getComponent("http", HttpComponent.class);
        http.setClientConnectionManager(shared);
        // HttpClient would retry a 503 or 429 by itself, unseen: every attempt must be counted, logged and budgeted here
        http.setAutomaticRetriesDisabled(true);
        context.getRegistry().bind(SHARED_POOL, shared);
        outbound.clients.put(SHARED_POOL, client(shared));
        for (StageConfig stage : stages) {
            if (!stage.hasClientCertificate()) {
                continue;
            }
            ClientCertificate certificate = stage.clientCertificate();
            PoolingHttpClientConnectionManager own = pool(guard, sslContext(stage, certificate, trusted, clock),
                    Math.max(1, stage.maxConcurrency()));
            String name = SHARED_POOL + "-" + stage.workflow() + "-" + stage.name();
            // an endpoint closes a pool that is not its component's when it stops; this one is closed with the context
            context.getRegistry().bind(name, new KeptOpen(own));
            outbound.poolNames.put(stage.qualifiedName(), name);
            outbound.clients.put(name, client(own));
            closeOnStop(context, own);
        }
        return outbound;
    }

    /** The bean name of the pool {@code stage}'s requests go through, for the route's {@code clientConnectionManager}. */
    public String poolOf(StageConfig stage) {
        return poolNames.getOrDefault(stage.qualifiedName(), SHARED_POOL);
    }

    /**
     * A plain HTTP client on {@code stage}'s pool (the SSRF guard, the trust store and its client certificate with it):
     * for requests the bundle makes on the stage's behalf, such as fetching its OAuth2 token. No redirects, no retries.
     */
    public CloseableHttpClient clientOf(StageConfig stage) {
        return clients.get(poolOf(stage));
    }
    /** Start-up warning for stages whose URL the guard would refuse today; each attempt checks again. */
    public static void warnAboutBlockedStages(Collection<StageConfig> stages, TargetGuard guard) {
        for (StageConfig stage : stages) {
            if (stage.url() == null || !stage.isHttpTarget()) {
                continue; // a Camel endpoint: the guard covers http(s) only (docs/security.md)
            }
            String host = stage.url().getHost();
            try {
                for (InetAddress address : InetAddress.getAllByName(host)) {
                    String refusal = guard.refusal(host, address);
                    if (refusal != null) {
                        LOG.warn("stage {} cannot deliver as configured: {}", stage.qualifiedName(), refusal);
                        break;
                    }
                }
            } catch (UnknownHostException e) {
                LOG.warn("stage {}: host {} does not resolve now; deliveries will fail until it does", stage.qualifiedName(),
                        host);
            }
        }
    }

    private static PoolingHttpClientConnectionManager pool(TargetGuard guard, SSLContext ssl, int concurrency) {
        PoolingHttpClientConnectionManagerBuilder pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(new GuardedDnsResolver(guard))
                .setMaxConnTotal(Math.max(200, concurrency * 2))
                .setMaxConnPerRoute(Math.max(20, concurrency));
        if (ssl != null) {
            pool.setTlsSocketStrategy(ClientTlsStrategyBuilder.create().setSslContext(ssl).buildClassic());
        }
        return pool.build();
    }

    private static CloseableHttpClient client(PoolingHttpClientConnectionManager pool) {
        return HttpClients.custom().setConnectionManager(pool).setConnectionManagerShared(true).disableAutomaticRetries()
                .disableRedirectHandling().disableCookieManagement().disableAuthCaching().build();
    }

    private static void closeOnStop(CamelContext context, PoolingHttpClientConnectionManager pool) {
        try {
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    pool.close();
                }
            }, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The TLS context of a pool: the bundle's trust store (null: the JDK's), and for a stage with a client certificate its
     * key. Null when both are the JDK's defaults.
     */
    private static SSLContext sslContext(StageConfig stage, ClientCertificate certificate, KeyStore trusted, Clock clock) {
        if (certificate == null && trusted == null) {
            return null;
        }
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            KeyManagerFactory keys = null;
            if (certificate != null) {
                KeyStore store = certificate.load();
                X509Certificate x509 = ClientCertificate.certificateOf(store);
                if (x509 != null && x509.getNotAfter().toInstant().isBefore(clock.instant().plus(EXPIRY_WARNING))) {
                    LOG.warn("stage {}: its client certificate ({}) expires on {}; renew it before then, receivers refuse"
                             + " an expired one", stage.qualifiedName(), x509.getSubjectX500Principal().getName(),
                            x509.getNotAfter().toInstant());
                }
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, certificate.passwordChars());
            }
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return ssl;
        } catch (Exception e) {
            // the loader read the keystore at start-up; this is a file changed in between
            throw new IllegalArgumentException("stage " + stage.qualifiedName() + ": field 'client_certificate' cannot be"
                                               + " used (" + e.getClass().getSimpleName() + "); check its keystore and"
                                               + " password", e);
        }
    }

    private static KeyStore trustStore(Path file, String password) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(file.toString().endsWith(".jks") ? "JKS" : "PKCS12");
            store.load(in, password == null || password.isEmpty() ? null : password.toCharArray());
            return store;
        } catch (Exception e) {
            throw new IllegalArgumentException("webhook.tls.trust-store=" + file + ": cannot be read as a PKCS12 or JKS"
                                               + " trust store (" + e.getMessage() + "); check the path and"
                                               + " webhook.tls.trust-store-password");
        }
    }

    /** A stage's own pool as its endpoints see it: they may not close it (the context does, at stop). */
    private record KeptOpen(HttpClientConnectionManager pool) implements HttpClientConnectionManager {

        @Override
        public LeaseRequest lease(String id, HttpRoute route, Timeout requestTimeout, Object state) {
            return pool.lease(id, route, requestTimeout, state);
        }

        @Override
        public void release(ConnectionEndpoint endpoint, Object newState, TimeValue validDuration) {
            pool.release(endpoint, newState, validDuration);
        }

        @Override
        public void connect(ConnectionEndpoint endpoint, TimeValue connectTimeout, HttpContext context) throws IOException {
            pool.connect(endpoint, connectTimeout, context);
        }

        @Override
        public void upgrade(ConnectionEndpoint endpoint, HttpContext context) throws IOException {
            pool.upgrade(endpoint, context);
        }

        @Override
        public void close(CloseMode mode) {
        }

        @Override
        public void close() {
        }
    }
}
