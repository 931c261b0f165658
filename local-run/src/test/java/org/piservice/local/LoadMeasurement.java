package org.piservice.local;

import java.io.IOException;
import java.net.InetAddress;
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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A measurement, not a test: latency of the API under a bounded concurrent load and a burst of
 * concurrent jobs, or a soak of several clients one of which is abusive, against a running service
 * (by default ./run-local on port 5000), over loopback. It uses the JDK only, so it runs as a
 * single source file:
 *
 * <pre>
 * java local-run/src/test/java/org/piservice/local/LoadMeasurement.java [base-url] [concurrency] [requests] [burst]
 * java local-run/src/test/java/org/piservice/local/LoadMeasurement.java soak [base-url] [minutes] [clients] [abusive-jobs]
 * </pre>
 *
 * <p>Nothing a service can answer, or fail to answer, stops it: every answer is counted by its
 * status, every failure by its kind (reset, timeout, refused, unreadable answer), and the counts
 * are printed at the end. In a soak each client connects from its own loopback address
 * (127.0.0.10 and up; the abusive one from 127.0.0.2), which the service takes for its source
 * address, as API Gateway's source IP, so each has its own quota (Linux routes all of 127/8 to
 * loopback).
 */
public final class LoadMeasurement {

    private static final Pattern JOB_ID = Pattern.compile("\"job_id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([^\"]+)\"");
    private static final int DIGITS = 1000;
    private static final String PI_PREFIX = "3.14159265358979323846";
    private static final Duration AWAIT_DEADLINE = Duration.ofMinutes(5);
    private static final Set<String> FINAL = Set.of("complete", "failed", "cancelled");

    private final URI base;
    /** Operation → outcome ("202", "429", "reset", ...) → how often. */
    private final Map<String, Map<String, LongAdder>> tally = new ConcurrentSkipListMap<>();

    private LoadMeasurement(URI base) {
        this.base = base;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("soak")) {
            URI base = URI.create(args.length > 1 ? args[1] : "http://127.0.0.1:5000/");
            int minutes = args.length > 2 ? Integer.parseInt(args[2]) : 10;
            int clients = args.length > 3 ? Integer.parseInt(args[3]) : 10;
            int abusiveJobs = args.length > 4 ? Integer.parseInt(args[4]) : 300;
            LoadMeasurement measurement = new LoadMeasurement(base);
            measurement.soak(Duration.ofMinutes(minutes), clients, abusiveJobs);
            measurement.printTally();
            return;
        }
        URI base = URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:5000/");
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int requests = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int burst = args.length > 3 ? Integer.parseInt(args[3]) : 500;
        LoadMeasurement measurement = new LoadMeasurement(base);

