/**
 * Benchmarks: commands that print zos's figures beside a baseline measured in the same run, and end with
 * one {@code target <name>: <measured> vs <limit> met|missed} line per target, for scripts to read.
 */
package org.zos.bench;
