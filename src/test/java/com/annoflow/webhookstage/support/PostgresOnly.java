package com.annoflow.webhookstage.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Tests of what only PostgreSQL offers (several instances, LISTEN/NOTIFY): they run in the postgresql execution. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PostgresOnly.Condition.class)
public @interface PostgresOnly {

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return TestDatabase.isPostgres() ? ConditionEvaluationResult.enabled("on PostgreSQL")
                    : ConditionEvaluationResult.disabled("needs PostgreSQL; runs in the postgresql execution of mvn verify");
        }
    }
}
