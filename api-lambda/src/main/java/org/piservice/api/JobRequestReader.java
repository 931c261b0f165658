package org.piservice.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.piservice.contract.Cors;

/**
 * Reads the body of {@code POST /pi_job}, {@code {"digits": N}}, and says plainly what is wrong with a
 * bad one: one message per problem, each naming the fix.
 *
 * <p>{@code digits} must be a JSON integer literal. {@code "100"}, {@code 100.0}, {@code 1e2} and
 * {@code 1.5} are refused, each with its own message: the OpenAPI schema says {@code integer}, and this
 * class is the one place that enforces it, locally and deployed alike (the API gateway validates
 * nothing; see OpenApiDefinition in infra-cdk). Fields other than
 * {@code digits} are refused too ({@code additionalProperties: false}), which catches typos such as
 * {@code digit}.
 *
 * <p>It reads the body with the streaming parser rather than a tree so that a number keeps the text
 * it was written as: {@code 1e400} is reported as written, not as "Infinity".
 */
final class JobRequestReader {

    /** A valid body is about 20 bytes; this leaves room for any formatting and nothing more. */
    static final int MAX_BODY_BYTES = 4096;

    private static final String EXAMPLE = "send {\"digits\": N}";
    /** The charset labels that name UTF-8 (the WHATWG Encoding Standard's, which browsers follow). */
    private static final Set<String> UTF_8_LABELS = Set.of("utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8",
            "unicode20utf8", "x-unicode20utf8");

    private final int maxDigits;

    JobRequestReader(int maxDigits) {
        this.maxDigits = maxDigits;
    }

    /** The number of digits asked for; throws {@link ApiException} (400, 413 or 415) for a bad body. */
    int digits(ApiRequest request) {
        String body = request.body();
        if (body == null || body.isBlank()) {
            throw new ApiException(400, "request body is required: " + EXAMPLE + " with N from 1 to " + maxDigits);
        }
        byte[] bytes = bytes(body, request.base64());
        checkContentType(request.header("Content-Type"));
        return parse(bytes);
    }

    /** The longest {@code Idempotency-Key} taken: a UUID, which the draft recommends, is 36. */
    static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;
    private static final Pattern IDEMPOTENCY_KEY =
            Pattern.compile("[\\x21-\\x7E]{1," + MAX_IDEMPOTENCY_KEY_LENGTH + "}");

