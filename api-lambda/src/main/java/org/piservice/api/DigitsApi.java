package org.piservice.api;

import java.util.Map;
import org.piservice.jobs.DigitStore;

/**
 * Random access to the digit store, compatible with Pi Delivery's {@code GET /v1/pi}: position 0
 * is the {@code 3}, position 1 the first decimal, no point; each bad parameter gets its own
 * message, as there. A range is one ranged GET of the store's object.
 */
final class DigitsApi implements PiApi.Routes {

    /** Pi Delivery's own limit: an answer stays a few kilobytes. */
    static final int MAX_DIGITS_PER_REQUEST = 1000;
    /** Pi Delivery's default when a request does not say. */
    static final int DEFAULT_DIGITS_PER_REQUEST = 100;
    /** The largest position asked for that the answer's arithmetic holds; no store comes near it. */
    static final long MAX_START = 999_999_999_999_999_999L;

    private final DigitStore store;

    DigitsApi(DigitStore store) {
        this.store = store;
    }

    @Override
    public void addRoutes(Router router) {
        router.add("GET", "/v1/pi", (request, parameters) -> digits(request));
    }

    /** The body of a 200, Pi Delivery's {@code {"content": "..."}}. */
    record Content(String content) {
    }

    private ApiResponse digits(ApiRequest request) {
        Map<String, String> query = request.query();
        long start = number(query.get("start"), "start", null);
        if (start < 0) {
            throw new ApiException(400, "start is negative");
        }
        if (start > MAX_START) {
            throw new ApiException(400, "start is too large: at most " + MAX_START);
        }
        long count = number(query.get("numberOfDigits"), "numberOfDigits", (long) DEFAULT_DIGITS_PER_REQUEST);
        if (count < 1) {
            throw new ApiException(400, "numberOfDigits must be at least 1");
        }
        if (count > MAX_DIGITS_PER_REQUEST) {
            throw new ApiException(400, "numberOfDigits is too big: at most " + MAX_DIGITS_PER_REQUEST);
        }
        // An integer, as the contract says, so 010 is 10 and an empty value the default
        if (number(query.get("radix"), "radix", 10L) != 10) {
            throw new ApiException(400, "radix " + ApiException.echo(query.get("radix")) + " is not supported: only 10");
        }
        DigitStore.Range range = ApiException.unavailableIfTransient(() -> store.read(start, (int) count),
                "the digit store is unavailable right now");
        return switch (range) {
            case DigitStore.Range.Digits digits -> ApiResponse.json(200, new Content(digits.content()));
            case DigitStore.Range.Beyond beyond -> throw new ApiException(404, "positions " + start + ".."
                    + (start + count - 1) + " are beyond the digit store: " + beyond.available() + " digits are available"
                    + (beyond.available() > 0 ? " (positions 0.." + (beyond.available() - 1) + ")" : "")
                    + "; a job for more (POST /pi_job) extends the store");
        };
    }

    private static long number(String value, String name, Long defaultValue) {
        if (value == null || value.isEmpty()) {
            if (defaultValue == null) {
                throw new ApiException(400, name + " is required");
            }
            return defaultValue;
        }
        if (!value.matches("-?[0-9]+")) {
            throw new ApiException(400, name + " is not a whole number: " + ApiException.echo(value));
        }
        // beyond a long, a number is beyond every bound the caller checks next, on its side of 0
        if (value.replaceFirst("^-?0*", "").length() > 18) {
            return value.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return Long.parseLong(value);
    }
}
