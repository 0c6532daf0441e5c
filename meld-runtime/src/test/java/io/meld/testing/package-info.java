/**
 * Support for tests of every module (shipped in meld-runtime's test jar): the rule of the tests that
 * start real components ({@link io.meld.testing.RealComponents}) and a real DNS server ({@link
 * io.meld.testing.Dnsmasq}).
 */
package io.meld.testing;