    /**
     * The request's {@code Idempotency-Key}, if it has one. The draft makes the value a structured
     * field string ({@code "8e03978e-..."}); a bare token is taken too, as many clients send it.
     */
    Optional<String> idempotencyKey(ApiRequest request) {
        String value = request.header(Cors.IDEMPOTENCY_KEY_HEADER);
        if (value == null) {
            return Optional.empty();
        }
        String key = value.strip();
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
            key = key.substring(1, key.length() - 1);
        }
        if (!IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw new ApiException(400, Cors.IDEMPOTENCY_KEY_HEADER + " must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH
                    + " visible ASCII characters without spaces, such as a UUID, on one header line");
        }
        return Optional.of(key);
    }

    private static byte[] bytes(String body, boolean base64) {
        // A body over the limit in characters is over it in bytes too: refuse it before copying it.
        long maxChars = base64 ? (MAX_BODY_BYTES + 2L) / 3 * 4 : MAX_BODY_BYTES;
        if (body.length() > maxChars) {
            throw tooLarge();
        }
        byte[] bytes;
        if (base64) {
            try {
                bytes = Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "request body is not valid base64");
            }
        } else {
            bytes = body.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        return bytes;
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "request body is larger than " + MAX_BODY_BYTES + " bytes: " + EXAMPLE);
    }

    private static void checkContentType(String contentType) {
        // With a limit of -1, a header of only separators (";") still yields an empty media type.
        String[] parts = contentType == null ? new String[] {""} : contentType.split(";", -1);
        String mediaType = parts[0].trim().toLowerCase(Locale.ROOT);
        if (mediaType.isEmpty()) {
            throw new ApiException(415, "Content-Type header is missing: send the body as JSON with Content-Type: application/json");
        }
        if (!mediaType.equals("application/json")) {
            throw new ApiException(415, "Content-Type is " + ApiException.echo(mediaType) + ": send the body as JSON with Content-Type: application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].trim().split("=", 2);
            if (parameter[0].trim().equalsIgnoreCase("charset") && parameter.length == 2
                    && !UTF_8_LABELS.contains(unquote(parameter[1]).toLowerCase(Locale.ROOT))) {
                throw new ApiException(415, "charset " + ApiException.echo(unquote(parameter[1])) + " is not supported: send UTF-8 JSON");
            }
        }
    }

    private static String unquote(String value) {
        String trimmed = value.trim();
        return trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"")
                ? trimmed.substring(1, trimmed.length() - 1) : trimmed;
    }

    private int parse(byte[] bytes) {
        List<String> problems = new ArrayList<>();
        List<String> unknownFields = new ArrayList<>();
        Integer digits = null;
        boolean seen = false;
        try (JsonParser parser = Json.MAPPER.createParser(bytes)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new ApiException(400, "request body must be a JSON object, not " + describe(first) + ": " + EXAMPLE);
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals("digits")) {
                    seen = true;
                    digits = digitsValue(parser, value, problems);
                } else {
                    unknownFields.add(field);
                    parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw new ApiException(400, "request body has more after the JSON object: " + EXAMPLE);
            }
        } catch (StreamConstraintsException e) {
            throw new ApiException(400, "request body has a value too long or nested too deep to read: " + EXAMPLE);
        } catch (com.fasterxml.jackson.core.JsonParseException e) {
            // Jackson's duplicate detection names the field: which of two values was meant is unknowable
            if (e.getOriginalMessage().startsWith("Duplicate field ")) {
                throw new ApiException(400, "request body gives a field twice ("
                        + ApiException.echo(e.getOriginalMessage().substring("Duplicate field ".length())) + "): " + EXAMPLE);
            }
            throw new ApiException(400, "request body is not valid JSON" + where(e.getLocation()) + ": " + EXAMPLE);
        } catch (IOException e) {
            // Parsing a byte array does no I/O; anything else here is malformed input too.
            throw new ApiException(400, "request body is not valid JSON: " + EXAMPLE);
        }
        if (!seen) {
            problems.addFirst("digits is required: " + EXAMPLE + " with N from 1 to " + maxDigits);
        }
        if (!unknownFields.isEmpty()) {
            // the first names the mistake; all of them would make an answer many times the request
            problems.add("unknown field \"" + ApiException.echo(unknownFields.getFirst()) + "\""
                    + (unknownFields.size() > 1 ? " and " + (unknownFields.size() - 1) + " more" : "")
                    + ": the only field is digits");
        }
        if (!problems.isEmpty()) {
            throw new ApiException(400, String.join("; ", problems));
        }
        return digits;
    }

    private Integer digitsValue(JsonParser parser, JsonToken value, List<String> problems) throws IOException {
        switch (value) {
            case VALUE_NUMBER_INT -> {
                String text = parser.getText();
                boolean fitsInt = parser.getNumberType() == JsonParser.NumberType.INT;
                if (text.startsWith("-") || (fitsInt && parser.getIntValue() < 1)) {
                    problems.add("digits must be at least 1, got " + ApiException.echo(text));
                } else if (!fitsInt || parser.getIntValue() > maxDigits) {
                    problems.add("digits must be at most " + maxDigits + ", got " + ApiException.echo(text));
                } else {
                    return parser.getIntValue();
                }
            }
            case VALUE_NUMBER_FLOAT -> problems.add("digits must be a whole number written without a decimal point or exponent, got "
                    + ApiException.echo(parser.getText()));
            case VALUE_STRING -> {
                String text = parser.getText();
                problems.add(text.strip().matches("[0-9]{1,10}")
                        ? "digits must be a number, not a string: send {\"digits\": " + text.strip() + "}, not {\"digits\": \""
                                + ApiException.echo(text) + "\"}"
                        : "digits must be a number, not a string");
            }
            case VALUE_NULL -> problems.add("digits must be a number, not null");
            default -> {
                problems.add("digits must be a number, not " + describe(value));
                parser.skipChildren();
            }
        }
        return null;
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case null -> "nothing";
            default -> token.asString();
        };
    }

    private static String where(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
