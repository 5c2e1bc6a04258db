package com.annoflow.webhookstage.outbound;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Collection;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.annoflow.webhookstage.workflow.StageConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.component.http.HttpComponent;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection pool every webhook request goes through: the SSRF guard decides at DNS resolution, certificates
 * are always verified (against the JDK's trust store, or {@code webhook.tls.trust-store} for private CAs; there is no
 * switch to trust everything), and connections are kept alive across deliveries.
 */
public final class OutboundHttp {

    private static final Logger LOG = LoggerFactory.getLogger("webhook.delivery");

    private OutboundHttp() {
    }

    public static void configure(CamelContext context, TargetGuard guard, String trustStore, String trustStorePassword,
            int concurrency) {
        PoolingHttpClientConnectionManagerBuilder pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(new GuardedDnsResolver(guard))
                .setMaxConnTotal(Math.max(200, concurrency * 2))
                .setMaxConnPerRoute(Math.max(20, concurrency));
        if (trustStore != null && !trustStore.isBlank()) {
            pool.setTlsSocketStrategy(ClientTlsStrategyBuilder.create()
                    .setSslContext(sslContext(Path.of(trustStore), trustStorePassword)).buildClassic());
        }
        PoolingHttpClientConnectionManager manager = pool.build();
        HttpComponent http = context.getComponent("http", HttpComponent.class);
        http.setClientConnectionManager(manager);
        // HttpClient would retry a 503 or 429 by itself, unseen: every attempt must be counted, logged and budgeted here
        http.setAutomaticRetriesDisabled(true);
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
            } catch (java.net.UnknownHostException e) {
                LOG.warn("stage {}: host {} does not resolve now; deliveries will fail until it does", stage.qualifiedName(),
                        host);
            }
        }
    }

    private static SSLContext sslContext(Path file, String password) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(file.toString().endsWith(".jks") ? "JKS" : "PKCS12");
            store.load(in, password == null || password.isEmpty() ? null : password.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, trust.getTrustManagers(), null);
            return ssl;
        } catch (Exception e) {
            throw new IllegalArgumentException("webhook.tls.trust-store=" + file + ": cannot be read as a PKCS12 or JKS"
                                               + " trust store (" + e.getMessage() + "); check the path and"
                                               + " webhook.tls.trust-store-password");
        }
    }
}
