/**
 * Control messages (docs/protocol.md, "Messages"): each is a record named after what it says, travelling
 * as UTF-8 JSON in a control frame inside an {@link org.zos.protocol.message.Envelope} that numbers it and
 * names the message it answers.
 */
package org.zos.protocol.message;
