package com.annoflow.webhookstage;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import com.annoflow.webhookstage.access.ApiKeys;
import com.annoflow.webhookstage.api.ApiLimits;
import com.annoflow.webhookstage.api.ApiRoutes;
import com.annoflow.webhookstage.api.FilesApi;
import com.annoflow.webhookstage.api.Http11Only;
import com.annoflow.webhookstage.api.HttpGuard;
import com.annoflow.webhookstage.api.KeysApi;
import com.annoflow.webhookstage.api.StagesApi;
import com.annoflow.webhookstage.api.WorkflowsApi;
import com.annoflow.webhookstage.delivery.Attempts;
import com.annoflow.webhookstage.delivery.DeliveryLanes;
import com.annoflow.webhookstage.delivery.DeliveryLog;
import com.annoflow.webhookstage.delivery.OAuth2Steps;
import com.annoflow.webhookstage.delivery.Ping;
import com.annoflow.webhookstage.delivery.Preview;
import com.annoflow.webhookstage.delivery.Redaction;
import com.annoflow.webhookstage.delivery.RetryPolicy;
import com.annoflow.webhookstage.delivery.VisitEnds;
import com.annoflow.webhookstage.delivery.Visits;
import com.annoflow.webhookstage.console.ConsoleRoutes;
import com.annoflow.webhookstage.demo.DemoRoutes;
import com.annoflow.webhookstage.endpointhealth.EndpointHealthRoutes;
import com.annoflow.webhookstage.endpointhealth.StageCircuits;
import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.metrics.RouteMetrics;
import com.annoflow.webhookstage.metrics.WebhookMetrics;
import com.annoflow.webhookstage.outbound.EndpointTargets;
import com.annoflow.webhookstage.outbound.OAuth2Tokens;
import com.annoflow.webhookstage.outbound.OutboundHttp;
import com.annoflow.webhookstage.outbound.TargetGuard;
import com.annoflow.webhookstage.payload.CustomShapes;
import com.annoflow.webhookstage.payload.PayloadBuilder;
import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.queue.Assignments;
import com.annoflow.webhookstage.queue.FileHistory;
import com.annoflow.webhookstage.queue.FileRemoval;
import com.annoflow.webhookstage.queue.StageOverview;
import com.annoflow.webhookstage.queue.camel.LeaseRecoveryRoutes;
import com.annoflow.webhookstage.queue.camel.LeaseRelease;
import com.annoflow.webhookstage.queue.camel.QueueNotifications;
import com.annoflow.webhookstage.queue.camel.QueueSummaryRoutes;
import com.annoflow.webhookstage.queue.camel.WakeableScheduler;
import com.annoflow.webhookstage.retention.RetentionRoutes;
import com.annoflow.webhookstage.storage.ClusteredJobs;
import com.annoflow.webhookstage.storage.DatabaseHealthCheck;
import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.tracing.Tracing;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import com.annoflow.webhookstage.workflow.WorkflowDefinitionException;
import com.annoflow.webhookstage.workflow.WorkflowDefinitionLoader;
import com.annoflow.webhookstage.workflow.WorkflowSync;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the engine before any route starts: settings, database and migration, workflow sync, and the beans the
 * routes in {@code routes/} name. Named in {@code camel.main.configurationClasses}, so {@code mvn camel:run} and
 * {@code camel run} start the same bundle.
 */
