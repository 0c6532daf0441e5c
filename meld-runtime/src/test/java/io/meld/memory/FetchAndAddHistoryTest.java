package io.meld.memory;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The history checker itself must accept linearizable histories and reject the others. */
class FetchAndAddHistoryTest {
    @Test
    void shouldAcceptOverlappingOperationsInEitherOrder() {
        FetchAndAddHistory h = new FetchAndAddHistory();
        h.add(new FetchAndAddHistory.Op("a", 0, 10, 2));
        h.add(new FetchAndAddHistory.Op("b", 1, 11, 0));
        h.add(new FetchAndAddHistory.Op("c", 12, 13, 4));
        assertThatCode(() -> h.checkLinearizable(2, 6)).doesNotThrowAnyException();
    }

    @Test
    void shouldRejectALargerValueThatFinishedBeforeASmallerOneBegan() {
        FetchAndAddHistory h = new FetchAndAddHistory();
        h.add(new FetchAndAddHistory.Op("early", 0, 5, 1));
        h.add(new FetchAndAddHistory.Op("late", 6, 9, 0));
        assertThatThrownBy(() -> h.checkLinearizable(1, 2))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("early")
                .hasMessageContaining("late");
    }

    @Test
    void shouldRejectADuplicateOrMissingValueAndAWrongTotal() {
        FetchAndAddHistory dup = new FetchAndAddHistory();
        dup.add(new FetchAndAddHistory.Op("a", 0, 5, 0));
        dup.add(new FetchAndAddHistory.Op("b", 0, 5, 0));
        assertThatThrownBy(() -> dup.checkLinearizable(1, 2)).hasMessageContaining("returned twice");

        FetchAndAddHistory gap = new FetchAndAddHistory();
        gap.add(new FetchAndAddHistory.Op("a", 0, 5, 0));
        gap.add(new FetchAndAddHistory.Op("b", 0, 5, 2));
        assertThatThrownBy(() -> gap.checkLinearizable(1, 2)).hasMessageContaining("no operation returned 1");

        FetchAndAddHistory lost = new FetchAndAddHistory();
        lost.add(new FetchAndAddHistory.Op("a", 0, 5, 0));
        assertThatThrownBy(() -> lost.checkLinearizable(1, 3)).hasMessageContaining("ends at 3");
    }
}
