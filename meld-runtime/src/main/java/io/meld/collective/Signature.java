package io.meld.collective;

import io.meld.collective.CollectiveCodec.Kind;

/**
 * What a node called as one collective: kind, operation code and root. Two nodes agree on a collective
 * when their signatures are equal; {@link #describe()} names the call as the program wrote it, for messages.
 *
 * @param kind the collective
 * @param op the operation code ({@link CollectiveCodec#OP_NONE} for kinds without one)
 * @param root the root, or -1 for kinds without one
 */
record Signature(Kind kind, int op, int root) {
    /** @return the call, e.g. {@code allReduce(long, SUM)} or {@code gather(byte[], root 2)} */
    String describe() {
        if (kind.argument == null) {
            return kind.call;
        }
        String operation = kind.hasOp ? ", " + Fold.opName(kind.elements, op) : "";
        String rooted = kind.rooted ? ", root " + root : "";
        return kind.call + "(" + kind.argument + operation + rooted + ")";
    }
}
