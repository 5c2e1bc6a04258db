package com.annoflow.webhookstage.api;

import java.time.Duration;

/**
 * What one API request may hold; each cap is enforced with a 4xx that names it and its property. The defaults fit
 * real V7 exports (file names and paths of a few hundred characters, presigned URLs of 1-2 KB, thousands of
 * annotations); the column sizes of the schema are the upper bounds.
 */
public record ApiLimits(int maxRequestBytes, int maxFilesPerRequest, int maxIdsPerRequest, int maxAnnotationsPerFile,
        int maxJsonDepth, int maxNameChars, int maxPathChars, int maxUrlChars, Duration readTimeout) {

    public static final String PREFIX = "webhook.api.";
}
