package org.piservice.local;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A measurement, not a test: latency of the API under a bounded concurrent load, and a burst of
 * concurrent jobs, against a running service (by default ./run-local on port 5000), over loopback.
 * It uses the JDK only, so it runs as a single source file:
 *
 * <pre>java local-run/src/test/java/org/piservice/local/LoadMeasurement.java [base-url] [concurrency] [requests] [burst]</pre>
 */
public final class LoadMeasurement {

    private static final Pattern JOB_ID = Pattern.compile("\"job_id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([^\"]+)\"");
    private static final int DIGITS = 1000;
    private static final String PI_PREFIX = "3.14159265358979323846";
    private static final Duration BURST_DEADLINE = Duration.ofMinutes(5);

    private final URI base;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

    private LoadMeasurement(URI base) {
        this.base = base;
    }

    public static void main(String[] args) throws Exception {
        URI base = URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:5000/");
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int requests = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int burst = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        LoadMeasurement measurement = new LoadMeasurement(base);

        System.out.printf("pi-service at %s, %d cores here; %d concurrent clients, %d requests per operation%n",
                base, Runtime.getRuntime().availableProcessors(), concurrency, requests);
        // Warm-up: class loading and JIT of both sides, not measured.
        List<String> warmJobs = measurement.submitMany(Math.max(50, requests / 10), concurrency, new long[0]);
        measurement.awaitAll(warmJobs);

        long[] post = new long[requests];
        List<String> jobs = measurement.submitMany(requests, concurrency, post);
        report("POST /pi_job", post);

        long[] get = new long[requests];
        measurement.getMany(jobs, concurrency, get);
        report("GET /pi_job/{id}", get);
        measurement.awaitAll(jobs);

        measurement.burst(burst);
        measurement.client.close();
    }

    private List<String> submitMany(int count, int concurrency, long[] latencies) throws Exception {
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        runConcurrently(concurrency, () -> {
            for (int i; (i = next.getAndIncrement()) < count; ) {
                long start = System.nanoTime();
                ids.add(submit());
                if (latencies.length > 0) {
                    latencies[i] = System.nanoTime() - start;
                }
            }
        });
        return ids;
    }

    private void getMany(List<String> ids, int concurrency, long[] latencies) throws Exception {
        AtomicInteger next = new AtomicInteger();
        runConcurrently(concurrency, () -> {
            for (int i; (i = next.getAndIncrement()) < latencies.length; ) {
                long start = System.nanoTime();
                status(ids.get(i % ids.size()));
                latencies[i] = System.nanoTime() - start;
            }
        });
    }

    /** Submits {@code count} jobs at once and waits until every one is complete. */
    private void burst(int count) throws Exception {
        CountDownLatch ready = new CountDownLatch(count);
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
        AtomicInteger rejected = new AtomicInteger();
        List<Future<?>> submitters = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                submitters.add(executor.submit(() -> {
                    ready.countDown();
                    go.await();
                    try {
                        ids.add(submit());
                    } catch (IllegalStateException e) {
                        rejected.incrementAndGet();
                    }
                    return null;
                }));
            }
            ready.await();
            long start = System.nanoTime();
            go.countDown();
            for (Future<?> submitter : submitters) {
                submitter.get();
            }
            long accepted = System.nanoTime() - start;
            AwaitResult result = awaitAll(new ArrayList<>(ids));
            long lastDone = System.nanoTime() - start;

            Set<String> contents = new HashSet<>();
            for (String id : ids) {
                contents.add(download(id));
            }
            boolean exact = contents.size() == 1 && contents.iterator().next().length() == DIGITS + 2
                    && contents.iterator().next().startsWith(PI_PREFIX);
            System.out.printf("burst of %d concurrent %,d-digit jobs: %d accepted (%d rejected) in %.2f s; "
                            + "%d complete, %d failed; last complete %.2f s after the first submit; "
                            + "downloads identical, %d bytes, digits of pi: %s%n",
                    count, DIGITS, ids.size(), rejected.get(), accepted / 1e9, result.complete(), result.failed(),
                    lastDone / 1e9, DIGITS + 2, exact);
        }
    }

    private record AwaitResult(int complete, int failed) {
    }

    /** Polls every job until it is complete or failed, a few at a time. */
    private AwaitResult awaitAll(List<String> ids) throws Exception {
        Set<String> pending = ConcurrentHashMap.newKeySet();
        pending.addAll(ids);
        AtomicInteger failed = new AtomicInteger();
        long deadline = System.nanoTime() + BURST_DEADLINE.toNanos();
        while (!pending.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pending.size() + " jobs not finished after " + BURST_DEADLINE);
            }
            List<String> round = new ArrayList<>(pending);
            AtomicInteger next = new AtomicInteger();
            runConcurrently(8, () -> {
                for (int i; (i = next.getAndIncrement()) < round.size(); ) {
                    String id = round.get(i);
                    String status = status(id);
                    if (status.equals("complete") || status.equals("failed")) {
                        pending.remove(id);
                        if (status.equals("failed")) {
                            failed.incrementAndGet();
                        }
                    }
                }
            });
            Thread.sleep(20);
        }
        return new AwaitResult(ids.size() - failed.get(), failed.get());
    }

    private String submit() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve("/pi_job"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"digits\": " + DIGITS + "}")).build(), BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("POST /pi_job answered " + response.statusCode() + ": " + response.body());
        }
        return find(JOB_ID, response.body());
    }

    private String status(String id) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve("/pi_job/" + id)).build(),
                BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /pi_job/" + id + " answered " + response.statusCode());
        }
        return find(STATUS, response.body());
    }

    private String download(String id) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve("/download_pi_job/" + id))
                .build(), BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("download of " + id + " ended with " + response.statusCode());
        }
        return response.body();
    }

    private static String find(Pattern pattern, String body) {
        Matcher matcher = pattern.matcher(body);
        if (!matcher.find()) {
            throw new IllegalStateException("unexpected answer: " + body);
        }
        return matcher.group(1);
    }

    private interface Work {
        void run() throws Exception;
    }

    private static void runConcurrently(int threads, Work work) throws Exception {
        List<Future<?>> futures = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < threads; i++) {
                futures.add(executor.submit(() -> {
                    work.run();
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        }
    }

    private static void report(String operation, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%-18s n=%d  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms%n", operation, sorted.length,
                percentile(sorted, 0.50), percentile(sorted, 0.90), percentile(sorted, 0.99),
                sorted[sorted.length - 1] / 1e6);
    }

    private static double percentile(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }
}
