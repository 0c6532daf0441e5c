package io.meld;

import java.io.Serializable;

/**
 * A computation shipped to a node, whose result comes back; what it may capture is as for {@link
 * RemoteJob}, and the result crosses back the same way.
 *
 * @param <T> the result type
 * @see Meld#at(int, RemoteCallable)
 */
@FunctionalInterface
public interface RemoteCallable<T> extends Serializable {
    /**
     * @param here the handle of the node it runs on
     * @return the result
     * @throws Exception anything; it reaches the caller as a {@link TaskFailedException}
     */
    T call(Meld here) throws Exception;
}
