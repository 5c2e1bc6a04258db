package com.annoflow.webhookstage.support;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (META-INF/services, autodetection on): in the postgresql execution without a
 * reachable PostgreSQL, every test is skipped with the reason, before any bundle starts. Where PostgreSQL is required
 * (.ci/run) the tests run and fail loudly instead.
 */
public final class PostgresAvailability implements ExecutionCondition {

    private static volatile String unreachable;
    private static volatile boolean checked;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!TestDatabase.isPostgres() || TestDatabase.postgresRequired()) {
            return ConditionEvaluationResult.enabled("runs on " + TestDatabase.ENGINE);
        }
        if (!checked) {
            unreachable = TestDatabase.whyPostgresIsUnreachable();
            checked = true;
        }
        return unreachable == null ? ConditionEvaluationResult.enabled("PostgreSQL reachable")
                : ConditionEvaluationResult.disabled(unreachable + ": PostgreSQL tests skipped"
                                                     + " (WEBHOOK_TEST_POSTGRES=required makes this a failure)");
    }
}
