/**
 * zos connections: the pipeline every connection uses ({@link org.zos.protocol.net.ZosPipeline}: preamble,
 * TLS, frames, envelopes), the client side ({@link org.zos.protocol.net.Peer}) and the server side
 * ({@link org.zos.protocol.net.ZosServer}, {@link org.zos.protocol.net.ServerSession}) that hands each
 * request of an authenticated peer to a {@link org.zos.protocol.net.Responder}.
 */
package org.zos.protocol.net;
