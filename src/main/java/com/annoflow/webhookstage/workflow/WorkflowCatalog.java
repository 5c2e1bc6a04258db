package com.annoflow.webhookstage.workflow;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The configured stages with their database ids: the one place the rest of the bundle looks a stage up. */
public final class WorkflowCatalog {

    private final Map<Long, StageConfig> byId;
    private final Map<String, StageConfig> byQualifiedName;

    public WorkflowCatalog(List<StageConfig> stages) {
        this.byId = stages.stream().collect(Collectors.toUnmodifiableMap(StageConfig::id, Function.identity()));
        this.byQualifiedName = stages.stream()
                .collect(Collectors.toUnmodifiableMap(StageConfig::qualifiedName, Function.identity()));
    }

    public StageConfig stage(long id) {
        StageConfig stage = byId.get(id);
        if (stage == null) {
            throw new IllegalStateException("stage id " + id + " is not in the configured workflows");
        }
        return stage;
    }

    public Optional<StageConfig> find(String workflow, String stage) {
        return Optional.ofNullable(byQualifiedName.get(workflow + "/" + stage));
    }

    /** A stage an edge of {@code from} points at, by name within the same workflow. */
    public StageConfig target(StageConfig from, String stageName) {
        return find(from.workflow(), stageName).orElseThrow(
                () -> new IllegalStateException("stage " + from.qualifiedName() + " points at unknown stage " + stageName));
    }

    public Collection<StageConfig> stages() {
        return byId.values();
    }

    public List<String> workflows() {
        return byId.values().stream().map(StageConfig::workflow).distinct().sorted().toList();
    }
}
