/**
 * A Meld node: the implementation of {@link io.meld.Meld}, how it starts (configuration, transport,
 * cluster formation, connections) and stops, in-JVM clusters for {@code Meld.local}, and the bootstrap
 * of processes started by {@code bin/meld run}.
 *
 * <p>Internal to Meld apart from {@link io.meld.runtime.ChildMain}, the launcher's entry point, {@link
 * io.meld.runtime.LauncherProgress}, what a launched node tells the launcher, and {@link
 * io.meld.runtime.SettingsCatalog}, the list of every setting.
 */
package io.meld.runtime;
