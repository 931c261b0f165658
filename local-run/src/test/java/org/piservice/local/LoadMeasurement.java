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
import java.util.Random;
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
 * java local-run/src/test/java/org/piservice/local/LoadMeasurement.java soak [base-url] [minutes] [clients] [abusive-jobs] [final-wait-minutes]
 * java local-run/src/test/java/org/piservice/local/LoadMeasurement.java instant [base-url] [requests] [store-digits]
 * java local-run/src/test/java/org/piservice/local/LoadMeasurement.java ranges [base-url] [requests] [store-digits]
 * java local-run/src/test/java/org/piservice/local/LoadMeasurement.java workload [base-url] [jobs] [seed] [clients]
 * java local-run/src/test/java/org/piservice/local/LoadMeasurement.java scratch pi-core.jar [jobs] [seed] [passes] [d1,d2,...]
 * </pre>
 *
 * <p>The digit store's modes: {@code instant} times jobs the store covers, one after another, from
 * the POST through the first status that says complete to the downloaded digits; {@code ranges}
 * times {@code GET /v1/pi} for 1000 digits at random positions. Both first make the store hold
 * {@code store-digits} with one job, and check every answer against that job's download.
 * {@code workload} sends a seeded mix of job sizes ({@link #workloadSizes}) from several clients
 * and waits for all; the worker's log then says what it computed (ComputeSeconds). {@code scratch}
 * computes the same mix without a store, every job from nothing, with pi-core's engine loaded
 * from the given jar in this JVM, and prints the median of the passes' compute seconds; given the
 * sizes the worker computed for the store in a {@code workload} run (its log's DigitsComputed), it
 * times those too, in the same passes, so that the two totals compare on one footing.
 *
 * <p>Nothing a service can answer, or fail to answer, stops it: every answer is counted by its
 * status, every failure by its kind (reset, timeout, refused, unreadable answer), and the counts
 * are printed at the end. A soak prints its counts every {@link #SOAK_REPORT_EVERY} while it
 * runs; when its minutes are up, clients stop submitting and wait at most {@code final-wait-minutes}
 * (default {@value #DEFAULT_FINAL_WAIT_MINUTES}) for their jobs, and report the ones still open
 * as not ended. In a soak each client connects from its own loopback address
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
    /** The key, in the counts of ended jobs, of the jobs that had not ended when the wait for them did. */
    private static final String NOT_ENDED = "not ended";
    private static final Duration SOAK_REPORT_EVERY = Duration.ofSeconds(30);
    private static final int DEFAULT_FINAL_WAIT_MINUTES = 5;
    /** How often a soak's client asks about its job: a person's client, not a load generator. */
    private static final Duration SOAK_POLL_INTERVAL = Duration.ofMillis(250);
    /** How long the latency and burst measurements wait between rounds of polls. */
    private static final Duration MEASUREMENT_POLL_INTERVAL = Duration.ofMillis(20);

    private final URI base;
    /** Operation → outcome ("202", "429", "reset", ...) → how often. */
    private final Map<String, Map<String, LongAdder>> tally = new ConcurrentSkipListMap<>();

    private LoadMeasurement(URI base) {
        this.base = base;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && List.of("instant", "ranges", "workload").contains(args[0])) {
            URI base = URI.create(args.length > 1 ? args[1] : "http://127.0.0.1:5000/");
            LoadMeasurement measurement = new LoadMeasurement(base);
            switch (args[0]) {
                case "instant" -> measurement.instantJobs(args.length > 2 ? Integer.parseInt(args[2]) : 200,
                        args.length > 3 ? Integer.parseInt(args[3]) : 100_000);
                case "ranges" -> measurement.ranges(args.length > 2 ? Integer.parseInt(args[2]) : 1000,
                        args.length > 3 ? Integer.parseInt(args[3]) : 100_000);
                default -> measurement.workload(args.length > 2 ? Integer.parseInt(args[2]) : 200,
                        args.length > 3 ? Long.parseLong(args[3]) : 1, args.length > 4 ? Integer.parseInt(args[4]) : 4);
            }
            measurement.printTally();
            return;
        }
        if (args.length > 1 && args[0].equals("scratch")) {
            int[] storeComputations = args.length > 5
                    ? Arrays.stream(args[5].split(",")).mapToInt(Integer::parseInt).toArray() : new int[0];
            scratch(java.nio.file.Path.of(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 200,
                    args.length > 3 ? Long.parseLong(args[3]) : 1, args.length > 4 ? Integer.parseInt(args[4]) : 3,
                    storeComputations);
            return;
        }
        if (args.length > 0 && args[0].equals("soak")) {
            URI base = URI.create(args.length > 1 ? args[1] : "http://127.0.0.1:5000/");
            int minutes = args.length > 2 ? Integer.parseInt(args[2]) : 10;
            int clients = args.length > 3 ? Integer.parseInt(args[3]) : 10;
            int abusiveJobs = args.length > 4 ? Integer.parseInt(args[4]) : 300;
            int finalWaitMinutes = args.length > 5 ? Integer.parseInt(args[5]) : DEFAULT_FINAL_WAIT_MINUTES;
            LoadMeasurement measurement = new LoadMeasurement(base);
            measurement.soak(Duration.ofMinutes(minutes), clients, abusiveJobs, Duration.ofMinutes(finalWaitMinutes));
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
        count(operation, outcome);
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
        Map<String, Integer> ended = awaitAll(client, ids, System.nanoTime() + AWAIT_DEADLINE.toNanos(),
                MEASUREMENT_POLL_INTERVAL, 8);
        Integer open = ended.remove(NOT_ENDED);
        if (open != null) {
            ended.put("not ended after " + AWAIT_DEADLINE.toMinutes() + " min", open);
        }
        return ended;
    }

    /**
     * Polls every job, {@code concurrency} at a time, until it has ended or {@code deadline} (of
     * {@link System#nanoTime}) passes; how many ended how, and under {@link #NOT_ENDED} how many did not.
     */
    private Map<String, Integer> awaitAll(HttpClient client, List<String> ids, long deadline, Duration pollInterval,
                                          int concurrency) throws Exception {
        Set<String> pending = ConcurrentHashMap.newKeySet();
        pending.addAll(ids);
        Map<String, Integer> ended = new ConcurrentSkipListMap<>();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            List<String> round = new ArrayList<>(pending);
            AtomicInteger next = new AtomicInteger();
            runConcurrently(concurrency, () -> {
                for (int i; (i = next.getAndIncrement()) < round.size() && System.nanoTime() < deadline; ) {
                    String id = round.get(i);
                    status(client, id).filter(FINAL::contains).ifPresent(status -> {
                        pending.remove(id);
                        ended.merge(status, 1, Integer::sum);
                    });
                }
            });
            if (!pending.isEmpty()) {
                Thread.sleep(pollInterval);
            }
        }
        if (!pending.isEmpty()) {
            ended.put(NOT_ENDED, pending.size());
        }
        return ended;
    }

    // ---- the digit store: instant jobs, ranges, a workload with and without it ----

    private static final Pattern CONTENT = Pattern.compile("\"content\"\\s*:\\s*\"([0-9]*)\"");
    private static final int RANGE_DIGITS = 1000;

    /**
     * Makes the store hold at least {@code digits} with one job (computed, or served if it does
     * already) and returns that job's download: the reference every answer is checked against.
     */
    private String seedStore(HttpClient client, int digits) throws Exception {
        long start = System.nanoTime();
        String id = submit(client, "seed POST /pi_job", digits)
                .orElseThrow(() -> new IllegalStateException("the seed job was not accepted"));
        Map<String, Integer> ended = awaitAll(client, List.of(id));
        String text = download(client, id).orElseThrow(() -> new IllegalStateException("the seed job ended " + ended));
        if (text.length() != digits + 2 || !text.startsWith(PI_PREFIX)) {
            throw new IllegalStateException("the seed job's download is not pi to " + digits + " decimals");
        }
        System.out.printf("store seeded with a job of %,d digits in %.2f s%n", digits, (System.nanoTime() - start) / 1e9);
        return text;
    }

    /** Jobs the store covers, one at a time: POST, status until complete, download; each checked. */
    private void instantJobs(int requests, int storeDigits) throws Exception {
        System.out.printf("instant jobs at %s: %d sequential jobs of 1..%,d digits (uniform)%n", base, requests, storeDigits);
        try (HttpClient client = client(null)) {
            String reference = seedStore(client, storeDigits);
            Random random = new Random(requests);
            int warmUp = Math.max(20, requests / 10);
            long[] total = new long[requests];
            long[] post = new long[requests];
            long[] complete = new long[requests];
            long[] fetched = new long[requests];
            int firstStatusComplete = 0;
            int wrong = 0;
            for (int i = -warmUp; i < requests; i++) {
                int digits = 1 + random.nextInt(storeDigits);
                long start = System.nanoTime();
                Optional<String> id = submit(client, "instant POST /pi_job", digits);
                long posted = System.nanoTime();
                int polls = 0;
                boolean done = false;
                while (id.isPresent() && !done && polls < 1000) {
                    polls++;
                    done = status(client, id.get()).filter("complete"::equals).isPresent();
                }
                long completed = System.nanoTime();
                Optional<String> text = id.flatMap(jobId -> download(client, jobId));
                long end = System.nanoTime();
                if (i < 0) {
                    continue;
                }
                total[i] = end - start;
                post[i] = posted - start;
                complete[i] = completed - posted;
                fetched[i] = end - completed;
                firstStatusComplete += done && polls == 1 ? 1 : 0;
                wrong += text.filter(t -> reference.startsWith(t) && t.length() == digits + 2).isPresent() ? 0 : 1;
            }
            report("POST to digits", total);
            report("  POST /pi_job", post);
            report("  GET until done", complete);
            report("  download", fetched);
            System.out.printf("first status said complete: %d of %d; downloads that were not exactly pi: %d%n",
                    firstStatusComplete, requests, wrong);
        }
    }

    /** {@code GET /v1/pi} for {@value #RANGE_DIGITS} digits at uniformly random positions, one at a time; each checked. */
    private void ranges(int requests, int storeDigits) throws Exception {
        System.out.printf("ranges at %s: %d sequential GET /v1/pi of %d digits at random positions in a store of %,d%n",
                base, requests, RANGE_DIGITS, storeDigits);
        try (HttpClient client = client(null)) {
            String text = seedStore(client, storeDigits);
            String positions = text.charAt(0) + text.substring(2);
            Random random = new Random(requests);
            int warmUp = Math.max(50, requests / 10);
            long[] latencies = new long[requests];
            int wrong = 0;
            for (int i = -warmUp; i < requests; i++) {
                int start = random.nextInt(positions.length() - RANGE_DIGITS + 1);
                long started = System.nanoTime();
                Optional<String> content = send(client, "GET /v1/pi", HttpRequest.newBuilder(base.resolve(
                                "/v1/pi?start=" + start + "&numberOfDigits=" + RANGE_DIGITS))
                        .timeout(Duration.ofSeconds(30)).build())
                        .filter(answer -> answer.status() == 200).flatMap(answer -> find(CONTENT, answer.body()));
                if (i >= 0) {
                    latencies[i] = System.nanoTime() - started;
                    wrong += content.filter(positions.substring(start, start + RANGE_DIGITS)::equals).isPresent() ? 0 : 1;
                }
            }
            report("GET /v1/pi", latencies);
            System.out.printf("answers that were not exactly pi's digits at their positions: %d%n", wrong);
        }
    }

    /**
     * A mix of job sizes as users might ask: 30% are one of four round sizes (1,000 half of those
     * times, 10,000 30%, 100,000 15%, 1,000,000 5%); the rest are log-uniform, 75% of them small
     * (100 to 10,000 digits), 20% medium (10,000 to 200,000) and 5% large (200,000 to 2,000,000).
     */
    static int[] workloadSizes(int jobs, long seed) {
        Random random = new Random(seed);
        int[] sizes = new int[jobs];
        for (int i = 0; i < jobs; i++) {
            if (random.nextDouble() < 0.3) {
                double popular = random.nextDouble();
                sizes[i] = popular < 0.5 ? 1_000 : popular < 0.8 ? 10_000 : popular < 0.95 ? 100_000 : 1_000_000;
            } else {
                double kind = random.nextDouble();
                sizes[i] = kind < 0.75 ? logUniform(random, 100, 10_000)
                        : kind < 0.95 ? logUniform(random, 10_000, 200_000) : logUniform(random, 200_000, 2_000_000);
            }
        }
        return sizes;
    }

    private static int logUniform(Random random, int from, int to) {
        return (int) Math.round(Math.exp(Math.log(from) + random.nextDouble() * (Math.log(to) - Math.log(from))));
    }

    private static void describe(int[] sizes, long seed) {
        Map<Integer, Integer> counts = new java.util.TreeMap<>();
        for (int size : sizes) {
            counts.merge(size, 1, Integer::sum);
        }
        long small = Arrays.stream(sizes).filter(size -> size <= 10_000).count();
        long large = Arrays.stream(sizes).filter(size -> size > 200_000).count();
        System.out.printf("workload of %d jobs (seed %d): %d distinct sizes, %d of at most 10,000 digits, %d above"
                        + " 200,000, the largest %,d, %,d digits in all; repeated sizes: %s%n", sizes.length, seed,
                counts.size(), small, large, Arrays.stream(sizes).max().orElse(0), Arrays.stream(sizes).asLongStream().sum(),
                counts.entrySet().stream().filter(e -> e.getValue() > 1).map(e -> e.getKey() + "x" + e.getValue()).toList());
    }

    /** Sends the mix in its order from {@code clients} clients, each waiting for its job before the next. */
    private void workload(int jobs, long seed, int clients) throws Exception {
        int[] sizes = workloadSizes(jobs, seed);
        describe(sizes, seed);
        AtomicInteger next = new AtomicInteger();
        Map<String, Integer> ended = new ConcurrentSkipListMap<>();
        AtomicInteger wrong = new AtomicInteger();
        long start = System.nanoTime();
        List<Future<?>> senders = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                InetAddress source = InetAddress.getByName("127.0.0." + (20 + c));
                senders.add(executor.submit(() -> {
                    try (HttpClient client = client(source)) {
                        for (int i; (i = next.getAndIncrement()) < sizes.length; ) {
                            int digits = sizes[i];
                            Optional<String> id = Optional.empty();
                            while (id.isEmpty()) {
                                Optional<Answer> answer = post(client, "workload POST /pi_job", digits);
                                id = answer.filter(a -> a.status() == 202).flatMap(a -> find(JOB_ID, a.body()));
                                if (id.isEmpty()) {
                                    Thread.sleep(answer.map(LoadMeasurement::retryAfterMillis).orElse(1000L));
                                }
                            }
                            awaitAll(client, List.of(id.get())).forEach((state, n) -> ended.merge(state, n, Integer::sum));
                            Optional<String> text = download(client, id.get());
                            if (text.isPresent() && !(text.get().length() == digits + 2 && text.get().startsWith(PI_PREFIX))) {
                                wrong.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> sender : senders) {
                sender.get();
            }
        }
        System.out.printf("workload done in %.1f s: jobs ended %s; downloads of the wrong length or start: %d"
                        + " (failed downloads are in the tally)%n",
                (System.nanoTime() - start) / 1e9, ended, wrong.get());
    }

    /**
     * The mix without a store: every job computed from nothing by pi-core's engine, loaded from
     * {@code piCoreJar} (this tool stays a JDK-only single file), in one JVM warmed up first, as a
     * worker's is; and, in each pass after it, the computations the store needed for the mix. The
     * digits go nowhere, so the upload a worker also does is counted in neither.
     */
    private static void scratch(java.nio.file.Path piCoreJar, int jobs, long seed, int passes, int[] storeComputations)
            throws Exception {
        int[] sizes = workloadSizes(jobs, seed);
        describe(sizes, seed);
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {piCoreJar.toUri().toURL()})) {
            java.lang.reflect.Method write = loader.loadClass("org.piservice.core.PiDigits")
                    .getMethod("write", int.class, java.io.OutputStream.class);
            for (int i = 0; i < 3; i++) {
                write.invoke(null, 200_000, java.io.OutputStream.nullOutputStream());
            }
            double[] fromScratch = new double[passes];
            double[] withStore = new double[passes];
            for (int pass = 0; pass < passes; pass++) {
                fromScratch[pass] = computeSeconds(write, sizes);
                withStore[pass] = computeSeconds(write, storeComputations);
                System.out.printf("pass %d: %.2f compute seconds for the %d jobs from scratch, %.2f for the store's"
                        + " %d computations %s%n", pass + 1, fromScratch[pass], jobs, withStore[pass],
                        storeComputations.length, Arrays.toString(storeComputations));
            }
            Arrays.sort(fromScratch);
            Arrays.sort(withStore);
            System.out.printf("median of %d passes: %.2f compute seconds from scratch, %.2f with the store%n",
                    passes, fromScratch[passes / 2], withStore[passes / 2]);
        }
    }

    private static double computeSeconds(java.lang.reflect.Method write, int[] sizes) throws Exception {
        long total = 0;
        for (int digits : sizes) {
            long start = System.nanoTime();
            write.invoke(null, digits, java.io.OutputStream.nullOutputStream());
            total += System.nanoTime() - start;
        }
        return total / 1e9;
    }

    // ---- soak: normal clients and one abusive client ----

    /** What one client has seen so far; counted as it goes, so that a soak can report while it runs. */
    private static final class ClientCounts {
        final String name;
        final InetAddress source;
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger refused429 = new AtomicInteger();
        final AtomicInteger unavailable5xx = new AtomicInteger();
        /** Requests without an answer, other refusals, and anything that went wrong in the client itself. */
        final AtomicInteger failures = new AtomicInteger();
        /** Status → jobs that ended so; {@link #NOT_ENDED} for those still open when the client stopped waiting. */
        final Map<String, Integer> ended = new ConcurrentSkipListMap<>();
        volatile boolean finished;

        ClientCounts(String kind, String source) throws java.net.UnknownHostException {
            this.source = InetAddress.getByName(source);
            this.name = kind + " " + source;
        }

        void countRefusal(Optional<Answer> answer) {
            if (answer.isEmpty()) {
                failures.incrementAndGet();
            } else if (answer.get().status() == 429) {
                refused429.incrementAndGet();
            } else if (answer.get().status() >= 500) {
                unavailable5xx.incrementAndGet();
            } else {
                failures.incrementAndGet();
            }
        }

        void addEnded(Map<String, Integer> counts) {
            counts.forEach((status, n) -> ended.merge(status, n, Integer::sum));
        }

        int endedAs(String status) {
            return ended.getOrDefault(status, 0);
        }
    }

    private static final String ROW = "%-22s %8s %6s %6s %8s  %s%n";

    private void soak(Duration length, int clients, int abusiveJobs, Duration finalWait) throws Exception {
        System.out.printf("soak of %s at %s: %d clients, one of them abusive (%d large jobs at once); "
                        + "then at most %s for unfinished jobs; counts every %s%n",
                length, base, clients, abusiveJobs, finalWait, SOAK_REPORT_EVERY);
        long start = System.nanoTime();
        long end = start + length.toNanos();
        long waitEnd = end + finalWait.toNanos();
        List<ClientCounts> all = new ArrayList<>();
        ClientCounts abusive = new ClientCounts("abusive", "127.0.0.2");
        all.add(abusive);
        for (int i = 1; i < clients; i++) {
            all.add(new ClientCounts("normal", "127.0.0." + (9 + i)));
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        executor.submit(() -> runClient(abusive, () -> abusive(abusive, abusiveJobs, end, waitEnd)));
        for (ClientCounts counts : all.subList(1, all.size())) {
            executor.submit(() -> runClient(counts, () -> normal(counts, end, waitEnd)));
        }
        long nextReport = start + SOAK_REPORT_EVERY.toNanos();
        // Every wait of a client ends by waitEnd, but for a request's own timeout: a client still
        // running a minute later is reported as it stands, not waited for.
        long giveUp = waitEnd + Duration.ofMinutes(1).toNanos();
        while (!all.stream().allMatch(c -> c.finished) && System.nanoTime() < giveUp) {
            Thread.sleep(1000);
            if (System.nanoTime() >= nextReport) {
                printProgress(all, start, end);
                nextReport += SOAK_REPORT_EVERY.toNanos();
            }
        }
        executor.shutdownNow();
        printTable(all);
    }

    /** Runs a client's work; whatever goes wrong in it is counted, never thrown. */
    private void runClient(ClientCounts counts, Work work) {
        try {
            work.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            counts.failures.incrementAndGet();
            count("soak client", "interrupted");
        } catch (Exception e) {
            counts.failures.incrementAndGet();
            count("soak client", kind(e));
        } catch (Error e) {
            counts.failures.incrementAndGet();
            count("soak client", e.getClass().getSimpleName());
        } finally {
            counts.finished = true;
        }
    }

    private void count(String operation, String outcome) {
        tally.computeIfAbsent(operation, k -> new ConcurrentSkipListMap<>())
                .computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    /** Submits a job, waits for it to end, and again, until the soak ends; honours Retry-After. */
    private void normal(ClientCounts counts, long end, long waitEnd) throws Exception {
        try (HttpClient client = client(counts.source)) {
            while (System.nanoTime() < end) {
                int digits = ThreadLocalRandom.current().nextInt(1_000, 200_000);
                Optional<Answer> answer = post(client, "soak POST (normal)", digits);
                if (answer.isEmpty() || answer.get().status() != 202) {
                    counts.countRefusal(answer);
                    Thread.sleep(Math.min(answer.map(LoadMeasurement::retryAfterMillis).orElse(1000L),
                            Math.max(0, (end - System.nanoTime()) / 1_000_000)));
                    continue;
                }
                counts.accepted.incrementAndGet();
                Optional<String> id = find(JOB_ID, answer.get().body());
                if (id.isEmpty()) {
                    counts.failures.incrementAndGet();
                    count("soak POST (normal)", "202 without a job id");
                    continue;
                }
                counts.addEnded(awaitAll(client, List.of(id.get()), waitEnd, SOAK_POLL_INTERVAL, 1));
            }
        }
    }

    /** Sends {@code jobs} large jobs at once, again and again, never waiting for one; then awaits the accepted. */
    private void abusive(ClientCounts counts, int jobs, long end, long waitEnd) throws Exception {
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        try (HttpClient client = client(counts.source)) {
            while (System.nanoTime() < end) {
                AtomicInteger next = new AtomicInteger();
                runConcurrently(Math.min(jobs, 50), () -> {
                    while (next.getAndIncrement() < jobs && System.nanoTime() < end) {
                        int digits = ThreadLocalRandom.current().nextInt(1_000_000, 5_000_000);
                        Optional<Answer> answer = post(client, "soak POST (abusive)", digits);
                        if (answer.isPresent() && answer.get().status() == 202) {
                            counts.accepted.incrementAndGet();
                            Optional<String> id = find(JOB_ID, answer.get().body());
                            if (id.isPresent()) {
                                ids.add(id.get());
                            } else {
                                counts.failures.incrementAndGet();
                                count("soak POST (abusive)", "202 without a job id");
                            }
                        } else {
                            counts.countRefusal(answer);
                        }
                    }
                });
                Thread.sleep(Math.min(5000, Math.max(0, (end - System.nanoTime()) / 1_000_000)));
            }
            counts.addEnded(awaitAll(client, new ArrayList<>(ids), waitEnd, SOAK_POLL_INTERVAL, 16));
        }
    }

    /** One line for the abusive client and one for the normal ones together. */
    private static void printProgress(List<ClientCounts> all, long start, long end) {
        long now = System.nanoTime();
        String phase = now < end ? "" : " (final wait)";
        long seconds = Duration.ofNanos(now - start).toSeconds();
        ClientCounts abusive = all.getFirst();
        List<ClientCounts> normal = all.subList(1, all.size());
        Map<String, Integer> normalEnded = new ConcurrentSkipListMap<>();
        normal.forEach(c -> c.ended.forEach((status, n) -> normalEnded.merge(status, n, Integer::sum)));
        System.out.printf("%3d:%02d%s  normal x%d: accepted %d, 429 %d, 5xx %d, failures %d, ended %s, running %d"
                        + " | abusive: accepted %d, 429 %d, 5xx %d, failures %d%s%n",
                seconds / 60, seconds % 60, phase, normal.size(),
                normal.stream().mapToInt(c -> c.accepted.get()).sum(),
                normal.stream().mapToInt(c -> c.refused429.get()).sum(),
                normal.stream().mapToInt(c -> c.unavailable5xx.get()).sum(),
                normal.stream().mapToInt(c -> c.failures.get()).sum(), normalEnded,
                normal.stream().filter(c -> !c.finished).count(),
                abusive.accepted.get(), abusive.refused429.get(), abusive.unavailable5xx.get(), abusive.failures.get(),
                abusive.finished ? ", ended " + abusive.ended : "");
        System.out.flush();
    }

    /** The per-client table, and the soak's criteria in one line. */
    private static void printTable(List<ClientCounts> all) {
        System.out.printf(ROW, "client", "accepted", "429", "5xx", "failures", "jobs ended");
        for (ClientCounts c : all) {
            System.out.printf(ROW, c.name, c.accepted.get(), c.refused429.get(), c.unavailable5xx.get(),
                    c.failures.get(), c.finished ? c.ended : c.ended + " (client still running)");
        }
        List<ClientCounts> normal = all.subList(1, all.size());
        int normalAccepted = normal.stream().mapToInt(c -> c.accepted.get()).sum();
        int normalComplete = normal.stream().mapToInt(c -> c.endedAs("complete")).sum();
        System.out.printf("normal jobs complete: %d of %d accepted; abusive 429s: %d; 5xx: %d; "
                        + "jobs not ended when the wait did: %d%n",
                normalComplete, normalAccepted, all.getFirst().refused429.get(),
                all.stream().mapToInt(c -> c.unavailable5xx.get()).sum(),
                all.stream().mapToInt(c -> c.endedAs(NOT_ENDED)).sum());
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
