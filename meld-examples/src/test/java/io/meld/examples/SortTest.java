package io.meld.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Meld;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class SortTest {
    private final Example example = new Sort();

    @Test
    void shouldSortAndKeepEveryKeyOnTwoAndThreeNodes() {
        for (int nodes : new int[] {2, 3}) {
            assertThat(run(nodes, "--keys", "20000", "--seed", "7"))
                    .allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
        }
    }

    @Test
    void shouldSortTheSameKeysAsASequentialSort() {
        long[] expected = new long[1000];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = Sort.key(3, i);
        }
        Arrays.sort(expected);
        List<long[]> parts = Meld.localResults(3, meld -> {
            long from = 1000L * meld.rank() / 3;
            long to = 1000L * (meld.rank() + 1) / 3;
            long[] keys = new long[(int) (to - from)];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = Sort.key(3, from + i);
            }
            return Sort.sort(meld, keys);
        });
        long[] joined = parts.stream().flatMapToLong(Arrays::stream).toArray();
        assertThat(joined).containsExactly(expected);
    }

    @Test
    void shouldHandleFewerKeysThanNodesAndDuplicates() {
        assertThat(run(3, "--keys", "2"))
                .allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
        List<long[]> parts = Meld.localResults(2, meld -> Sort.sort(meld, new long[] {5, 5, 5, 1, 5}));
        long[] joined = parts.stream().flatMapToLong(Arrays::stream).toArray();
        assertThat(joined).containsExactly(1, 1, 5, 5, 5, 5, 5, 5, 5, 5);
    }

    @Test
    void shouldReportACorruptedKeyAsFail() {
        List<ExampleResult> results = run(2, "--keys", "5000", "--corrupt");
        assertThat(results).allSatisfy(r -> {
            assertThat(r.ok()).isFalse();
            assertThat(r.text()).contains("not a permutation of the input");
        });
    }

    private List<ExampleResult> run(int nodes, String... args) {
        ExampleOptions options = ExampleMain.options(example, args);
        return Meld.localResults(nodes, meld -> ExampleMain.runChecked(example, meld, options, Example.Log.NONE));
    }
}
