/**
 * Who a host is and whom it trusts: each host's long-lived Ed25519 key and self-signed certificate
 * ({@link org.zos.protocol.tls.HostIdentity}), its fingerprint, the hosts it has enrolled
 * ({@link org.zos.protocol.tls.KnownHosts}), and TLS 1.3 contexts that authenticate both sides and pin
 * the peer's certificate by fingerprint ({@link org.zos.protocol.tls.PinningTrustManager}).
 */
package org.zos.protocol.tls;
