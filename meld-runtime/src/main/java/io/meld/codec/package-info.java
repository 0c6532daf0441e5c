/**
 * Objects on the wire: {@link io.meld.codec.ObjectCodec} turns the objects of messages and remote tasks
 * (records, collections, serializable lambdas) into bytes and back with Apache Fory, and refuses every
 * class that is not on the node's allow-list ({@code meld.codec.classes}, {@code Meld.register}). Never
 * Java serialization of what the network sent.
 *
 * <p>Internal to Meld: used by the runtime's messaging and remote tasks, not by programs.
 */
package io.meld.codec;
