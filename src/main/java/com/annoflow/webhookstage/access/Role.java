package com.annoflow.webhookstage.access;

import java.util.Locale;

/** Who may do what through the API; the seed's roles. */
public enum Role {
    ADMIN, USER, WORKFORCE_MANAGER, WORKER;

    /** Users, Admins and Workforce Managers assign files anywhere, including the webhook stage after the dataset. */
    public boolean assignsAnywhere() {
        return this != WORKER;
    }

    public static Role parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT).replace(' ', '_').replace('-', '_'));
        } catch (RuntimeException e) {
            return null;
        }
    }
}
