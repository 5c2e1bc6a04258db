package com.annoflow.webhookstage.support;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Runs a class marked {@link PostgresOnly} or {@link HsqldbOnly} only in the suite's execution on that database. */
final class OnlyOnEngine implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        boolean wantsPostgres = context.getElement().map(e -> AnnotationSupport.isAnnotated(e, PostgresOnly.class)).orElse(false);
        boolean wantsHsqldb = context.getElement().map(e -> AnnotationSupport.isAnnotated(e, HsqldbOnly.class)).orElse(false);
        if (wantsPostgres && !TestDatabase.isPostgres()) {
            return ConditionEvaluationResult.disabled("needs PostgreSQL; runs in the postgresql execution of mvn verify");
        }
        if (wantsHsqldb && TestDatabase.isPostgres()) {
            return ConditionEvaluationResult.disabled("about the embedded HSQLDB; runs in the default execution of mvn verify");
        }
        return ConditionEvaluationResult.enabled("on " + TestDatabase.ENGINE);
    }
}
