package org.piservice.jobs;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.time.Duration;
import java.util.OptionalLong;
import org.piservice.contract.Storage;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The S3 bucket of results: streamed uploads, size checks and short-lived download links. */
public final class ResultStore {

    /** Writes a result into the stream it is given. */
    @FunctionalInterface
    public interface ResultWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Every result's and the digit store's: {@code 3.} and decimals, in ASCII. */
    static final String CONTENT_TYPE = "text/plain; charset=us-ascii";

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final Duration downloadUrlTtl;
    private final int partSize;

    public ResultStore(S3Client s3, S3Presigner presigner, ServiceConfig config) {
        this(s3, presigner, config, MultipartUploadStream.DEFAULT_PART_SIZE);
    }

    /** With a chosen part size (at least S3's 5 MiB minimum); tests use the minimum. */
    public ResultStore(S3Client s3, S3Presigner presigner, ServiceConfig config, int partSize) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = config.bucketName();
        this.downloadUrlTtl = config.downloadUrlTtl();
        this.partSize = partSize;
    }

    /** Where the result of a job lives: under the prefix the bucket's lifecycle rule expires. */
    public static String resultKey(String jobId, int digits) {
        return Storage.RESULT_PREFIX + jobId + "/" + fileName(digits);
    }

    /** The file name a browser saves the result as. */
    public static String fileName(int digits) {
        return "pi-" + digits + ".txt";
    }

    /**
     * Streams what {@code writer} writes to {@code key}, holding at most one part in memory. When
     * the writer or an upload fails, the partial upload is aborted (nothing is left behind, no
     * object appears) and the failure is thrown.
     *
     * @return bytes written
     */
    public long upload(String key, ResultWriter writer) throws IOException {
        MultipartUploadStream out = new MultipartUploadStream(s3, bucket, key, CONTENT_TYPE, partSize);
        try {
            writer.writeTo(out);
            out.close();
        } catch (IOException | RuntimeException | Error e) {
            try {
                out.abort();
            } catch (RuntimeException abortFailure) {
                e.addSuppressed(abortFailure);
            }
            throw e;
        }
        return out.bytesWritten();
    }

    /** The stored length of {@code key}, or empty when there is no such object. */
    public OptionalLong size(String key) {
        try {
            return OptionalLong.of(s3.headObject(head -> head.bucket(bucket).key(key)).contentLength());
        } catch (NoSuchKeyException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * A GET link valid for the configured short time, which makes browsers save the result as
     * {@code pi-<digits>.txt} instead of showing millions of digits.
     */
    public URL downloadUrl(String key, int digits) {
        return presigner.presignGetObject(presign -> presign
                .signatureDuration(downloadUrlTtl)
                .getObjectRequest(get -> get.bucket(bucket).key(key)
                        .responseContentType(CONTENT_TYPE)
                        .responseContentDisposition(attachment(digits))))
                .url();
    }

    /**
     * Where its links lead: the scheme, host and port of the bucket's objects (the bucket's own host
     * on AWS, the emulator's locally), for a page that may follow them. The client's address of an
     * object, which the presigner, configured alike, signs: no credentials are needed to know it.
     */
    public String linkOrigin() {
        URL link = s3.utilities().getUrl(get -> get.bucket(bucket).key("origin"));
        return link.getProtocol() + "://" + link.getAuthority();
    }

    /**
     * As {@link #downloadUrl}, for HEAD: a client that follows a redirect with the method it sent
     * (a link checker, {@code curl -I -L}) would get S3's 403 from a link signed for GET.
     */
    public URL headUrl(String key, int digits) {
        return presigner.presignHeadObject(presign -> presign
                .signatureDuration(downloadUrlTtl)
                .headObjectRequest(head -> head.bucket(bucket).key(key)
                        .responseContentType(CONTENT_TYPE)
                        .responseContentDisposition(attachment(digits))))
                .url();
    }

    private static String attachment(int digits) {
        return "attachment; filename=\"" + fileName(digits) + "\"";
    }
}
