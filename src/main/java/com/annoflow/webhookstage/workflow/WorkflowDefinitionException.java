package com.annoflow.webhookstage.workflow;

import java.util.List;

/** The workflow file cannot be used; the message lists every problem with its workflow, stage and field. */
public class WorkflowDefinitionException extends RuntimeException {

    public WorkflowDefinitionException(String file, List<String> problems) {
        super("Invalid workflow definition in " + file + " (fix the fields below and start again):\n  - "
              + String.join("\n  - ", problems));
    }
}
