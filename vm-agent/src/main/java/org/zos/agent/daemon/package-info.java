/**
 * The host daemon, {@code zos-agent}: one per host. It owns the host's identity, its access list, its
 * libvirt connection and image store, listens for zos connections (TLS, port 7470) and answers ZAP
 * discovery (UDP, port 7471).
 */
package org.zos.agent.daemon;
