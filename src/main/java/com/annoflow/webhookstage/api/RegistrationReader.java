package com.annoflow.webhookstage.api;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.annoflow.webhookstage.files.Dataset;
import com.annoflow.webhookstage.files.Item;
import com.annoflow.webhookstage.files.RegisteredFile;
import com.annoflow.webhookstage.files.Slot;
import com.annoflow.webhookstage.files.SourceFile;
import com.annoflow.webhookstage.files.SourceInfo;
import com.annoflow.webhookstage.files.Team;
import com.annoflow.webhookstage.payload.AnnotationValidator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Reads a registration body: files in the same shape receivers get ({@code item} plus Darwin JSON 2.0
 * {@code annotations}). Collects every problem, each with its JSON path, before refusing the request.
 */
final class RegistrationReader {

    private static final Set<String> SLOT_TYPES = Set.of("image", "video", "pdf", "dicom", "text", "audio");

    /** The kinds of text a file carries, each with its cap. */
    private enum Kind { NAME, PATH, URL }

    private static final int MAX_PROBLEMS_SHOWN = 20;

    private final List<String> problems = new ArrayList<>();
    private final ApiLimits limits;

    RegistrationReader(ApiLimits limits) {
        this.limits = limits;
    }

    List<RegisteredFile> read(JsonNode body) {
        JsonNode files = body.has("files") ? body.get("files") : body.isObject() ? wrap(body) : null;
        if (files == null || !files.isArray() || files.isEmpty()) {
            throw new ApiException(400, "body: send {\"files\": [{\"item\": {...}, \"annotations\": [...]}]}"
                                        + " or a single {\"item\": {...}} with at least one file");
        }
        if (files.size() > limits.maxFilesPerRequest()) {
            throw new ApiException(413, "files: " + files.size() + " files; at most " + limits.maxFilesPerRequest()
                                        + " per request (" + ApiLimits.PREFIX + "max-files-per-request); register them in"
                                        + " several requests");
        }
        List<RegisteredFile> result = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < files.size(); i++) {
            RegisteredFile file = file(files.get(i), "files[" + i + "]");
            if (file != null && !ids.add(file.item().sourceInfo().itemId())) {
                problems.add("files[" + i + "].item.source_info.item_id: appears twice in this request");
            }
            result.add(file);
        }
        if (!problems.isEmpty()) {
            throw new ApiException(400, summary(problems));
        }
        return result;
    }

    /** The first problems, each at most 500 characters: a hostile request must not get a megabyte of message back. */
    static String summary(List<String> problems) {
        List<String> shown = problems.stream().limit(MAX_PROBLEMS_SHOWN).map(p -> ApiText.shown(p, 500)).toList();
        return String.join("; ", shown) + (problems.size() > MAX_PROBLEMS_SHOWN
                ? "; and " + (problems.size() - MAX_PROBLEMS_SHOWN) + " more problem(s)" : "");
    }

    private static JsonNode wrap(JsonNode single) {
        return JsonNodeFactory.instance.arrayNode().add(single);
    }

    private RegisteredFile file(JsonNode file, String path) {
        if (!file.isObject() || !file.path("item").isObject()) {
            problems.add(path + ".item: required, the file's metadata object");
            return null;
        }
        JsonNode item = file.get("item");
        String p = path + ".item";
        String name = text(item, "name", p, true, Kind.NAME);
        String filePath = text(item, "path", p, false, Kind.PATH);
        JsonNode info = item.path("source_info");
        String ip = p + ".source_info";
        if (!info.isObject()) {
            problems.add(ip + ": required, with team and dataset");
            return null;
        }
        String itemId = text(info, "item_id", ip, false, Kind.NAME);
        if (itemId == null) {
            itemId = UUID.randomUUID().toString();
        } else if (!isUuid(itemId)) {
            problems.add(ip + ".item_id: '" + ApiText.shown(itemId) + "' must be a UUID, or leave it out to get one");
        }
        Team team = new Team(text(info.path("team"), "name", ip + ".team", true, Kind.NAME),
                text(info.path("team"), "slug", ip + ".team", true, Kind.NAME));
        Dataset dataset = new Dataset(text(info.path("dataset"), "name", ip + ".dataset", true, Kind.NAME),
                text(info.path("dataset"), "slug", ip + ".dataset", true, Kind.NAME),
                url(info.path("dataset"), "dataset_management_url", ip + ".dataset"));
        String workview = url(info, "workview_url", ip);
        List<Slot> slots = slots(item.get("slots"), p + ".slots");

        JsonNode annotations = file.get("annotations");
        if (annotations != null && annotations.isArray() && annotations.size() > limits.maxAnnotationsPerFile()) {
            problems.add(path + ".annotations: " + annotations.size() + " annotations; at most "
                         + limits.maxAnnotationsPerFile() + " per file (" + ApiLimits.PREFIX + "max-annotations-per-file)");
            return null;
        }
        List<String> annotationProblems = AnnotationValidator.validate(annotations);
        annotationProblems.forEach(problem -> problems.add(path + "." + problem));
        List<JsonNode> checked = new ArrayList<>();
        if (annotations != null && annotations.isArray()) {
            annotations.forEach(checked::add);
        }
        // kept only when nothing in the request was refused (the caller throws on any problem)
        RegisteredFile registered = RegisteredFile.ofValidated(new Item(name, filePath == null ? "/" : filePath,
                new SourceInfo(itemId, team, dataset, workview), slots), checked);
        for (int a = 0; a < registered.annotations().size(); a++) {
            int length = registered.annotations().get(a).length();
            if (length > RegisteredFile.MAX_ANNOTATION_CHARS) {
                problems.add(path + ".annotations[" + a + "]: " + length + " characters written compact; one annotation"
                             + " holds at most " + RegisteredFile.MAX_ANNOTATION_CHARS + ": split it");
            }
        }
        return registered;
    }

    private List<Slot> slots(JsonNode slots, String path) {
        List<Slot> result = new ArrayList<>();
        if (slots == null || slots.isNull()) {
            return result;
        }
        if (!slots.isArray()) {
            problems.add(path + ": must be a list of slots");
            return result;
        }
        for (int i = 0; i < slots.size(); i++) {
            JsonNode slot = slots.get(i);
            String sp = path + "[" + i + "]";
            if (!slot.isObject()) {
                problems.add(sp + ": must be a slot object with slot_name and type");
                continue;
            }
            String type = text(slot, "type", sp, true, Kind.NAME);
            if (type != null && !SLOT_TYPES.contains(type)) {
                problems.add(sp + ".type: '" + ApiText.shown(type) + "' is not a slot type; use one of " + SLOT_TYPES);
            }
            List<SourceFile> sources = new ArrayList<>();
            JsonNode files = slot.get("source_files");
            if (files != null && !files.isNull() && !files.isArray()) {
                problems.add(sp + ".source_files: must be a list of {file_name, url}");
            } else if (files != null) {
                for (int f = 0; f < files.size(); f++) {
                    String fp = sp + ".source_files[" + f + "]";
                    if (!files.get(f).isObject()) {
                        problems.add(fp + ": must be a {file_name, url} object");
                        continue;
                    }
                    sources.add(new SourceFile(text(files.get(f), "file_name", fp, true, Kind.NAME),
                            url(files.get(f), "url", fp)));
                }
            }
            result.add(new Slot(text(slot, "slot_name", sp, true, Kind.NAME), type, dimension(slot, "width", sp),
                    dimension(slot, "height", sp), sources));
        }
        return result;
    }

    private Integer dimension(JsonNode node, String field, String path) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() <= 0) {
            problems.add(path + "." + field + ": must be a positive whole number of pixels, got "
                         + ApiText.shown(value.toString()));
            return null;
        }
        return value.asInt();
    }

    private String text(JsonNode node, String field, String path, boolean required, Kind kind) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.isTextual() && value.asText().isBlank()) {
            if (required) {
                problems.add(path + "." + field + ": required text");
            }
            return null;
        }
        if (!value.isTextual()) {
            problems.add(path + "." + field + ": must be text, got " + value.getNodeType().name().toLowerCase());
            return null;
        }
        String problem = switch (kind) {
            case NAME -> ApiText.problem(path + "." + field, value.asText(), limits.maxNameChars(),
                    ApiLimits.PREFIX + "max-name-chars");
            case PATH -> ApiText.problem(path + "." + field, value.asText(), limits.maxPathChars(),
                    ApiLimits.PREFIX + "max-path-chars");
            case URL -> ApiText.problem(path + "." + field, value.asText(), limits.maxUrlChars(),
                    ApiLimits.PREFIX + "max-url-chars");
        };
        if (problem != null) {
            problems.add(problem);
            return null;
        }
        return value.asText();
    }

    private String url(JsonNode node, String field, String path) {
        String value = text(node, field, path, false, Kind.URL);
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value);
            if (uri.getScheme() == null || !uri.getScheme().matches("https?")) {
                problems.add(path + "." + field + ": must be an absolute http(s) URL");
            }
        } catch (Exception e) {
            problems.add(path + "." + field + ": not a valid URL");
        }
        return value;
    }

    private static boolean isUuid(String text) {
        try {
            return UUID.fromString(text).toString().equalsIgnoreCase(text);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
