/**
 * Support for tests of every module (shipped in meld-runtime's test jar): the rule of the tests that
 * start real components ({@link io.meld.testing.RealComponents}) and a real DNS server ({@link
 * io.meld.testing.Dnsmasq}), and what the fuzz tests of the services share: a peer's stream cut into
 * frames ({@link io.meld.testing.PeerFrames}) and a link the test plays ({@link
 * io.meld.testing.CapturingLink}).
 */
package io.meld.testing;
