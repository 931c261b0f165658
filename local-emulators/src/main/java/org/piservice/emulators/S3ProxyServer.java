package org.piservice.emulators;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.gaul.s3proxy.CrossOriginResourceSharing;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.piservice.contract.Cors;

/**
 * S3Proxy over an in-memory blob store. Chosen over other S3 emulators because it checks request
 * and presigned-URL signatures and their expiry as S3 does, so a broken presigned link fails here.
 */
final class S3ProxyServer implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

    private final S3Proxy proxy;
    private final URI endpoint;

    private S3ProxyServer(S3Proxy proxy, URI endpoint) {
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    static S3ProxyServer start(String accessKeyId, String secretAccessKey) {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
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
        return new S3ProxyServer(proxy, URI.create("http://" + HOST + ":" + proxy.getPort()));
    }

    URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
