package com.annoflow.webhookstage.endpointhealth;

import com.annoflow.webhookstage.workflow.StageConfig;

/** The stage stopped sending before this attempt began: the file goes back to the queue, the attempt not counted. */
public final class StagePausedException extends RuntimeException {

    public StagePausedException(StageConfig stage, StageCircuits.State state) {
        super("stage " + stage.qualifiedName() + " is not sending (" + state + "); the file waits in the queue", null, false, false);
    }
}
