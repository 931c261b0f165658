package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Plain unit test: the queue message's format, no AWS. */
class JobMessageTest {

    private static final String ID = "0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7b";

    @Test
    void roundTrips() {
        JobMessage message = new JobMessage(ID, 1000);

        assertThat(JobMessage.parse(message.toJson())).isEqualTo(message);
        assertThat(message.toJson()).isEqualTo("{\"job_id\":\"" + ID + "\",\"digits\":1000}");
    }

    @Test
    void ignoresFieldsANewerSenderAdds() {
        assertThat(JobMessage.parse("{\"job_id\":\"" + ID + "\",\"digits\":7,\"priority\":\"high\"}"))
                .isEqualTo(new JobMessage(ID, 7));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "``                                                            | empty",
            "`   `                                                         | empty",
            "not json                                                      | not JSON",
            "{\"job_id\":                                                  | not JSON",
            "[]                                                            | not a JSON object",
            "\"text\"                                                      | not a JSON object",
            "42                                                            | not a JSON object",
            "null                                                          | not a JSON object",
            "{}                                                            | job_id",
            "{\"digits\":5}                                                | job_id",
            "{\"job_id\":5,\"digits\":5}                                   | job_id",
            "{\"job_id\":\"../etc/passwd\",\"digits\":5}                   | job_id",
            "{\"job_id\":\"0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7b\"}         | digits",
            "{\"job_id\":\"0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7b\",\"digits\":\"100\"} | digits",
            "{\"job_id\":\"0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7b\",\"digits\":1.5}     | digits",
            "{\"job_id\":\"0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7b\",\"digits\":1e400}   | digits",
            "{\"job_id\":\"0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7b\",\"digits\":99999999999} | digits",
            "{\"job_id\":\"0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7b\",\"digits\":0}       | digits must be at least 1",
            "{\"job_id\":\"0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7b\",\"digits\":-3}      | digits must be at least 1",
    })
    void rejectsGarbageWithAReason(String body, String reason) {
        assertThatThrownBy(() -> JobMessage.parse(body))
                .isInstanceOf(JobMessage.InvalidMessageException.class)
                .hasMessageContaining(reason);
    }
}
