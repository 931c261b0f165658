package org.piservice.contract;

import java.util.Set;

/**
 * The keys of an OpenAPI 3.0 path item that are operations (HTTP methods), as opposed to its
 * other fields (parameters, summary, extensions): the stack and the local gateway both read the
 * document's methods per path with them.
 */
public final class OpenApiOperations {

    public static final Set<String> KEYS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    private OpenApiOperations() {
    }
}
