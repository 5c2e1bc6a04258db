package com.annoflow.webhookstage;

import org.apache.camel.main.Main;

/** Runs the bundle with {@code config/application.properties} (the operator's file) and the routes in {@code routes/}. */
public final class WebhookStageMain {

    public static final String PROPERTIES = "file:config/application.properties";

    private WebhookStageMain() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(PROPERTIES);
        main.run(args);
    }
}
