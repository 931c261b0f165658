package org.piservice.local;

import java.net.URI;
import java.util.Optional;
import java.util.Set;
import org.piservice.jobs.ServiceConfig;

/**
 * The command line of the local run. By default everything runs on this machine: embedded
 * emulators, resources created at startup. {@code --aws-endpoint} points the same code at one
 * endpoint serving all three services (LocalStack), {@code --aws} at the real AWS account of the
 * default credential chain, where the stack's table, queue and bucket must be named.
 *
 * @param port        the HTTP port of the API, 0 for any free one
 * @param target      where DynamoDB, SQS and S3 are
 * @param endpoint    the endpoint of {@link Target#ENDPOINT}
 * @param region      the AWS region; empty means the SDK's default chain (only with {@code --aws})
 * @param table       the DynamoDB table, or empty to create the service's resources
 * @param queueUrl    the SQS queue URL, named together with the table and the bucket
 * @param bucket      the S3 bucket, named together with the table and the queue
 * @param workers     how many worker invocations run at once (Lambda's concurrency, locally)
 * @param requestLogs whether the console shows a line for every HTTP request, not only job events
 */
public record Options(int port, Target target, Optional<URI> endpoint, Optional<String> region,
        Optional<String> table, Optional<String> queueUrl, Optional<String> bucket, int workers,
        boolean requestLogs) {

    public static final int DEFAULT_PORT = 5000;
    public static final String DEFAULT_REGION = "us-east-1";
    static final int DEFAULT_WORKERS = 2;
    /**
     * The largest job when {@code MAX_DIGITS} is not in the environment: what this kind of machine
     * computes in a few seconds, far below the deployed limit, which the stack sizes by the worker's
     * memory and timeout.
     */
    static final int DEFAULT_MAX_DIGITS = 10_000_000;
    private static final Set<String> VALUED =
            Set.of("--port", "--workers", "--aws-endpoint", "--region", "--table", "--queue-url", "--bucket");

    /** Where the service's AWS resources live. */
    public enum Target {
        /** Emulators started in this process (dynalite as a child process). */
        EMBEDDED,
        /** One endpoint for all services, e.g. LocalStack. */
        ENDPOINT,
        /** Real AWS, with the default credential and region chains. */
        AWS
    }

    static final String USAGE = """
            Usage: run-local [options]

            Starts pi-service on this machine: the HTTP API with its docs page, and the worker.
            By default DynamoDB, SQS and S3 are emulators it starts (DynamoDB's as a Node.js
            process, the others in this one); nothing is kept after it stops.

              --port N               HTTP port of the API (default 5000; 0 picks a free one)
              --workers N            worker invocations running at once (default 2)
              --aws-endpoint URL     use this endpoint for DynamoDB, SQS and S3 instead of the
                                     emulators, e.g. LocalStack at http://localhost:4566; the
                                     table, queue and bucket are created there unless all
                                     three are named; calls are signed with LocalStack's
                                     default credentials, "test"
              --aws                  use real AWS (default credential chain and region);
                                     needs --table, --queue-url and --bucket, e.g. from the
                                     deployed stack's outputs
              --region NAME          AWS region, with --aws or --aws-endpoint (default us-east-1 for endpoints)
              --table NAME           DynamoDB table of the jobs
              --queue-url URL        SQS queue of the jobs; the worker gets a sixth of its
                                     visibility timeout, as the stack builds it
              --bucket NAME          S3 bucket of the results
              --request-logs         also log every HTTP request (method, path, status, time);
                                     by default the console shows one line per job event,
                                     and the functions' CloudWatch metrics as JSON lines
              --help                 show this text

            The functions' limits are read from the environment as in AWS: MAX_DIGITS (default
            %d), DOWNLOAD_URL_TTL_SECONDS (default %d), JOB_TTL_DAYS (default %d).
            """.formatted(DEFAULT_MAX_DIGITS, ServiceConfig.DEFAULT_DOWNLOAD_URL_TTL.toSeconds(),
            ServiceConfig.DEFAULT_JOB_TTL.toDays());

    /** The region to use: the one given, or the default for emulators and endpoints. */
    public Optional<String> effectiveRegion() {
        return region.isPresent() || target == Target.AWS ? region : Optional.of(DEFAULT_REGION);
    }

    /** Thrown for a command line that cannot be run; the message says what to change. */
    public static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** Parses {@code args}; returns empty when help was asked for. */
    public static Optional<Options> parse(String... args) throws UsageException {
        int port = DEFAULT_PORT;
        int workers = DEFAULT_WORKERS;
        boolean aws = false;
        boolean requestLogs = false;
        Optional<URI> endpoint = Optional.empty();
        Optional<String> region = Optional.empty();
        Optional<String> table = Optional.empty();
        Optional<String> queueUrl = Optional.empty();
        Optional<String> bucket = Optional.empty();

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return Optional.empty();
            }
            if (arg.equals("--aws")) {
                aws = true;
                continue;
            }
            if (arg.equals("--request-logs")) {
                requestLogs = true;
                continue;
            }
            int eq = arg.indexOf('=');
            String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
            if (!VALUED.contains(name)) {
                throw new UsageException("Unknown option '" + arg + "' (see --help)");
            }
            String value;
            if (eq > 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new UsageException(name + " needs a value (see --help)");
            }
            switch (name) {
                case "--port" -> port = intValue(name, value, 0, 65_535);
                case "--workers" -> workers = intValue(name, value, 1, 64);
                case "--aws-endpoint" -> endpoint = Optional.of(endpointValue(value));
                case "--region" -> region = Optional.of(nonBlank(name, value));
                case "--table" -> table = Optional.of(nonBlank(name, value));
                case "--queue-url" -> queueUrl = Optional.of(nonBlank(name, value));
                default -> bucket = Optional.of(nonBlank(name, value));
            }
        }

        Target target;
        if (aws && endpoint.isPresent()) {
            throw new UsageException("Use either --aws or --aws-endpoint, not both");
        } else if (aws) {
            if (table.isEmpty() || queueUrl.isEmpty() || bucket.isEmpty()) {
                throw new UsageException("--aws needs --table, --queue-url and --bucket "
                        + "(the deployed stack's outputs); nothing is created in a real account");
            }
            target = Target.AWS;
        } else if (endpoint.isPresent()) {
            boolean anyNamed = table.isPresent() || queueUrl.isPresent() || bucket.isPresent();
            if (anyNamed && (table.isEmpty() || queueUrl.isEmpty() || bucket.isEmpty())) {
                throw new UsageException("With --aws-endpoint, name all of --table, --queue-url and --bucket, "
                        + "or none to have them created");
            }
            target = Target.ENDPOINT;
        } else {
            if (table.isPresent() || queueUrl.isPresent() || bucket.isPresent()) {
                throw new UsageException("--table, --queue-url and --bucket need --aws-endpoint or --aws; "
                        + "the embedded emulators always start empty");
            }
            if (region.isPresent()) {
                throw new UsageException("--region needs --aws-endpoint or --aws; the embedded emulators run in "
                        + DEFAULT_REGION);
            }
            target = Target.EMBEDDED;
        }
        return Optional.of(new Options(port, target, endpoint, region, table, queueUrl, bucket, workers, requestLogs));
    }

    private static int intValue(String name, String value, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException notANumber) {
            // reported below with the accepted range
        }
        throw new UsageException(name + " must be a whole number from " + min + " to " + max + ", not '" + value + "'");
    }

    private static URI endpointValue(String value) throws UsageException {
        try {
            URI uri = new URI(value.trim());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (java.net.URISyntaxException malformed) {
            // reported below with an example
        }
        throw new UsageException("--aws-endpoint must be an http(s) URL such as http://localhost:4566, not '"
                + value + "'");
    }

    private static String nonBlank(String name, String value) throws UsageException {
        if (value.isBlank()) {
            throw new UsageException(name + " must not be empty");
        }
        return value.trim();
    }
}