        System.out.printf("pi-service at %s, %d cores here; %d concurrent clients, %d requests per operation%n",
                base, Runtime.getRuntime().availableProcessors(), concurrency, requests);
        try (HttpClient client = client(null)) {
            // Warm-up: class loading and JIT of both sides, not measured.
            measurement.awaitAll(client, measurement.submitMany(client, Math.max(50, requests / 10), concurrency, new long[0]));

            long[] post = new long[requests];
            List<String> jobs = measurement.submitMany(client, requests, concurrency, post);
            report("POST /pi_job", post);

            if (!jobs.isEmpty()) {
                long[] get = new long[requests];
                measurement.getMany(client, jobs, concurrency, get);
                report("GET /pi_job/{id}", get);
                measurement.awaitAll(client, jobs);
            }
            measurement.burst(client, burst);
        }
        measurement.printTally();
    }

    /** A client of its own, connecting from {@code source} (a loopback address) when given. */
    private static HttpClient client(InetAddress source) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (source != null) {
            builder.localAddress(source);
        }
        return builder.build();
    }

    // ---- requests, each counted by its outcome ----

    private record Answer(int status, String body, Optional<String> retryAfter) {
    }

    /** The answer, or empty after a failure; either is counted under {@code operation}. */
    private Optional<Answer> send(HttpClient client, String operation, HttpRequest request) {
        String outcome;
        Optional<Answer> answer = Optional.empty();
        try {
            HttpResponse<String> response = client.send(request, BodyHandlers.ofString());
            answer = Optional.of(new Answer(response.statusCode(), response.body(),
                    response.headers().firstValue("Retry-After")));
            outcome = Integer.toString(response.statusCode());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = "interrupted";
        } catch (IOException | RuntimeException e) {
            outcome = kind(e);
        }
        tally.computeIfAbsent(operation, k -> new ConcurrentSkipListMap<>())
                .computeIfAbsent(outcome, k -> new LongAdder()).increment();
        return answer;
    }

    /** A short name for a failure: what a person reading the tally needs to tell them apart. */
    private static String kind(Exception e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (message.contains("reset")) {
            return "connection reset";
        }
        if (message.contains("refused")) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException || message.contains("timed out")) {
            return "timeout";
        }
        return e.getClass().getSimpleName();
    }

    private Optional<Answer> post(HttpClient client, String operation, int digits) {
        return send(client, operation, HttpRequest.newBuilder(base.resolve("/pi_job"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(BodyPublishers.ofString("{\"digits\": " + digits + "}")).build());
    }

    /** The job's id when the POST was accepted. */
    private Optional<String> submit(HttpClient client, String operation, int digits) {
        return post(client, operation, digits).filter(answer -> answer.status() == 202)
                .flatMap(answer -> find(JOB_ID, answer.body()));
    }

    /** The job's status string, or empty when there was no readable answer. */
    private Optional<String> status(HttpClient client, String id) {
        return send(client, "GET /pi_job/{id}", HttpRequest.newBuilder(base.resolve("/pi_job/" + id))
                .timeout(Duration.ofSeconds(30)).build())
                .filter(answer -> answer.status() == 200).flatMap(answer -> find(STATUS, answer.body()));
    }

    private Optional<String> download(HttpClient client, String id) {
        return send(client, "download", HttpRequest.newBuilder(base.resolve("/download_pi_job/" + id))
                .timeout(Duration.ofSeconds(60)).build())
                .filter(answer -> answer.status() == 200).map(Answer::body);
    }

    private static Optional<String> find(Pattern pattern, String body) {
        Matcher matcher = pattern.matcher(body);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    // ---- latency and burst ----

    private List<String> submitMany(HttpClient client, int count, int concurrency, long[] latencies) throws Exception {
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        runConcurrently(concurrency, () -> {
            for (int i; (i = next.getAndIncrement()) < count; ) {
                long start = System.nanoTime();
                submit(client, "POST /pi_job", DIGITS).ifPresent(ids::add);
                if (latencies.length > 0) {
                    latencies[i] = System.nanoTime() - start;
                }
            }
        });
        return ids;
    }

    private void getMany(HttpClient client, List<String> ids, int concurrency, long[] latencies) throws Exception {
        AtomicInteger next = new AtomicInteger();
        runConcurrently(concurrency, () -> {
            for (int i; (i = next.getAndIncrement()) < latencies.length; ) {
                long start = System.nanoTime();
                status(client, ids.get(i % ids.size()));
                latencies[i] = System.nanoTime() - start;
            }
        });
    }

    /** Submits {@code count} jobs at once and waits until every accepted one has ended. */
    private void burst(HttpClient client, int count) throws Exception {
        CountDownLatch ready = new CountDownLatch(count);
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
        AtomicInteger answered = new AtomicInteger();
        List<Future<?>> submitters = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                submitters.add(executor.submit(() -> {
                    ready.countDown();
                    go.await();
                    Optional<Answer> answer = post(client, "burst POST /pi_job", DIGITS);
                    answer.ifPresent(a -> answered.incrementAndGet());
                    answer.filter(a -> a.status() == 202).flatMap(a -> find(JOB_ID, a.body())).ifPresent(ids::add);
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
            Map<String, Integer> ended = awaitAll(client, new ArrayList<>(ids));
            long lastDone = System.nanoTime() - start;

            Set<String> contents = new HashSet<>();
            for (String id : ids) {
                download(client, id).ifPresent(contents::add);
            }
            boolean exact = contents.size() == 1 && contents.iterator().next().length() == DIGITS + 2
                    && contents.iterator().next().startsWith(PI_PREFIX);
            System.out.printf("burst of %d concurrent %,d-digit POSTs: %d answered, %d accepted, in %.2f s; "
                            + "ended %s; last ended %.2f s after the first submit; downloads identical, digits of pi: %s%n",
                    count, DIGITS, answered.get(), ids.size(), accepted / 1e9, ended, lastDone / 1e9, exact);
        }
    }

    /** Polls every job until it has ended or {@link #AWAIT_DEADLINE} passes; how many ended how. */
    private Map<String, Integer> awaitAll(HttpClient client, List<String> ids) throws Exception {
        Set<String> pending = ConcurrentHashMap.newKeySet();
        pending.addAll(ids);
        Map<String, Integer> ended = new ConcurrentSkipListMap<>();
        long deadline = System.nanoTime() + AWAIT_DEADLINE.toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            List<String> round = new ArrayList<>(pending);
            AtomicInteger next = new AtomicInteger();
            runConcurrently(8, () -> {
                for (int i; (i = next.getAndIncrement()) < round.size(); ) {
                    String id = round.get(i);
                    status(client, id).filter(FINAL::contains).ifPresent(status -> {
                        pending.remove(id);
                        ended.merge(status, 1, Integer::sum);
                    });
                }
            });
            Thread.sleep(20);
        }
        if (!pending.isEmpty()) {
            ended.put("not ended after " + AWAIT_DEADLINE.toMinutes() + " min", pending.size());
        }
        return ended;
    }

    // ---- soak: normal clients and one abusive client ----

    /** What one client saw. */
    private record ClientResult(String name, int accepted, int refused429, int unavailable5xx, int failures,
                                Map<String, Integer> ended) {
    }

    private void soak(Duration length, int clients, int abusiveJobs) throws Exception {
        System.out.printf("soak of %s at %s: %d clients, one of them abusive (%d large jobs at once)%n",
                length, base, clients, abusiveJobs);
        long end = System.nanoTime() + length.toNanos();
        List<Future<ClientResult>> results = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            results.add(executor.submit(() -> abusive(InetAddress.getByName("127.0.0.2"), abusiveJobs, end)));
            for (int i = 1; i < clients; i++) {
                InetAddress source = InetAddress.getByName("127.0.0." + (9 + i));
                results.add(executor.submit(() -> normal(source, end)));
            }
            System.out.printf("%-22s %8s %6s %6s %8s  %s%n", "client", "accepted", "429", "5xx", "failures", "jobs ended");
            for (Future<ClientResult> future : results) {
                ClientResult r = future.get();
                System.out.printf("%-22s %8d %6d %6d %8d  %s%n", r.name(), r.accepted(), r.refused429(),
                        r.unavailable5xx(), r.failures(), r.ended());
            }
        }
    }

    /** Submits a job, waits for it to end, and again, until the soak ends; honours Retry-After. */
    private ClientResult normal(InetAddress source, long end) throws Exception {
        String name = "normal " + source.getHostAddress();
        int accepted = 0;
        int refused = 0;
        int unavailable = 0;
        int failures = 0;
        Map<String, Integer> ended = new ConcurrentSkipListMap<>();
        try (HttpClient client = client(source)) {
            while (System.nanoTime() < end) {
                int digits = ThreadLocalRandom.current().nextInt(1_000, 200_000);
                Optional<Answer> answer = post(client, "soak POST (normal)", digits);
                if (answer.isEmpty()) {
                    failures++;
                    Thread.sleep(1000);
                    continue;
                }
                int status = answer.get().status();
                if (status != 202) {
                    if (status == 429) {
                        refused++;
                    } else if (status >= 500) {
                        unavailable++;
                    } else {
                        failures++;
                    }
                    Thread.sleep(retryAfterMillis(answer.get()));
                    continue;
                }
                accepted++;
                Optional<String> id = find(JOB_ID, answer.get().body());
                if (id.isPresent()) {
                    awaitAll(client, List.of(id.get())).forEach((state, n) -> ended.merge(state, n, Integer::sum));
                }
            }
        }
        return new ClientResult(name, accepted, refused, unavailable, failures, ended);
    }

    /** Sends {@code jobs} large jobs at once, again and again, never waiting for one; then awaits the accepted. */
    private ClientResult abusive(InetAddress source, int jobs, long end) throws Exception {
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger unavailable = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        try (HttpClient client = client(source)) {
            while (System.nanoTime() < end) {
                AtomicInteger next = new AtomicInteger();
                runConcurrently(Math.min(jobs, 50), () -> {
                    while (next.getAndIncrement() < jobs) {
                        int digits = ThreadLocalRandom.current().nextInt(1_000_000, 5_000_000);
                        Optional<Answer> answer = post(client, "soak POST (abusive)", digits);
                        if (answer.isEmpty()) {
                            failures.incrementAndGet();
                        } else if (answer.get().status() == 202) {
                            find(JOB_ID, answer.get().body()).ifPresent(ids::add);
                        } else if (answer.get().status() == 429) {
                            refused.incrementAndGet();
                        } else if (answer.get().status() >= 500) {
                            unavailable.incrementAndGet();
                        } else {
                            failures.incrementAndGet();
                        }
                    }
                });
                Thread.sleep(5000);
            }
            Map<String, Integer> ended = awaitAll(client, new ArrayList<>(ids));
            return new ClientResult("abusive " + source.getHostAddress(), ids.size(), refused.get(),
                    unavailable.get(), failures.get(), ended);
        }
    }

    private static long retryAfterMillis(Answer answer) {
        try {
            return Math.min(60, Long.parseLong(answer.retryAfter().orElse("1").strip())) * 1000;
        } catch (NumberFormatException e) {
            return 1000;
        }
    }

    // ---- reporting ----

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

    private void printTally() {
        System.out.println("answers and failures by operation:");
        tally.forEach((operation, outcomes) -> System.out.printf("  %-22s %s%n", operation, outcomes));
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
