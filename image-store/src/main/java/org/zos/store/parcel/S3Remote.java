package org.zos.store.parcel;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A remote over the S3 API, with the AWS SDK for Java v2: its standard retries (backoff with jitter, up to
 * {@link #ATTEMPTS} attempts) and path-style addressing where an endpoint is given (Ceph RGW, MinIO and
 * Garage are reached by address, not by bucket subdomain); objects above {@link #PART} go as multipart uploads. The SDK's newer default of a CRC32 trailer on
 * every upload is asked only where S3 requires it: several S3-compatible stores (Ceph before Reef among
 * them) refuse it, and every object of a parcel is sealed (AES-256-GCM), so a flipped bit is found anyway
 * when it is opened.
 */
public final class S3Remote implements Remote {
    static final int ATTEMPTS = 5;

    private final RemoteConfig config;
    private final S3Client s3;
    private Boolean conditional;

    private S3Remote(RemoteConfig config, S3Client s3) {
        this.config = config;
        this.s3 = s3;
    }

    public static S3Remote open(RemoteConfig c) {
        var b = S3Client.builder()
                .region(Region.of(c.region()))
                .credentialsProvider(credentials(c))
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(c.timeoutSeconds())).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(ATTEMPTS)));
        if (c.endpoint() != null) {
            b.endpointOverride(c.endpoint()).forcePathStyle(true);
        }
        return new S3Remote(c, b.build());
    }

    private static AwsCredentialsProvider credentials(RemoteConfig c) {
        if (c.credentials() != null) {
            if (!java.nio.file.Files.isReadable(c.credentials())) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "remote '" + c.name() + "' names credentials "
                        + c.credentials() + ", which cannot be read", "write that file (an AWS credentials file) or fix 'credentials'");
            }
            return ProfileCredentialsProvider.builder().profileName(c.profile())
                    .profileFile(ProfileFile.builder().content(c.credentials()).type(ProfileFile.Type.CREDENTIALS).build()).build();
        }
        return AwsCredentialsProviderChain.of(EnvironmentVariableCredentialsProvider.create(),
                SystemPropertyCredentialsProvider.create());
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        try {
            ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(g -> g.bucket(config.bucket()).key(config.prefix() + key));
            return Optional.of(r.asByteArrayUnsafe());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw fail("read " + key, e);
        }
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        try {
            if (bytes.length > PART) { // a manifest or needs record of a large disk: parts, each retried alone
                multipart(key, bytes.length, (at, n) -> RequestBody.fromBytes(java.util.Arrays.copyOfRange(bytes, (int) at,
                        (int) (at + n))));
                return;
            }
            s3.putObject(p -> p.bucket(config.bucket()).key(config.prefix() + key), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw fail("write " + key, e);
        }
    }

    /** Objects above this size are uploaded in parts of this size (S3 takes 5 MiB to 5 GiB a part, up to 10,000 parts). */
    static final int PART = 8 << 20;

    /** The body of one part: {@code length} bytes from offset {@code at}. */
    private interface Part {
        RequestBody body(long at, long length) throws IOException;
    }

    /**
     * A multipart upload of {@code size} bytes: a failure (after the SDK's retries of that part) aborts the
     * upload, so no parts are left to be billed for, and nothing of the object is visible until it is
     * complete.
     */
    private void multipart(String key, long size, Part part) throws IOException {
        String k = config.prefix() + key;
        String id = s3.createMultipartUpload(c -> c.bucket(config.bucket()).key(k)).uploadId();
        try {
            java.util.List<software.amazon.awssdk.services.s3.model.CompletedPart> done = new java.util.ArrayList<>();
            int number = 1;
            for (long at = 0; at < size; at += PART, number++) {
                long n = Math.min(PART, size - at);
                int no = number;
                String etag = s3.uploadPart(u -> u.bucket(config.bucket()).key(k).uploadId(id).partNumber(no).contentLength(n),
                        part.body(at, n)).eTag();
                done.add(software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(no).eTag(etag).build());
            }
            s3.completeMultipartUpload(c -> c.bucket(config.bucket()).key(k).uploadId(id).multipartUpload(m -> m.parts(done)));
        } catch (IOException | RuntimeException e) {
            try {
                s3.abortMultipartUpload(a -> a.bucket(config.bucket()).key(k).uploadId(id));
            } catch (SdkException f) {
                e.addSuppressed(f);
            }
            throw e;
        }
    }

    @Override
    public boolean create(String key, byte[] bytes) throws IOException {
        try {
            s3.putObject(p -> p.bucket(config.bucket()).key(config.prefix() + key).ifNoneMatch("*"), RequestBody.fromBytes(bytes));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) { // PreconditionFailed; ConditionalRequestConflict
                // The SDK retries a PUT whose answer it did not get (a slow or restarting gateway); if the first
                // try landed, the retry is refused by our own object. Ours holds exactly these bytes.
                return get(key).map(held -> java.util.Arrays.equals(held, bytes)).orElse(false);
            }
            throw fail("create " + key, e);
        } catch (SdkException e) {
            throw fail("create " + key, e);
        }
    }

    /** Probed once: a probe object created twice must be refused the second time. */
    @Override
    public synchronized boolean conditional() throws IOException {
        if (conditional == null) {
            String probe = "zos-probe/" + Long.toHexString(new java.security.SecureRandom().nextLong());
            try {
                byte[] one = new byte[16];
                new java.security.SecureRandom().nextBytes(one);
                boolean first = create(probe, one);
                boolean second = create(probe, new byte[] {0});
                conditional = first && !second;
            } finally {
                delete(probe);
            }
        }
        return conditional;
    }

    @Override
    public Map<String, Long> list(String prefix) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(config.bucket())
                    .prefix(config.prefix() + prefix).build()).contents()) {
                out.put(o.key().substring(config.prefix().length()), o.size());
            }
        } catch (SdkException e) {
            throw fail("list " + prefix, e);
        }
        return out;
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            s3.deleteObject(d -> d.bucket(config.bucket()).key(config.prefix() + key));
        } catch (SdkException e) {
            throw fail("delete " + key, e);
        }
    }

    /** Uploads a whole file as one object (what a user without zos would do with a saved VM; the baseline of bench parcel). */
    public void putFile(String key, java.nio.file.Path file) throws IOException {
        try {
            long size = java.nio.file.Files.size(file);
            if (size > PART) {
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
                    multipart(key, size, (at, n) -> {
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) n);
                        while (b.hasRemaining() && ch.read(b, at + b.position()) >= 0) {
                            // read the part whole
                        }
                        return RequestBody.fromByteBuffer(b.flip());
                    });
                }
                return;
            }
            s3.putObject(p -> p.bucket(config.bucket()).key(config.prefix() + key), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw fail("write " + key, e);
        }
    }

    /** An object's ETag as the store gives it (quoted; a multipart object's ends with "-" and its number of parts). */
    String etag(String key) throws IOException {
        try {
            return s3.headObject(h -> h.bucket(config.bucket()).key(config.prefix() + key)).eTag();
        } catch (SdkException e) {
            throw fail("read " + key, e);
        }
    }

    /** Downloads one object into a file (replaced). */
    public void getFile(String key, java.nio.file.Path file) throws IOException {
        try {
            java.nio.file.Files.deleteIfExists(file);
            s3.getObject(g -> g.bucket(config.bucket()).key(config.prefix() + key),
                    software.amazon.awssdk.core.sync.ResponseTransformer.toFile(file));
        } catch (SdkException e) {
            throw fail("read " + key, e);
        }
    }

    /** Creates the remote's bucket; true if it was made, false if it was there and is this user's. */
    public boolean createBucket() throws IOException {
        try {
            s3.createBucket(c -> c.bucket(config.bucket()));
            return true;
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() != null ? e.awsErrorDetails().errorCode() : "";
            if ("BucketAlreadyOwnedByYou".equals(code)) {
                return false;
            }
            if ("BucketAlreadyExists".equals(code)) {
                throw new ZosException(ErrorCode.DENIED, "bucket '" + config.bucket() + "' at remote '" + config.name()
                        + "' belongs to another user", "name another bucket", e);
            }
            throw fail("create bucket " + config.bucket(), e);
        } catch (SdkException e) {
            throw fail("create bucket " + config.bucket(), e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    /** What went wrong, in the vocabulary of zos: the remote and what to do named. */
    private ZosException fail(String what, SdkException e) {
        String at = "remote '" + config.name() + "' (" + config.where() + ")";
        if (e instanceof S3Exception s) {
            String code = s.awsErrorDetails() != null && s.awsErrorDetails().errorCode() != null ? s.awsErrorDetails().errorCode() : "";
            if ("NoSuchBucket".equals(code)) {
                return new ZosException(ErrorCode.BAD_PARAMETER, "bucket '" + config.bucket() + "' does not exist at " + at,
                        "create it in the object store, or fix 'bucket' in " + config.name() + ".properties", e);
            }
            if (s.statusCode() == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
                return new ZosException(ErrorCode.DENIED, at + " refused the credentials (" + (code.isEmpty() ? s.statusCode() : code) + ")",
                        "check the access key and secret in its credentials file or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", e);
            }
            return new ZosException(ErrorCode.PROTOCOL_ERROR, at + " failed to " + what + ": " + s.statusCode() + " "
                    + (code.isEmpty() ? s.getMessage() : code), "see the object store's log", e);
        }
        if (e instanceof SdkClientException && e.getMessage() != null && e.getMessage().contains("credentials")) {
            return new ZosException(ErrorCode.DENIED, at + " has no credentials: " + e.getMessage(),
                    "name a credentials file in its configuration, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", e);
        }
        return new ZosException(ErrorCode.HOST_UNREACHABLE, at + " cannot be reached to " + what + " ("
                + e.getMessage() + ")", "is the object store up? the anima stays where it is; try again", e);
    }
}
