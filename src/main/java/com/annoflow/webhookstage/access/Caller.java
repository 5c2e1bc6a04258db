package com.annoflow.webhookstage.access;

/** The authenticated caller of an API request: the key's name and its role. */
public record Caller(String name, Role role) {
}
