package org.zos.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.zos.store.manifest.ManifestFiles;
import org.zos.store.pack.PackFiles;

/**
 * The files of one anima in a store (docs/store-format.md, "Layout"):
 *
 * <pre>
 * animas/&lt;anima&gt;/key                          the wrapped master key
 * animas/&lt;anima&gt;/lock                         taken shared or exclusive by every operation
 * animas/&lt;anima&gt;/packs/&lt;2 hex&gt;/&lt;pack&gt;.pack
 * animas/&lt;anima&gt;/index/&lt;pack&gt;.idx
 * animas/&lt;anima&gt;/manifests/&lt;image&gt;/&lt;generation&gt;.zm
 * animas/&lt;anima&gt;/tmp/                         files being written; removed by recovery
 * </pre>
 */
record AnimaLayout(Path dir) {

    Path key() {
        return dir.resolve("key");
    }

    Path lock() {
        return dir.resolve("lock");
    }

    PackFiles packs() {
        return new PackFiles(dir.resolve("packs"), dir.resolve("index"), dir.resolve("tmp"));
    }

    ManifestFiles manifests() {
        return new ManifestFiles(dir.resolve("manifests"));
    }

    void create() throws IOException {
        Files.createDirectories(dir);
        packs().create();
        Files.createDirectories(manifests().dir());
    }
}
