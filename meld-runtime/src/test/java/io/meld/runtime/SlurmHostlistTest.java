package io.meld.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Slurm's host lists and task counts expand as {@code scontrol show hostnames} expands them. */
@Timeout(10)
class SlurmHostlistTest {
    @Test
    void shouldExpandRangesAndSinglesKeepingTheZeroPaddingAndTheOrder() {
        assertThat(SlurmHostlist.expand("node[01-03,07],gpu5"))
                .containsExactly("node01", "node02", "node03", "node07", "gpu5");
    }

    @Test
    void shouldTakeAPlainHostAsItIs() {
        assertThat(SlurmHostlist.expand("localhost")).containsExactly("localhost");
    }

    @Test
    void shouldKeepWhatFollowsTheBracket() {
        assertThat(SlurmHostlist.expand("n[8-10]-ib")).containsExactly("n8-ib", "n9-ib", "n10-ib");
    }

    @Test
    void shouldPadToTheWidthOfTheFirstNumberOfARange() {
        assertThat(SlurmHostlist.expand("c[098-101]")).containsExactly("c098", "c099", "c100", "c101");
    }

    @Test
    void shouldMultiplySeveralBracketsWithTheFirstVaryingSlowest() {
        assertThat(SlurmHostlist.expand("r[1-2]n[1-2]")).containsExactly("r1n1", "r1n2", "r2n1", "r2n2");
    }

    @Test
    void shouldExpandSeveralBracketedExpressions() {
        assertThat(SlurmHostlist.expand("a[1-2],b[3,5-6],c")).containsExactly("a1", "a2", "b3", "b5", "b6", "c");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "node[1-3|unmatched '['",
                "node1-3]|unmatched ']'",
                "node[3-1]|range '3-1' runs backwards",
                "node[a-b]|'a-b' in Slurm list 'node[a-b]' is not a number or range",
                "node[1-2,]|is not a number or range",
                "node[[1-2]]|nested '['",
                "a,,b|empty host name",
                "node[0-99999999]|names too many hosts"
            })
    void shouldRejectAMalformedHostListQuotingIt(String list, String message) {
        assertThatThrownBy(() -> SlurmHostlist.expand(list))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void shouldExpandTaskCountsWithRepeats() {
        assertThat(SlurmHostlist.expandCounts("2(x3),1")).containsExactly(2, 2, 2, 1);
        assertThat(SlurmHostlist.expandCounts("3")).containsExactly(3);
        assertThat(SlurmHostlist.expandCounts("1,4(x2)")).containsExactly(1, 4, 4);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"2(3)|is not n or n(xk)", "x|is not a number", "2(x3|is not n or n(xk)"})
    void shouldRejectMalformedTaskCountsQuotingThem(String counts, String message) {
        assertThatThrownBy(() -> SlurmHostlist.expandCounts(counts))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .hasMessageContaining(counts);
    }

    @Test
    void shouldOrderTasksByRankInBlockAndCyclicDistributions() {
        List<String> nodes = List.of("a", "b");
        List<Integer> counts = List.of(2, 1);

        assertThat(LaunchEnvironment.hostsByRank(nodes, counts, 7800, false))
                .containsExactly("a:7800", "a:7801", "b:7800");
        assertThat(LaunchEnvironment.hostsByRank(nodes, counts, 7800, true))
                .containsExactly("a:7800", "b:7800", "a:7801");
    }
}
