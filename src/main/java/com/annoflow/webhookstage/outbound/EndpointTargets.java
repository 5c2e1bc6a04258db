package com.annoflow.webhookstage.outbound;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.TargetUrls;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;

/**
 * Start-up check of the stages whose {@code url} is a Camel endpoint (a scheme in {@code webhook.targets.allow} other
 * than http and https): its component is on the class path, and a {@code direct:} target has a route that consumes it,
 * so a typo stops start-up instead of failing every attempt.
 */
public final class EndpointTargets {

    private EndpointTargets() {
    }

    public static List<String> problems(CamelContext context, Collection<StageConfig> stages) {
        List<String> problems = new ArrayList<>();
        for (StageConfig stage : stages) {
            if (stage.url() == null || stage.isHttpTarget()) {
                continue;
            }
            String scheme = stage.url().getScheme();
            String where = "workflow '" + stage.workflow() + "', stage '" + stage.name() + "': field 'url' = '"
                           + TargetUrls.masked(stage.url()) + "'";
            if (context.getComponent(scheme) == null) {
                problems.add(where + ": no Camel component '" + scheme + "' is on the class path; add its dependency"
                             + " (camel-" + scheme + ") to the bundle, or point the stage elsewhere");
                continue;
            }
            if (scheme.equals("direct")) {
                Endpoint target;
                try {
                    target = context.getEndpoint(stage.url().toString());
                } catch (RuntimeException e) {
                    problems.add(where + ": is not a valid endpoint (" + e.getMessage() + ")");
                    continue;
                }
                boolean consumed = context.getRoutes().stream().map(Route::getEndpoint)
                        .anyMatch(from -> from.getEndpointKey().equals(target.getEndpointKey()));
                if (!consumed) {
                    problems.add(where + ": no route starts from it; add a route with from: " + stage.url()
                                 + " to a file in routes/");
                }
            }
        }
        return problems;
    }
}
