package org.piservice.emulators;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The Lambda {@link Context} of one local invocation, for the local run and the handlers' tests.
 * Handlers read their time budget from it (the worker fails a job cleanly when time runs short), so
 * the deadline is real: it starts when the invocation does and runs out like Lambda's timeout would.
 */
public final class LocalLambdaContext implements Context {

    private static final LambdaLogger STDOUT_LOGGER = new LambdaLogger() {
        private final PrintStream out = System.out;

        @Override
        public void log(String message) {
            out.println(message);
        }

        @Override
        public void log(byte[] message) {
            log(new String(message, StandardCharsets.UTF_8));
        }
    };

    private final String functionName;
    private final String requestId;
    private final int memoryLimitMb;
    private final long deadlineNanos;

    private LocalLambdaContext(String functionName, String requestId, long timeoutMillis, int memoryLimitMb) {
        this.functionName = functionName;
        this.requestId = requestId;
        this.memoryLimitMb = memoryLimitMb;
        this.deadlineNanos = System.nanoTime() + timeoutMillis * 1_000_000L;
    }

    /** The context of an invocation of {@code functionName} that starts now and may run {@code timeoutMillis}. */
    public static LocalLambdaContext start(String functionName, long timeoutMillis) {
        return new LocalLambdaContext(functionName, UUID.randomUUID().toString(), timeoutMillis,
                (int) Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / (1024 * 1024)));
    }

    @Override
    public String getAwsRequestId() {
        return requestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + functionName;
    }

    @Override
    public String getLogStreamName() {
        return "local";
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:local:000000000000:function:" + functionName;
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        long remaining = (deadlineNanos - System.nanoTime()) / 1_000_000L;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, remaining));
    }

    @Override
    public int getMemoryLimitInMB() {
        return memoryLimitMb;
    }

    @Override
    public LambdaLogger getLogger() {
        return STDOUT_LOGGER;
    }
}
