// A relative URL: resolved against the page, it finds the document under any stage prefix.
window.ui = SwaggerUIBundle({
  url: "openapi.yaml",
  dom_id: "#swagger-ui",
  deepLinking: true,
  displayRequestDuration: true
});
