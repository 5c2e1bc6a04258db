package com.annoflow.webhookstage;

import org.apache.camel.main.Main;

/**
 * Runs the bundle with {@code config/application.properties} (the operator's file) and the routes in {@code routes/}.
 * Secrets can live outside the repository: in environment variables, or in the properties file that
 * {@code WEBHOOK_SECRETS_FILE} names, whose values override the ones in {@code config/}.
 */
public final class WebhookStageMain {

    public static final String PROPERTIES = "file:config/application.properties";

    private WebhookStageMain() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(propertyLocations(System.getenv("WEBHOOK_SECRETS_FILE")));
        main.run(args);
    }

    /** The operator's file, then the secrets file if one is named (a missing secrets file stops start-up). */
    public static String propertyLocations(String secretsFile) {
        return secretsFile == null || secretsFile.isBlank() ? PROPERTIES : PROPERTIES + ",file:" + secretsFile.trim();
    }
}
