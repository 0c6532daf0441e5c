package io.meld;

/**
 * An SPMD program: the code every node of a cluster runs, given that node's {@link Meld} handle.
 *
 * @see Meld#local(int, MeldProgram)
 */
@FunctionalInterface
public interface MeldProgram {
    /**
     * Runs this node's part of the program.
     *
     * @param meld this node's handle; it is closed by the caller after this method returns
     * @throws Exception anything the program throws; it fails the run and is reported with the node
     */
    void run(Meld meld) throws Exception;
}
