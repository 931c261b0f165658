package org.piservice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plain unit test of route matching and the 404/405 answers; needs nothing running. */
class RouterTest {

    private final Router router = new Router()
            .add("POST", "/pi_job", (request, parameters) -> ApiResponse.json(202, Map.of("route", "create")))
            .add("GET", "/pi_job/{job_id}", (request, parameters) -> ApiResponse.json(200, parameters))
            .add("GET", "/", (request, parameters) -> ApiResponse.json(200, Map.of("route", "docs")));

    private static ApiRequest request(String method, String path) {
        return new ApiRequest(method, path, Map.of(), null, false, "/prod", "test");
    }

    @Test
    void passesPathParametersAsSent() {
        assertThat(router.route(request("GET", "/pi_job/abc-1")).body()).isEqualTo("{\"job_id\":\"abc-1\"}");
        assertThat(router.route(request("GET", "/pi_job/%2E%2E")).body()).isEqualTo("{\"job_id\":\"%2E%2E\"}");
        assertThat(router.route(request("GET", "/")).body()).contains("docs");
    }

    /** As the deployed gateway routes it: the resource of /pi_job/ is /pi_job's. */
    @Test
    void aTrailingSlashReachesTheResourceWithoutIt() {
        assertThat(router.route(request("POST", "/pi_job/")).body()).contains("create");
        assertThat(router.route(request("GET", "/pi_job/abc-1/")).body()).isEqualTo("{\"job_id\":\"abc-1\"}");

        ApiException e = catchThrowableOfType(ApiException.class, () -> router.route(request("GET", "/pi_job/")));
        assertThat(e.response().status()).isEqualTo(405);
        assertThat(e.getMessage()).isEqualTo("method GET is not allowed on /pi_job/; use POST");
    }

    @Test
    void answersAnUnknownPathWith404() {
        ApiException e = catchThrowableOfType(ApiException.class, () -> router.route(request("GET", "/pi_job/../../etc/passwd")));

        assertThat(e.response().status()).isEqualTo(404);
        assertThat(e.response().body()).isEqualTo(
                "{\"success\":false,\"error\":\"no such resource: GET /pi_job/../../etc/passwd; the API is described at /prod/\"}");
    }

    @Test
    void answersAKnownPathWithAnotherMethodWith405AndAllow() {
        ApiException e = catchThrowableOfType(ApiException.class, () -> router.route(request("DELETE", "/pi_job")));

        assertThat(e.response().status()).isEqualTo(405);
        assertThat(e.response().headers().get("Allow")).isEqualTo("POST");
        assertThat(e.getMessage()).isEqualTo("method DELETE is not allowed on /pi_job; use POST");
    }

    @Test
    void takesHeadWhereverGetIsAndListsItWithGet() {
        assertThat(router.route(request("HEAD", "/pi_job/abc-1")).body()).isEqualTo("{\"job_id\":\"abc-1\"}");

        ApiException e = catchThrowableOfType(ApiException.class, () -> router.route(request("HEAD", "/pi_job")));
        assertThat(e.response().status()).isEqualTo(405);
        assertThat(e.response().headers().get("Allow")).isEqualTo("POST");
        ApiException post = catchThrowableOfType(ApiException.class, () -> router.route(request("POST", "/")));
        assertThat(post.response().headers().get("Allow")).isEqualTo("GET, HEAD");
    }

    @Test
    void abbreviatesALongPathInItsMessage() {
        ApiException e = catchThrowableOfType(ApiException.class, () -> router.route(request("GET", "/x" + "y".repeat(5000))));

        assertThat(e.getMessage()).hasSizeLessThan(200);
    }
}
