/**
 * Meld's configuration: one scheme for every setting of every component.
 *
 * <p>A setting has a dotted name ({@code meld.transport.max-frame-size}), a type, a default and a
 * description. Its value comes from the first of these that has it:
 *
 * <ol>
 *   <li>a value set in code ({@link io.meld.config.MeldConfig#with(String, String)});
 *   <li>the system property of the same name ({@code -Dmeld.transport.max-frame-size=1MiB});
 *   <li>the environment variable named by upper-casing it and turning dots and dashes into
 *       underscores ({@code MELD_TRANSPORT_MAX_FRAME_SIZE=1MiB});
 *   <li>the {@code meld.properties} file, in UTF-8 ({@code meld.config-file} or {@code MELD_CONFIG_FILE} names
 *       it; otherwise {@code ./meld.properties} when present);
 *   <li>the setting's default.
 * </ol>
 *
 * <p>When Slurm or Kubernetes started the node, the runtime derives the rank, the size and the peers from
 * that engine's environment ({@link io.meld.config.MeldConfig#withDerived}) for the settings none of
 * these sources set; {@code docs/deploy.md} says which.
 *
 * <p>Components declare their settings as {@link io.meld.config.Setting} constants, one class per
 * component; the runtime checks every value when a node starts and fails with a {@link
 * io.meld.config.ConfigException} that names the setting, the bad value and where it came from.
 * {@code docs/configuration.md} lists them all.
 */
package io.meld.config;
