package com.annoflow.webhookstage.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Liveness and readiness on the management port; readiness follows the database. */
class HealthTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    @Test
    void theBundleIsLiveAndReadyWithItsDatabase() {
        HttpResponse<String> ready = get("/observe/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(get("/observe/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/observe/health?exposureLevel=full").body()).contains("database").contains("UP");
    }

    @Test
    void operatorsTellTheBundlesDatabaseConnectionsApartByTheirApplicationName() {
        Assumptions.assumeTrue(TestDatabase.isPostgres(), "pg_stat_activity is PostgreSQL's");
        // the test's own connection is the driver's default name; the bundle's pool keeps at least two open
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> bundle.jdbc().queryForObject("SELECT COUNT(*) FROM pg_stat_activity WHERE datname ="
                                                           + " current_database() AND application_name = 'webhook-stage'",
                        Integer.class) >= 2);
    }

    @Test
    void readinessGoesDownWhenTheDatabaseIsGoneAndComesBackWithIt() throws Exception {
        Assumptions.assumeTrue(TestDatabase.isPostgres(), "switching a database off and on needs PostgreSQL");
        String name = bundle.database().url().substring(bundle.database().url().lastIndexOf('/') + 1);
        try {
            admin("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
            admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> get("/observe/health/ready").statusCode() == 503);
            assertThat(get("/observe/health/live").statusCode()).isEqualTo(200);
        } finally {
            admin("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> get("/observe/health/ready").statusCode() == 200);
    }

    private static void admin(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static HttpResponse<String> get(String path) {
        try {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(URI.create(bundle.managementUrl(path)))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
