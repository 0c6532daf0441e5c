/**
 * Programs that {@code meld demo} runs on a local cluster. Each is an ordinary Meld program (a {@code
 * main} that calls {@code Meld.join()}), checks its own results and exits with {@code 0} only when every
 * check passed on every node.
 */
package io.meld.cli.demo;
