package com.annoflow.webhookstage.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/** Tests of what only the embedded HSQLDB has (its file database, its write delay): they run in the default execution. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(OnlyOnEngine.class)
public @interface HsqldbOnly {
}
