/**
 * Animas on this host: their records and files ({@link org.zos.agent.anima.AnimaRegistry}), and the
 * operations that create, run, suspend and resume them ({@link org.zos.agent.anima.AnimaManager}) while
 * keeping exactly one valid, resumable copy of each.
 */
package org.zos.agent.anima;
