package com.annoflow.webhookstage.files;

import java.util.List;


/** A file as stored: its V7 item metadata and its annotations as the JSON text they arrived in. */
public record RegisteredFile(Item item, List<String> annotations) {
}
