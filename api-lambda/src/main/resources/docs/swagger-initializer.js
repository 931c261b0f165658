// A relative URL: resolved against the page, it finds the document under any stage prefix.
window.ui = SwaggerUIBundle({
  url: "openapi.yaml",
  dom_id: "#swagger-ui",
  deepLinking: true,
  displayRequestDuration: true,
  // The document's server is "." (whatever address served it); the server box shows the address
  // that resolves to, so a reader sees which deployment "Try it out" calls.
  onComplete: () => {
    const spec = window.ui.specSelectors.specJson().toJS();
    const servers = (spec.servers || []).map((server) =>
        Object.assign({}, server, {url: new URL(server.url, new URL("openapi.yaml", location.href)).href.replace(/\/$/, "")}));
    if (servers.some((server, i) => server.url !== spec.servers[i].url)) {
      window.ui.specActions.updateSpec(JSON.stringify(Object.assign(spec, {servers})));
    }
  }
});
