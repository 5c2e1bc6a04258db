package com.annoflow.webhookstage.files;

/** The team a file belongs to. Part of the darwin-v2 payload ({@code item}). */
public record Team(String name, String slug) {
}
