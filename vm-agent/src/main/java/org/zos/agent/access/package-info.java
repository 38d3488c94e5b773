/**
 * Who may dominate this host: the access list (the 2005 thesis's {@code zpasswd}), enforced on every
 * request, re-read when its file changes, every decision logged.
 */
package org.zos.agent.access;
