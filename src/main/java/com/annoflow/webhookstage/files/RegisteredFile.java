package com.annoflow.webhookstage.files;

import java.util.List;

import com.annoflow.webhookstage.payload.WebhookPayload.Item;

/** A file as stored: its V7 item metadata and its annotations as the JSON text they arrived in. */
public record RegisteredFile(Item item, List<String> annotations) {
}
