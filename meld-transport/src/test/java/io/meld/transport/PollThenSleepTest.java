package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

/** The I/O threads' wait: poll after activity, sleep once the poll has run out, never poll when it is 0. */
class PollThenSleepTest {
    @Test
    void shouldHandReadyEventsOverAndPollWhileTheWindowLasts() throws Exception {
        SelectStrategy s = PollThenSleep.factory(Long.MAX_VALUE).newSelectStrategy();
        assertThat(s.calculateStrategy(() -> 3, false)).isEqualTo(3);
        assertThat(s.calculateStrategy(() -> 0, true))
                .as("tasks to run: look and go on")
                .isZero();
        assertThat(s.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.CONTINUE);
    }

    @Test
    void shouldSleepOnceThePollHasRunOut() throws Exception {
        SelectStrategy s = PollThenSleep.factory(1).newSelectStrategy();
        assertThat(s.calculateStrategy(() -> 1, false)).isEqualTo(1);
        long until = System.nanoTime() + 1_000;
        while (System.nanoTime() < until) {
            Thread.onSpinWait(); // let the 1 ns window pass
        }
        assertThat(s.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.SELECT);
    }

    @Test
    void shouldPollAgainAfterEveryWakeUp() throws Exception {
        long window = 200_000_000;
        SelectStrategy s = PollThenSleep.factory(window).newSelectStrategy();
        Thread.sleep(window / 1_000_000 + 50); // idle longer than the window
        assertThat(s.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.SELECT);
        // The event loop slept, woke for a frame and handled it itself: the next looks poll for the next one.
        assertThat(s.calculateStrategy(() -> 0, false))
                .as("the wake-up counts as traffic")
                .isZero();
        assertThat(s.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.CONTINUE);
    }

    @Test
    void shouldBehaveAsNettyDoesWhenTurnedOff() throws Exception {
        SelectStrategy s = PollThenSleep.factory(0).newSelectStrategy();
        assertThat(s.calculateStrategy(() -> 2, true)).isEqualTo(2);
        assertThat(s.calculateStrategy(() -> 2, false))
                .as("no task: sleep in epoll")
                .isEqualTo(SelectStrategy.SELECT);
    }
}
