package org.piservice.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CorsTest {

    @Test
    void preflightAllowsThePathsMethodsAndOptions() {
        assertThat(Cors.preflightHeaders(List.of("GET"))).containsExactly(
                Map.entry("Access-Control-Allow-Origin", "*"), Map.entry("Access-Control-Allow-Methods", "GET,OPTIONS"),
                Map.entry("Access-Control-Allow-Headers", "Content-Type, Idempotency-Key"),
                Map.entry("Access-Control-Max-Age", "3600"));
        assertThat(Cors.preflightHeaders(List.of("POST", "GET"))).containsEntry("Access-Control-Allow-Methods", "POST,GET,OPTIONS");
    }

    @Test
    void aPathThatDefinesOptionsItselfIsNotListedTwice() {
        assertThat(Cors.preflightHeaders(List.of("GET", "OPTIONS"))).containsEntry("Access-Control-Allow-Methods", "GET,OPTIONS");
    }
}
