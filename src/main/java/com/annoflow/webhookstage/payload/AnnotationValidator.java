package com.annoflow.webhookstage.payload;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks annotations against the Darwin JSON 2.0 shapes receivers rely on. Used where annotations enter (the API) and
 * again where the payload is built, since the queue is shared with other writers. Each problem names the JSON path.
 */
public final class AnnotationValidator {

    /** Shapes whose fields are numbers at these paths. */
    private static final Map<String, List<String>> NUMERIC_SHAPES = Map.of(
            "bounding_box", List.of("x", "y", "w", "h"),
            "keypoint", List.of("x", "y"),
            "ellipse", List.of("angle", "center.x", "center.y", "radius.x", "radius.y"));

    private AnnotationValidator() {
    }

    public static List<String> validate(JsonNode annotations) {
        List<String> problems = new ArrayList<>();
        if (annotations == null || annotations.isNull()) {
            return problems;
        }
        if (!annotations.isArray()) {
            problems.add("annotations: must be a list of Darwin JSON 2.0 annotation objects");
            return problems;
        }
        for (int i = 0; i < annotations.size(); i++) {
            validate(annotations.get(i), "annotations[" + i + "]", problems);
        }
        return problems;
    }

    public static void validate(JsonNode annotation, String path, List<String> problems) {
        if (annotation == null || !annotation.isObject()) {
            problems.add(path + ": must be an annotation object");
            return;
        }
        JsonNode name = annotation.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            problems.add(path + ".name: required, the annotation class name as text");
        }
        optionalText(annotation, "id", path, problems);
        textList(annotation, "slot_names", path, problems);
        for (String list : List.of("attributes", "properties", "annotators", "reviewers")) {
            JsonNode node = annotation.get(list);
            if (node != null && !node.isNull() && !node.isArray()) {
                problems.add(path + "." + list + ": must be a list");
            }
        }
        shapes(annotation, path, problems);
        JsonNode frames = annotation.get("frames");
        if (frames != null && !frames.isNull()) {
            if (!frames.isObject()) {
                problems.add(path + ".frames: must map frame numbers to keyframes, e.g. {\"0\": {...}}");
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = frames.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> frame = it.next();
                    String framePath = path + ".frames." + frame.getKey();
                    if (!frame.getKey().matches("\\d+")) {
                        problems.add(framePath + ": frame keys must be frame numbers");
                    } else if (!frame.getValue().isObject()) {
                        problems.add(framePath + ": must be a keyframe object");
                    } else {
                        shapes(frame.getValue(), framePath, problems);
                    }
                }
            }
        }
    }

    private static void shapes(JsonNode node, String path, List<String> problems) {
        NUMERIC_SHAPES.forEach((shape, fields) -> {
            JsonNode value = node.get(shape);
            if (value == null || value.isNull()) {
                return;
            }
            if (!value.isObject()) {
                problems.add(path + "." + shape + ": must be an object with " + fields);
                return;
            }
            for (String field : fields) {
                JsonNode number = value.at("/" + field.replace('.', '/'));
                if (!number.isNumber()) {
                    problems.add(path + "." + shape + "." + field + ": must be a number");
                }
            }
        });
        JsonNode box = node.path("bounding_box");
        if (box.path("w").isNumber() && box.path("w").asDouble() < 0 || box.path("h").isNumber() && box.path("h").asDouble() < 0) {
            problems.add(path + ".bounding_box: w and h must not be negative");
        }
        JsonNode polygon = node.get("polygon");
        if (polygon != null && !polygon.isNull()) {
            JsonNode paths = polygon.get("paths");
            if (paths == null || !paths.isArray()) {
                problems.add(path + ".polygon.paths: must be a list of paths, each a list of {x, y} points");
            } else {
                for (int p = 0; p < paths.size(); p++) {
                    points(paths.get(p), path + ".polygon.paths[" + p + "]", problems);
                }
            }
        }
        JsonNode line = node.get("line");
        if (line != null && !line.isNull()) {
            points(line.get("path"), path + ".line.path", problems);
        }
        JsonNode skeleton = node.get("skeleton");
        if (skeleton != null && !skeleton.isNull()) {
            JsonNode nodes = skeleton.get("nodes");
            if (nodes == null || !nodes.isArray()) {
                problems.add(path + ".skeleton.nodes: must be a list of {name, x, y, occluded} nodes");
            } else {
                for (int n = 0; n < nodes.size(); n++) {
                    String nodePath = path + ".skeleton.nodes[" + n + "]";
                    if (!nodes.get(n).path("name").isTextual()) {
                        problems.add(nodePath + ".name: required text");
                    }
                    point(nodes.get(n), nodePath, problems);
                }
            }
        }
        for (String marker : List.of("tag", "mask")) {
            JsonNode value = node.get(marker);
            if (value != null && !value.isNull() && !value.isObject()) {
                problems.add(path + "." + marker + ": must be an object ({} when it carries nothing)");
            }
        }
    }

    private static void points(JsonNode list, String path, List<String> problems) {
        if (list == null || !list.isArray()) {
            problems.add(path + ": must be a list of {x, y} points");
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            point(list.get(i), path + "[" + i + "]", problems);
        }
    }

    private static void point(JsonNode point, String path, List<String> problems) {
        if (!point.path("x").isNumber() || !point.path("y").isNumber()) {
            problems.add(path + ": x and y must be numbers");
        }
    }

    private static void optionalText(JsonNode node, String field, String path, List<String> problems) {
        JsonNode value = node.get(field);
        if (value != null && !value.isNull() && !value.isTextual()) {
            problems.add(path + "." + field + ": must be text");
        }
    }

    private static void textList(JsonNode node, String field, String path, List<String> problems) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isArray()) {
            problems.add(path + "." + field + ": must be a list of text");
            return;
        }
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                problems.add(path + "." + field + ": must be a list of text");
                return;
            }
        }
    }
}
