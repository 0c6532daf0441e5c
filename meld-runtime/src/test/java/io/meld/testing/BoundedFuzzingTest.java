package io.meld.testing;

import io.meld.transport.BoundedFuzzing;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes each Jazzer fuzz test of this module for a few seconds ({@link BoundedFuzzing}), one JVM per
 * target, and fails with the crashing input when Jazzer finds one. Skip it with {@code
 * -DexcludedGroups=fuzzing}; for a long hunt see the README's Fuzzing section.
 */
@Tag("fuzzing")
// BoundedFuzzing bounds each JVM it forks (fuzzing.seconds and its start-up); a limit of JUnit's on top would
// only cut a long hunt short.
@Timeout(value = 1, unit = TimeUnit.DAYS)
class BoundedFuzzingTest {
    @Test
    void shouldFindNoCrashInAnyFuzzTestOfThisModule() throws IOException, InterruptedException {
        BoundedFuzzing.fuzzAll();
    }
}
