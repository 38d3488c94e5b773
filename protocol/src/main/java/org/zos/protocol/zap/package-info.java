/**
 * ZAP, the zos announcement protocol (named after the 2005 thesis's discovery protocol): a master
 * broadcasts a {@link org.zos.protocol.zap.ZapQuery} by UDP; every agent whose access list would accept
 * it answers with a {@link org.zos.protocol.zap.ZapAnswer}. Answers are hints only: nothing is trusted
 * until a TLS connection pins the host's fingerprint.
 */
package org.zos.protocol.zap;
