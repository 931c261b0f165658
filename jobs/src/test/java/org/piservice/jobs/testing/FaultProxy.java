package org.piservice.jobs.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An HTTP forwarder on 127.0.0.1 between the AWS SDK and an emulator that injects real faults on
 * the wire: DynamoDB's throttling answer, S3's {@code 503 SlowDown}, a server error of either, a
 * request that hangs without an answer, or one whose answer is lost on its way back. The SDK sees
 * exactly what it would see from AWS, so its retries, timeouts and error mapping take part in the
 * test. Requests are forwarded byte for byte (the emulator checks the SDK's signature against the
 * same {@code Host}), one connection each.
 *
 * <p>Point a client at {@link #endpoint()}; add faults with {@link #inject}; each applies to the
 * requests its predicate picks, a given number of times.
 */
public final class FaultProxy implements AutoCloseable {

    /** A request as it arrived. Header names are lower case. */
    public record Request(String method, String target, Map<String, String> headers, byte[] body) {

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** A DynamoDB call of {@code operation} (its {@code X-Amz-Target}), e.g. {@code UpdateItem}. */
        public boolean isDynamoDb(String operation) {
            return headers.getOrDefault("x-amz-target", "").endsWith("." + operation);
        }

        /** An SQS call of {@code operation} (its {@code X-Amz-Target}), e.g. {@code SendMessage}. */
        public boolean isSqs(String operation) {
            return headers.getOrDefault("x-amz-target", "").equals("AmazonSQS." + operation);
        }

        /** An S3 {@code UploadPart}: a PUT with a part number. */
        public boolean isUploadPart() {
            return method.equals("PUT") && target.contains("partNumber=");
        }

        /** An S3 {@code AbortMultipartUpload}: a DELETE of an upload. */
        public boolean isAbortMultipartUpload() {
            return method.equals("DELETE") && target.contains("uploadId=");
        }

        /** An S3 {@code CompleteMultipartUpload}: a POST to an upload. */
        public boolean isCompleteMultipartUpload() {
            return method.equals("POST") && target.contains("uploadId=");
        }
    }

    /** What the proxy does instead of forwarding. */
    public sealed interface Fault {

        /** Answers at once with this status, content type, body and further headers. */
        record Answer(int status, String contentType, String body, Map<String, String> headers) implements Fault {
            public Answer(int status, String contentType, String body) {
                this(status, contentType, body, Map.of());
            }
        }

        /** Holds the request this long without answering, then drops the connection. */
        record Hang(Duration duration) implements Fault {
        }

        /**
         * Forwards the request and waits for its answer, then drops the connection without passing
         * the answer on: the request took effect, and its sender never hears so.
         */
        record LostAnswer() implements Fault {
        }

        /** Holds the request this long, then forwards it: a slow service that still answers. */
        record Late(Duration duration) implements Fault {
        }

        /**
         * Holds the request until {@code release} is counted down, then forwards it: a test orders
         * its own steps before the request, however slow they are. (A minute at most; the SDK's
         * client may give up sooner and send the request again.)
         */
        record Held(CountDownLatch release) implements Fault {
        }

        /** DynamoDB's answer when a table's throughput is exceeded, which the SDK retries with backoff. */
        static Fault dynamoDbThrottling() {
            return new Answer(400, "application/x-amz-json-1.0",
                    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
                            + "\"message\":\"The level of configured provisioned throughput for the table was exceeded (injected)\"}");
        }

        /** DynamoDB's answer when the service itself fails: the outage case. */
        static Fault dynamoDbOutage() {
            return new Answer(500, "application/x-amz-json-1.0",
                    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\",\"message\":\"Internal server error (injected)\"}");
        }

        /** DynamoDB's refusal of a request it finds invalid, which the SDK does not retry: a write that fails at once. */
        static Fault dynamoDbRefusal() {
            return new Answer(400, "application/x-amz-json-1.0",
                    "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"Refused (injected)\"}");
        }

        /** SQS's answer when the service itself fails. */
        static Fault sqsOutage() {
            return new Answer(500, "application/x-amz-json-1.0",
                    "{\"__type\":\"com.amazonaws.sqs#InternalError\",\"message\":\"Internal error (injected)\"}");
        }

        /** S3's answer when a prefix gets more requests than it takes. */
        static Fault s3SlowDown() {
            return new Answer(503, "application/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                    + "<Message>Please reduce your request rate (injected).</Message><RequestId>fault</RequestId></Error>");
        }

        /**
         * S3's answer when it fails inside, which S3Proxy also gives when its store cannot take
         * an object (its disk is full): the SDK retries it, then gives up.
         */
        static Fault s3InternalError() {
            return new Answer(500, "application/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code>"
                    + "<Message>We encountered an internal error. Please try again. (injected)</Message><RequestId>fault</RequestId></Error>");
        }

        /**
         * S3's refusal of a caller its policies do not allow, whose message names the caller's
         * account and role and the resource, as AWS's messages do.
         */
        static Fault s3AccessDenied() {
            return new Answer(403, "application/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                    + "<Message>User: arn:aws:sts::123456789012:assumed-role/pi-service-worker/session is not authorized to"
                    + " perform: s3:PutObject on resource: \"arn:aws:s3:::pi-results/results/x\" because no identity-based"
                    + " policy allows the s3:PutObject action (injected)</Message><RequestId>fault</RequestId></Error>");
        }

        static Fault hang(Duration duration) {
            return new Hang(duration);
        }

        static Fault lostAnswer() {
            return new LostAnswer();
        }

        static Fault late(Duration duration) {
            return new Late(duration);
        }

        static Fault heldUntil(CountDownLatch release) {
            return new Held(release);
        }
    }

    private record Rule(Predicate<Request> when, Fault fault, AtomicInteger remaining) {
    }

    private final ServerSocket server;
    private final URI target;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<Request> faulted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean running = true;

    private FaultProxy(URI target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("fault-proxy-" + server.getLocalPort()).start(this::acceptUntilClosed);
    }

    /** A proxy for the emulator at {@code target} ({@code http://127.0.0.1:port}). */
    public static FaultProxy start(URI target) {
        try {
            return new FaultProxy(target);
        } catch (IOException e) {
            throw new IllegalStateException("Could not open the fault proxy's port", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Answers the next {@code times} requests that {@code when} picks with {@code fault}. */
    public FaultProxy inject(Predicate<Request> when, Fault fault, int times) {
        rules.add(new Rule(when, fault, new AtomicInteger(times)));
        return this;
    }

    /** Answers every request that {@code when} picks with {@code fault} until {@link #heal()}. */
    public FaultProxy injectAlways(Predicate<Request> when, Fault fault) {
        return inject(when, fault, Integer.MAX_VALUE);
    }

    /** Forwards everything from now on. */
    public void heal() {
        rules.clear();
    }

    /** Heals and forgets the faults so far, for the next test. */
    public void reset() {
        heal();
        faulted.clear();
    }

    /** The requests that got a fault instead of an answer, in order. */
    public List<Request> faulted() {
        return List.copyOf(faulted);
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
            acceptor.join(Duration.ofSeconds(2));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptUntilClosed() {
        while (running) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                if (running) {
                    System.err.println("Fault proxy: accept failed: " + e);
                }
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            List<String> head = readHead(in);
            if (head.isEmpty()) {
                return;
            }
            String[] requestLine = head.getFirst().split(" ");
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : head.subList(1, head.size())) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] body = readBody(in, headers);
            Request request = new Request(requestLine[0], requestLine[1], Map.copyOf(headers), body);
            Fault fault = faultFor(request);
            if (fault instanceof Fault.Answer answer) {
                faulted.add(request);
                byte[] answerBody = answer.body().getBytes(StandardCharsets.UTF_8);
                StringBuilder answerHead = new StringBuilder("HTTP/1.1 " + answer.status() + " Injected\r\nContent-Type: "
                        + answer.contentType() + "\r\nContent-Length: " + answerBody.length + "\r\nConnection: close\r\n");
                answer.headers().forEach((name, value) -> answerHead.append(name).append(": ").append(value).append("\r\n"));
                out.write(answerHead.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
                out.write(answerBody);
                out.flush();
            } else if (fault instanceof Fault.Hang hang) {
                faulted.add(request);
                Thread.sleep(hang.duration());
            } else if (fault instanceof Fault.LostAnswer) {
                faulted.add(request);
                forward(head, body, OutputStream.nullOutputStream());
            } else if (fault instanceof Fault.Late late) {
                faulted.add(request);
                Thread.sleep(late.duration());
                forward(head, body, out);
            } else if (fault instanceof Fault.Held held) {
                faulted.add(request);
                held.release().await(1, TimeUnit.MINUTES);
                forward(head, body, out);
            } else {
                forward(head, body, out);
            }
        } catch (IOException e) {
            // The client gave up (a timeout, or the test ended): nothing to answer.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Fault faultFor(Request request) {
        for (Rule rule : rules) {
            if (rule.when().test(request) && rule.remaining().getAndUpdate(n -> n == Integer.MAX_VALUE ? n : Math.max(0, n - 1)) > 0) {
                return rule.fault();
            }
        }
        return null;
    }

    /** Sends the request as it came (but for one connection per request) and copies the answer back. */
    private void forward(List<String> head, byte[] body, OutputStream out) throws IOException {
        try (Socket upstream = new Socket(target.getHost(), target.getPort())) {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes((head.getFirst() + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (String line : head.subList(1, head.size())) {
                String name = line.substring(0, line.indexOf(':')).trim().toLowerCase(Locale.ROOT);
                if (!name.equals("connection") && !name.equals("expect")) {
                    request.writeBytes((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
            }
            request.writeBytes("Connection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(body);
            upstream.getOutputStream().write(request.toByteArray());
            upstream.getOutputStream().flush();
            upstream.getInputStream().transferTo(out);
            out.flush();
        }
    }

    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            lines.add(line);
        }
        return lines;
    }

    /** The body's bytes as sent, chunk framing included when it is chunked. */
    private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                raw.writeBytes((sizeLine + "\r\n").getBytes(StandardCharsets.US_ASCII));
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    String trailer;
                    while ((trailer = readLine(in)) != null && !trailer.isEmpty()) {
                        raw.writeBytes((trailer + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    raw.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                    return raw.toByteArray();
                }
                raw.writeBytes(in.readNBytes(size + 2));
            }
        }
        String length = headers.get("content-length");
        return length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.US_ASCII);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
    }
}
