package org.piservice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Plain unit test of the body rules of POST /pi_job; needs nothing running. */
class JobRequestReaderTest {

    private final JobRequestReader reader = new JobRequestReader(1_000_000);

    private static ApiRequest post(String contentType, String body) {
        Map<String, String> headers = contentType == null ? Map.of() : Map.of("content-type", contentType);
        return new ApiRequest("POST", "/pi_job", headers, body, false, "", "test");
    }

    @Test
    void readsAnIntegerWithinTheLimit() {
        assertThat(reader.digits(post("application/json", "{\"digits\": 1000}"))).isEqualTo(1000);
        assertThat(reader.digits(post("application/json; charset=UTF-8", " {\n \"digits\" : 1000000 }\n"))).isEqualTo(1_000_000);
        assertThat(reader.digits(post("Application/JSON", "{\"digits\":1}"))).isEqualTo(1);
        assertThat(reader.digits(post("application/json;charset=utf8", "{\"digits\": 7}"))).as("the label browsers also take for UTF-8")
                .isEqualTo(7);
    }

    @Test
    void readsABase64Body() {
        String body = Base64.getEncoder().encodeToString("{\"digits\": 42}".getBytes(StandardCharsets.UTF_8));
        ApiRequest request = new ApiRequest("POST", "/pi_job", Map.of("Content-Type", "application/json"), body, true, "", "t");
        assertThat(reader.digits(request)).isEqualTo(42);
    }

    static Stream<Arguments> badBodies() {
        return Stream.of(
                Arguments.of("application/json", null, 400, "request body is required"),
                Arguments.of("application/json", "  ", 400, "request body is required"),
                Arguments.of("application/json", "{\"digits\": ", 400, "request body is not valid JSON (line 1"),
                Arguments.of("application/json", "{digits: 5}", 400, "request body is not valid JSON"),
                Arguments.of("application/json", "[1000]", 400, "request body must be a JSON object, not an array"),
                Arguments.of("application/json", "\"1000\"", 400, "request body must be a JSON object, not a string"),
                Arguments.of("application/json", "1000", 400, "request body must be a JSON object, not a number"),
                Arguments.of("application/json", "{\"digits\": 1} {}", 400, "request body has more after the JSON object"),
                Arguments.of("application/json", "{}", 400, "digits is required"),
                Arguments.of("application/json", "{\"digit\": 5}", 400, "digits is required: send {\"digits\": N} with N from 1 to 1000000; unknown field \"digit\""),
                Arguments.of("application/json", "{\"digits\": null}", 400, "digits must be a number, not null"),
                Arguments.of("application/json", "{\"digits\": \"abc\"}", 400, "digits must be a number, not a string"),
                Arguments.of("application/json", "{\"digits\": \"100\"}", 400, "digits must be a number, not a string: send {\"digits\": 100}, not {\"digits\": \"100\"}"),
                Arguments.of("application/json", "{\"digits\": 1.5}", 400, "digits must be a whole number written without a decimal point or exponent, got 1.5"),
                Arguments.of("application/json", "{\"digits\": 100.0}", 400, "digits must be a whole number written without a decimal point or exponent, got 100.0"),
                Arguments.of("application/json", "{\"digits\": 1e400}", 400, "digits must be a whole number written without a decimal point or exponent, got 1e400"),
                Arguments.of("application/json", "{\"digits\": -1}", 400, "digits must be at least 1, got -1"),
                Arguments.of("application/json", "{\"digits\": 0}", 400, "digits must be at least 1, got 0"),
                Arguments.of("application/json", "{\"digits\": -99999999999999999999}", 400, "digits must be at least 1"),
                Arguments.of("application/json", "{\"digits\": 1000001}", 400, "digits must be at most 1000000, got 1000001"),
                Arguments.of("application/json", "{\"digits\": 99999999999999999999999}", 400, "digits must be at most 1000000"),
                Arguments.of("application/json", "{\"digits\": true}", 400, "digits must be a number, not a boolean"),
                Arguments.of("application/json", "{\"digits\": [5]}", 400, "digits must be a number, not an array"),
                Arguments.of("application/json", "{\"digits\": 5, \"digits\": 6}", 400,
                        "request body gives a field twice ('digits'): "),
                Arguments.of("application/json", "{\"" + "x".repeat(300) + "\": 5, \"" + "x".repeat(300) + "\": 6}", 400,
                        "request body gives a field twice ('" + "x".repeat(99) + "...): "),
                Arguments.of("application/json", "{\"digits\": " + "9".repeat(2000) + "}", 400, "request body has a value too long or nested too deep to read"),
                Arguments.of("application/json", "{\"x\": " + "[".repeat(1500) + "]".repeat(1500) + "}", 400,
                        "request body has a value too long or nested too deep to read"),
                Arguments.of("application/json", "{\"digits\": 5, \"x\": " + " ".repeat(5000) + "1}", 413, "request body is larger than 4096 bytes"),
                Arguments.of(null, "{\"digits\": 5}", 415, "Content-Type header is missing"),
                Arguments.of(";", "{\"digits\": 5}", 415, "Content-Type header is missing"),
                Arguments.of(" ; charset=utf-8", "{\"digits\": 5}", 415, "Content-Type header is missing"),
                Arguments.of("text/plain", "{\"digits\": 5}", 415, "Content-Type is text/plain: send the body as JSON"),
                Arguments.of("application/x-www-form-urlencoded", "digits=5", 415, "Content-Type is application/x-www-form-urlencoded"),
                Arguments.of("application/json; charset=iso-8859-1", "{\"digits\": 5}", 415, "charset iso-8859-1 is not supported"));
    }

    @ParameterizedTest(name = "{2} for {1} ({0})")
    @MethodSource("badBodies")
    void refusesABadBodyWithAPlainMessage(String contentType, String body, int status, String message) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> reader.digits(post(contentType, body)));

        assertThat(e).as("refused").isNotNull();
        assertThat(e.response().status()).isEqualTo(status);
        assertThat(e.getMessage()).startsWith(message);
    }

    @Test
    void namesEveryProblemOfOneBody() {
        ApiException e = catchThrowableOfType(ApiException.class,
                () -> reader.digits(post("application/json", "{\"digits\": 0, \"colour\": \"blue\"}")));

        assertThat(e.getMessage()).isEqualTo("digits must be at least 1, got 0; unknown field \"colour\": the only field is digits");
    }
}
