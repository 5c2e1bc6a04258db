package com.annoflow.webhookstage.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyConfiguration;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;

/**
 * Camel's route metrics ({@code camel_exchanges_*}, {@code camel_route_policy_seconds}) for the routes an operator
 * reads: the claim, the delivery of a file (its whole visit), the API, the bundle's timers and any route an integration
 * engineer adds in {@code routes/}. Not for the steps a delivery calls through {@code direct:} (one attempt, the POST,
 * the request, the router): each would be a second, third and fourth entry per delivery, each entry costing two
 * formatted property names and a timer sample (about a tenth of the bundle's CPU in the benchmark profile), and their
 * times are in {@code webhook_attempt_duration_seconds}. Nor the context-wide sum, which counted every one of those
 * entries as an exchange. Camel's own route policy ({@code camel.metrics.enableRoutePolicy}) is off in
 * {@code config/application.properties}; this one replaces it.
 */
public final class RouteMetrics {

    /** The routes a delivery calls for each attempt, by id, as in {@code routes/webhook-delivery.camel.yaml}. */
    static final String STEPS_OF_A_DELIVERY =
            "webhook-attempt,webhook-post,webhook-http-request,webhook-send-to-endpoint,webhook-route-next";

    private RouteMetrics() {
    }

    public static MicrometerRoutePolicyFactory policyFactory(MeterRegistry meters) {
        MicrometerRoutePolicyConfiguration configuration = new MicrometerRoutePolicyConfiguration();
        configuration.setContextEnabled(false);
        configuration.setRouteEnabled(true);
        configuration.setExcludePattern(STEPS_OF_A_DELIVERY);
        MicrometerRoutePolicyFactory factory = new MicrometerRoutePolicyFactory();
        factory.setMeterRegistry(meters);
        factory.setPolicyConfiguration(configuration);
        return factory;
    }
}
