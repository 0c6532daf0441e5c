package io.meld.transport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Classes that Jazzer instruments for coverage, besides Meld's own ({@code io.meld.**}), when {@link
 * BoundedFuzzing} fuzzes the fuzz tests of the annotated class: a library whose decisions the fuzzer should
 * steer (the object codec's Fory, say). Instrumenting costs start-up time in each forked JVM (Fory's
 * thousand classes took about 8 s), so a target names only what it decodes with.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface InstrumentAlso {
    /** @return Jazzer class patterns ({@code org.apache.fory.**}) */
    String[] value();
}
