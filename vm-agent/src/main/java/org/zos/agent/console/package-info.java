/**
 * The web console: every host's agent serves, over HTTPS on a port of its own, a page and a JSON API
 * that show this host's animas, the hosts it knows, live move progress and the move history, act on the
 * animas as the CLI does, and carry the anima's screen and windows to noVNC in the browser. Netty's HTTP
 * and WebSocket codecs; no second web server. The agent's daemon package supplies what it shows through
 * {@link org.zos.agent.console.ConsoleBackend}, so the whole console runs in one JVM in tests.
 */
package org.zos.agent.console;
