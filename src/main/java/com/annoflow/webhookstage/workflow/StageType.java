package com.annoflow.webhookstage.workflow;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The kinds of stage a workflow has; only webhook stages are automated by this bundle. */
public enum StageType {
    DATASET, ANNOTATE, REVIEW, WEBHOOK, COMPLETE,
    /** A plain stage where files wait, e.g. where failed deliveries are sent to be easy to find. */
    HOLDING;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** "an annotate stage", "a webhook stage": for messages. */
    public String described() {
        String label = label();
        return ("aeiou".indexOf(label.charAt(0)) >= 0 ? "an " : "a ") + label + " stage";
    }

    /** Stages that send files on by themselves; the others hold files until a person moves them. */
    public boolean isAutomated() {
        return this == WEBHOOK;
    }

    public static String labels() {
        return Arrays.stream(values()).map(StageType::label).collect(Collectors.joining(", "));
    }

    public static StageType fromLabel(String label) {
        for (StageType t : values()) {
            if (t.label().equals(label)) {
                return t;
            }
        }
        return null;
    }
}
