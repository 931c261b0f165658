package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Plain unit test: job ids. */
class JobIdTest {

    @Test
    void newIdsAreWellFormedAndDistinct() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = JobId.newId();
            assertThat(JobId.isWellFormed(id)).as(id).isTrue();
            ids.add(id);
        }
        assertThat(ids).hasSize(10_000);
    }

    @Test
    void rejectsWhatTheServiceNeverIssues() {
        assertThat(JobId.isWellFormed(null)).isFalse();
        assertThat(JobId.isWellFormed("")).isFalse();
        assertThat(JobId.isWellFormed("../../etc")).isFalse();
        assertThat(JobId.isWellFormed("1")).isFalse();
        assertThat(JobId.isWellFormed("0B6E3F0E-5A7C-4D2B-9F1E-2C3D4E5F6A7B")).as("upper case").isFalse();
        assertThat(JobId.isWellFormed("0b6e3f0e-5a7c-1d2b-9f1e-2c3d4e5f6a7b")).as("not version 4").isFalse();
        assertThat(JobId.isWellFormed("0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7bé")).isFalse();
        assertThat(JobId.isWellFormed("x".repeat(10_000))).isFalse();
    }

    @Test
    void canonicalFormIsLowerCaseAndLeavesAnythingElseAlone() {
        String id = JobId.newId();
        assertThat(JobId.canonical(id.toUpperCase(Locale.ROOT))).isEqualTo(id);
        assertThat(JobId.canonical(id)).isEqualTo(id);
        assertThat(JobId.canonical("Not-An-Id")).isEqualTo("Not-An-Id");
        assertThat(JobId.canonical("0B6E3F0E-5A7C-1D2B-9F1E-2C3D4E5F6A7B")).as("not version 4")
                .isEqualTo("0B6E3F0E-5A7C-1D2B-9F1E-2C3D4E5F6A7B");
        assertThat(JobId.canonical(null)).isNull();
    }
}
