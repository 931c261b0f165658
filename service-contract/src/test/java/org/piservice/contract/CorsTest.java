package org.piservice.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CorsTest {

    @Test
    void preflightAllowsThePathsMethodsAndOptions() {
        assertThat(Cors.allowMethods(List.of("GET"))).isEqualTo("GET,OPTIONS");
        assertThat(Cors.allowMethods(List.of("POST", "GET"))).isEqualTo("POST,GET,OPTIONS");
    }

    @Test
    void aPathThatDefinesOptionsItselfIsNotListedTwice() {
        assertThat(Cors.allowMethods(List.of("GET", "OPTIONS"))).isEqualTo("GET,OPTIONS");
    }
}
