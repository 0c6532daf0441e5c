/**
 * Who may be a node: the cluster's secret, the certificates made from it (or read from PEM files), and
 * the TLS contexts both planes use (JGroups' TCP and the Netty data path). See {@code docs/security.md}.
 *
 * <p>Internal to Meld: used by {@code io.meld.runtime}, not by programs.
 */
package io.meld.security;
