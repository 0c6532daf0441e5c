package io.meld;

/**
 * The body of a {@link Meld#finish finish}: code that runs on the calling thread and spawns tasks.
 */
@FunctionalInterface
public interface Block {
    /**
     * Runs the block.
     *
     * @throws Exception anything; the {@code finish} still waits for the tasks, then reports it
     */
    void run() throws Exception;
}
