package org.piservice.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GatewayAnswersTest {

    @Test
    void anErrorBodyInPlainTextIsAJsonStringWhateverItHolds() {
        assertThat(GatewayAnswers.errorBodyOf("say \"no\" \\ twice\n\ttoday"))
                .isEqualTo("{\"success\": false, \"error\": \"say \\\"no\\\" \\\\ twice\\u000a\\u0009today\"}");
    }

    @Test
    void anErrorBodyTakesAJsonValueAsItIs() {
        assertThat(GatewayAnswers.errorBody("$context.error.messageString"))
                .isEqualTo("{\"success\": false, \"error\": $context.error.messageString}");
    }
}
