package org.piservice.emulators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.gaul.s3proxy.CrossOriginResourceSharing;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.piservice.contract.Cors;

/**
 * S3Proxy over a blob store in a temporary folder, deleted when it stops. Chosen over other S3
 * emulators because it checks request and presigned-URL signatures and their expiry as S3 does,
 * so a broken presigned link fails here.
 *
 * <p>On disk rather than S3Proxy's in-memory store: that one is a fixed 4 GiB in-heap file system,
 * and every job the digit store serves gets its own copy of a prefix, which nothing expires
 * locally (the deployed bucket's lifecycle rule takes days). A soak filled it within minutes.
 * A process killed without its shutdown leaves the folder behind in the system's temporary folder.
 */
final class S3ProxyServer implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

    private final S3Proxy proxy;
    private final URI endpoint;
    private final Path directory;

    private S3ProxyServer(S3Proxy proxy, URI endpoint, Path directory) {
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.directory = directory;
    }

    static S3ProxyServer start(String accessKeyId, String secretAccessKey) {
        Path directory;
        try {
            directory = Files.createTempDirectory("pi-service-s3-");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create the local S3's folder", e);
        }
        try {
            return start(accessKeyId, secretAccessKey, directory);
        } catch (RuntimeException e) {
            deleteQuietly(directory, e);
            throw e;
        }
    }

    private static S3ProxyServer start(String accessKeyId, String secretAccessKey, Path directory) {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(directory.toString()))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKeyId, secretAccessKey)
                .endpoint(URI.create("http://" + HOST + ":0"))
                .ignoreUnknownHeaders(true)
                // The deployed bucket's CORS rule (PiServiceStack in infra-cdk reads the same Cors):
                // browser scripts may read a presigned download and its name.
                .corsRules(new CrossOriginResourceSharing(List.of(Cors.ALLOWED_ORIGIN), Cors.RESULT_METHODS,
                        List.of(), Cors.RESULT_EXPOSED_HEADERS, "false"))
                .build();
        try {
            proxy.start();
            long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start within " + STARTUP_TIMEOUT
                            + "; its state is " + proxy.getState());
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while S3Proxy was starting", e);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not start", e);
        }
        return new S3ProxyServer(proxy, URI.create("http://" + HOST + ":" + proxy.getPort()), directory);
    }

    URI endpoint() {
        return endpoint;
    }

    /** Where the buckets and their objects are kept while this server runs. */
    Path directory() {
        return directory;
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            deleteRecursively(directory);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static void deleteQuietly(Path root, RuntimeException primary) {
        try {
            deleteRecursively(root);
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }
}
