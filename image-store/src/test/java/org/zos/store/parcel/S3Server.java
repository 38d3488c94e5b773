package org.zos.store.parcel;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/** A real S3 server in this JVM (S3Proxy over jclouds' in-memory store) on a free loopback port. */
final class S3Server implements AutoCloseable {
    static final String ACCESS = "zos-test-access";
    static final String SECRET = "zos-test-secret-0123456789";

    final BlobStoreContext context;
    final S3Proxy proxy;

    S3Server() throws Exception {
        context = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
        proxy = S3Proxy.builder().blobStore(context.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET).build();
        proxy.start();
        for (int i = 0; i < 500 && !proxy.getState().equals("STARTED"); i++) {
            Thread.sleep(10);
        }
    }

    void bucket(String name) {
        context.getBlobStore().createContainerInLocation(null, name);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** A remote's configuration for this server, its credentials in a file under {@code dir}. */
    RemoteConfig remote(Path dir, String name, String bucket, String prefix, String secret) throws Exception {
        Path creds = dir.resolve(name + ".credentials");
        Files.writeString(creds, "[default]\naws_access_key_id = " + ACCESS + "\naws_secret_access_key = " + secret + "\n");
        return new RemoteConfig(name, endpoint(), bucket, prefix, null, creds, null);
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        context.close();
    }
}
