/**
 * Content-defined chunking: FastCDC (Xia et al., USENIX ATC 2016) with normalized chunking, so that an
 * insertion in an image moves only the chunks around it, and all-zero chunks, which the store keeps and
 * sends as a length alone.
 */
package org.zos.store.chunking;