public class WebhookStageConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookStageConfiguration.class);
    /** The registry name of a {@link Clock} the bundle uses instead of the system clock (tests only). */
    public static final String CLOCK_BEAN = "webhookClock";

    @Override
    public void configure(CamelContext context) throws Exception {
        // under `camel run` this jar is downloaded into a class loader of its own; libraries that look services up
        // through the thread's context class loader (Liquibase, Quartz) must see it
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(WebhookStageConfiguration.class.getClassLoader());
        try {
            configureBundle(context);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private void configureBundle(CamelContext context) throws Exception {
        BundleSettings settings = BundleSettings.from(context);
        LOG.info("Starting {} with {}", settings.userAgent(), settings);
        Storage storage = new Storage(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), settings.dbPoolSize());
        try {
            storage.makeCommitsDurable();
            storage.migrate();
            // tests bind a clock they move on (schedules of hours without waiting); the bundle uses the system's
            Clock bound = context.getRegistry().lookupByNameAndType(CLOCK_BEAN, Clock.class);
            Clock clock = bound != null ? bound : Clock.systemUTC();
            WorkflowCatalog workflows = new WorkflowSync(storage, clock).sync(loadWorkflows(context, settings, clock));
            context.addService(storage, true, true);
            wire(context, settings, storage, workflows, clock);
        } catch (Exception e) {
            storage.stop();
            throw e;
        }
    }

    /**
     * The HTTP server's own rules (read deadline, body cap in JSON) go on before any route starts, so no request
     * reaches a route without them; the one-line summary says where the API really listens (Camel's own summary
     * prints 0.0.0.0 whatever camel.server.host is, and is silenced in log4j2.xml).
     */
    private static void guardTheHttpServer(CamelContext context, BundleSettings settings) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        String host = properties.resolveProperty("camel.server.host").orElse("0.0.0.0");
        int port = Integer.parseInt(properties.resolveProperty("camel.server.port").orElse("8080").trim());
        String managementHost = properties.resolveProperty("camel.management.host").orElse("0.0.0.0");
        String managementPort = properties.resolveProperty("camel.management.port").orElse("9876").trim();
        HttpGuard guard = new HttpGuard(settings.apiLimits());
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext camel, boolean alreadyStarted) {
                // the server's services have started, no route has (Camel calls this before the routes start)
                guard.install(camel, port);
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext camel, boolean alreadyStarted) {
                LOG.info("HTTP API at http://{}:{}/api (README: endpoints and keys){}; health and metrics at http://{}:{}/observe",
                        host, port, settings.demoEnabled() ? ", demo receiver at /demo/receiver" : "", managementHost,
                        managementPort);
            }
        });
    }

    /**
     * Once the route files are loaded (before any route starts): every payload route and every Camel endpoint target a
     * stage names exists.
     */
    private static void checkPayloadRoutes(CamelContext context, BundleSettings settings, WorkflowCatalog workflows,
            CustomShapes customShapes) throws Exception {
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext camel, boolean alreadyStarted) {
                List<String> problems = new ArrayList<>(customShapes.problems(workflows.stages()));
                problems.addAll(EndpointTargets.problems(camel, workflows.stages()));
                if (!problems.isEmpty()) {
                    throw new WorkflowDefinitionException(settings.workflowFile(), problems);
                }
            }
        });
    }

    private static List<StageConfig> loadWorkflows(CamelContext context, BundleSettings settings, Clock clock) {
        // the lease covers one attempt: its timeout plus a margin for the statements around the request
        WorkflowDefinitionLoader loader = new WorkflowDefinitionLoader(context::resolvePropertyPlaceholders,
                new WorkflowDefinitionLoader.Limits(settings.retrySchedule(), settings.defaultRetries(),
                        settings.defaultTimeout(), settings.leaseDuration().minus(BundleSettings.LEASE_MARGIN),
                        settings.maxConcurrencyPerStage(), settings.concurrency(), settings.targetsAllow()), clock);
        return loader.load(Path.of(settings.workflowFile()));
    }

    private static void wire(CamelContext context, BundleSettings settings, Storage storage,
            WorkflowCatalog workflows, Clock clock) throws Exception {
        ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        FileCatalog files = new FileCatalog(storage, clock);
        WakeableScheduler claimScheduler = new WakeableScheduler();
        AssignmentQueue queue = new AssignmentQueue(storage, workflows, clock, settings.instanceId(),
                settings.leaseDuration(), settings.claimBatchSize(), settings.maxInFlight(), settings.concurrency(),
                claimScheduler::wake, claimScheduler::wakeIn, settings.pollInterval());
        DeliveryLog deliveryLog = new DeliveryLog(storage);

        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        if (health != null) {
            health.register(new DatabaseHealthCheck(storage));
        }
        TargetGuard guard = new TargetGuard(settings.ssrfAllow());
        OutboundHttp outbound = OutboundHttp.configure(context, clock, guard, settings.trustStore(), settings.trustStorePassword(),
                settings.concurrency(), workflows.stages());
        OutboundHttp.warnAboutBlockedStages(workflows.stages(), guard);

        Registry registry = context.getRegistry();
        // Camel's /observe/metrics serves the registry camel-micrometer-prometheus binds; add ours to it
        MeterRegistry meters = registry.lookupByNameAndType(
                MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
        if (meters == null) {
            meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registry.bind(MicrometerConstants.METRICS_REGISTRY_NAME, meters);
        }
        WebhookMetrics metrics = new WebhookMetrics(meters, storage, workflows, clock);
        context.addRoutePolicyFactory(RouteMetrics.policyFactory(meters));
        // one ObjectMapper: camel-jackson's marshal in the routes picks up this single instance
        registry.bind("jsonMapper", json);
        registry.bind("webhookDataSource", storage.dataSource());
        registry.bind("queue", queue);
        Assignments assignments = new Assignments(storage, clock, claimScheduler::wake);
        FileHistory history = new FileHistory(storage, clock);
        registry.bind("fileHistory", history);
        // services stop in reverse order: the gathered ends of visits are written, then the leases still held are
        // given back, then the storage (added before) closes
        context.addService(new LeaseRelease(queue), true, true);
        VisitEnds visitEnds = new VisitEnds(queue, deliveryLog, metrics, settings.groupCommitDelay());
        context.addService(visitEnds, true, true);
        registry.bind("visits", new Visits(queue, visitEnds, workflows));
        registry.bind("deliveryLanes", new DeliveryLanes(workflows));
        CustomShapes customShapes = new CustomShapes(context, json);
        PayloadBuilder payloads = new PayloadBuilder(files, workflows, json, customShapes);
        registry.bind("payloads", payloads);
        checkPayloadRoutes(context, settings, workflows, customShapes);
        StageCircuits circuits = new StageCircuits(storage, workflows, clock, settings.endpointHealth(), meters);
        circuits.onPausedStagesChange(queue::pauseStages);
        OAuth2Tokens tokens = new OAuth2Tokens(outbound, clock, json);
        Redaction redaction = new Redaction(tokens::current);
        Attempts attempts = new Attempts(queue, deliveryLog, clock, settings.userAgent(),
                settings.responseExcerptChars(), settings.retryAfterCap(), settings.maxPayloadBytes(), metrics, circuits,
                redaction, outbound, Tracing.of(context, settings.tracingEnabled()));
        registry.bind("attempts", attempts);
        registry.bind("oauth2", new OAuth2Steps(tokens));
        registry.bind("retryPolicy", new RetryPolicy(visitEnds, clock));
        registry.bind("claimScheduler", claimScheduler);
        if (storage.isPostgres() && settings.notificationsEnabled()) {
            context.addService(new QueueNotifications(settings.dbUrl(), settings.dbUser(), settings.dbPassword(),
                    claimScheduler), true, true);
        }

        if (storage.isPostgres()) {
            ClusteredJobs.configure(context, storage, settings.instanceId());
        }
        context.addRoutes(new LeaseRecoveryRoutes(clock, settings.leaseRecoveryInterval(), settings.instanceId(), metrics));
        context.addRoutes(new QueueSummaryRoutes(clock, settings.queueSummaryInterval()));
        Ping ping = new Ping(context, attempts, payloads, json, redaction);
        context.addRoutes(new EndpointHealthRoutes(circuits,
                stage -> "DELIVERED".equals(ping.send(stage).get("outcome")), settings.endpointHealth().probeInterval()));
        FileRemoval removal = new FileRemoval(storage);
        context.addRoutes(new RetentionRoutes(clock, settings.retention(), meters, removal));
        ApiKeys keys = new ApiKeys(storage, clock);
        keys.ensureAdminKey(settings.adminKey());
        ApiLimits limits = settings.apiLimits();
        context.addRoutes(new ApiRoutes(new FilesApi(files, assignments, history, workflows, deliveryLog, removal, limits),
                new KeysApi(keys),
                new StagesApi(files, assignments, history, deliveryLog, ping, new Preview(context, payloads, attempts),
                        circuits, new StageOverview(storage, clock), clock, workflows, limits),
                new WorkflowsApi(workflows, circuits), keys, limits, json));
        context.addRoutes(new ConsoleRoutes());
        guardTheHttpServer(context, settings);
        if (settings.demoEnabled()) {
            context.addRoutes(new DemoRoutes(files, assignments, workflows, json, settings.demoFiles()));
        }
        // last: nothing of the configuration can fail after its Vert.x exists (it is closed when the context stops)
        Http11Only.bindTo(context);
    }
}
