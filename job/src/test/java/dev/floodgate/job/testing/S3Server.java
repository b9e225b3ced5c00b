package dev.floodgate.job.testing;

import java.net.URI;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real S3 API on 127.0.0.1 for a test class: S3Proxy in front of jclouds' in-memory ("transient")
 * blob store, on a free port, with AWS signature checking and credentials made up per run. Buckets
 * are created by the test ({@link #createBucket}); everything is gone when the server stops. {@link
 * #flinkConfiguration} gives the {@code s3.*} keys with which Flink's Hadoop S3 file system (the
 * plugin the manifests enable) talks to it.
 */
public final class S3Server implements BeforeAllCallback, AfterAllCallback {
    private final String accessKey = "test-" + UUID.randomUUID().toString().substring(0, 8);
    private final String secretKey = UUID.randomUUID().toString();
    private BlobStoreContext store;
    private S3Proxy proxy;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        // the S3 file system's AWS SDK 1.x logs a stack trace on first use otherwise
        System.setProperty("aws.java.v1.disableDeprecationAnnouncement", "true");
        store =
                ContextBuilder.newBuilder("transient")
                        .credentials(accessKey, secretKey)
                        .build(BlobStoreContext.class);
        proxy =
                S3Proxy.builder()
                        .blobStore(store.getBlobStore())
                        // port 0: Jetty binds a free port, getPort() tells which
                        .endpoint(URI.create("http://127.0.0.1:0"))
                        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                        .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!AbstractLifeCycle.STARTED.equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
        if (store != null) {
            store.close();
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** Creates an empty bucket (S3 bucket names: lower case, digits, dashes). */
    public void createBucket(String bucket) {
        BlobStore blobs = store.getBlobStore();
        if (!blobs.createContainerInLocation(null, bucket)) {
            throw new IllegalStateException("bucket exists already: " + bucket);
        }
    }

    /**
     * The keys of Flink's S3 file systems for this server: its endpoint, path-style access (a
     * bucket in the path, not in the host name, which 127.0.0.1 cannot carry) and its credentials.
     */
    public Configuration flinkConfiguration() {
        Configuration conf = new Configuration();
        conf.setString("s3.endpoint", endpoint());
        conf.setString("s3.path.style.access", "true");
        conf.setString("s3.access-key", accessKey);
        conf.setString("s3.secret-key", secretKey);
        return conf;
    }
}
