package org.piservice.jobs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * An output stream into one S3 object that holds one part at a time: memory stays bounded
 * whatever the object's size. Results smaller than one part go up in a single PUT. The object
 * appears only on {@link #close()}; {@link #abort()} discards everything.
 */
final class MultipartUploadStream extends OutputStream {

    /** S3 refuses parts below 5 MiB except the last one. */
    static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    /** Two parts per 16 MB: few requests, little memory (a Lambda has at least 128 MB). */
    static final int DEFAULT_PART_SIZE = 8 * 1024 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final String contentType;
    private final byte[] buffer;
    private final List<CompletedPart> parts = new ArrayList<>();
    private int filled;
    private long bytesWritten;
    private String uploadId;
    private boolean closed;

    MultipartUploadStream(S3Client s3, String bucket, String key, String contentType, int partSize) {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("S3 parts must be at least " + MIN_PART_SIZE + " bytes, got " + partSize);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.contentType = contentType;
        this.buffer = new byte[partSize];
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        if (filled == buffer.length) {
            uploadPart();
        }
        buffer[filled++] = (byte) b;
        bytesWritten++;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        ensureOpen();
        while (length > 0) {
            if (filled == buffer.length) {
                uploadPart();
            }
            int n = Math.min(length, buffer.length - filled);
            System.arraycopy(bytes, offset, buffer, filled, n);
            filled += n;
            offset += n;
            length -= n;
            bytesWritten += n;
        }
    }

    long bytesWritten() {
        return bytesWritten;
    }

    /** Stores the object: the buffered rest as the last part, or everything in one PUT. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        if (uploadId == null) {
            s3.putObject(put -> put.bucket(bucket).key(key).contentType(contentType),
                    bufferedBytes());
        } else {
            if (filled > 0) {
                uploadPart();
            }
            s3.completeMultipartUpload(complete -> complete.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(upload -> upload.parts(parts)));
        }
        closed = true;
    }

    /** Discards what was uploaded so far; S3 would otherwise bill the orphan parts until a lifecycle rule removes them. */
    void abort() {
        if (closed) {
            return;
        }
        closed = true;
        if (uploadId != null) {
            s3.abortMultipartUpload(abort -> abort.bucket(bucket).key(key).uploadId(uploadId));
        }
    }

    private void uploadPart() {
        if (uploadId == null) {
            uploadId = s3.createMultipartUpload(create -> create.bucket(bucket).key(key).contentType(contentType))
                    .uploadId();
        }
        int partNumber = parts.size() + 1;
        String eTag = s3.uploadPart(part -> part.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber),
                bufferedBytes()).eTag();
        parts.add(CompletedPart.builder().partNumber(partNumber).eTag(eTag).build());
        filled = 0;
    }

    /** The buffer as a request body, without a copy: each (re)try of the request reads it afresh. */
    private RequestBody bufferedBytes() {
        int length = filled;
        return RequestBody.fromContentProvider(
                () -> new ByteArrayInputStream(buffer, 0, length), length, "application/octet-stream");
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("The upload of " + key + " is closed");
        }
    }
}
