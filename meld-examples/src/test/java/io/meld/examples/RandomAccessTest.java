package io.meld.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Meld;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class RandomAccessTest {
    private final Example example = new RandomAccess();

    @Test
    void shouldJumpAheadToTheSameValueAsSteppingTheStream() {
        long ran = 1;
        for (long n = 0; n <= 5000; n++) {
            assertThat(RandomAccess.starts(n)).as("HPCC_starts(%d)", n).isEqualTo(ran);
            ran = RandomAccess.next(ran);
        }
        assertThat(RandomAccess.starts(RandomAccess.PERIOD)).isEqualTo(1);
        assertThat(RandomAccess.starts(-1)).isEqualTo(RandomAccess.starts(RandomAccess.PERIOD - 1));
    }

    @Test
    void shouldXorTheIndicesLikeALoop() {
        long xor = 0;
        for (long n = 1; n < 40; n++) {
            xor ^= n - 1;
            assertThat(RandomAccess.xorOfIndices(n)).isEqualTo(xor);
        }
    }

    @Test
    void shouldPassHpccsCheckOnTwoNodes() {
        List<ExampleResult> results = run("--table-log2", "10");
        assertThat(results).allSatisfy(r -> {
            assertThat(r.ok()).as(r.text()).isTrue();
            assertThat(r.text()).contains("table=2^10 updates=4096", "errors=0", "nodes=2");
        });
        assertThat(results.get(1)).isEqualTo(results.get(0));
    }

    @Test
    void shouldReportACorruptedEntryAsFail() {
        List<ExampleResult> results = run("--table-log2", "10", "--corrupt");
        assertThat(results).allSatisfy(r -> {
            assertThat(r.ok()).isFalse();
            assertThat(r.text()).startsWith("1 of 1024 entries wrong after the replay");
        });
        assertThat(results.get(0).line("randomaccess")).startsWith("RESULT randomaccess FAIL 1 of 1024");
    }

    private List<ExampleResult> run(String... args) {
        ExampleOptions options = ExampleMain.options(example, args);
        return Meld.localResults(2, meld -> ExampleMain.runChecked(example, meld, options, Example.Log.NONE));
    }
}
