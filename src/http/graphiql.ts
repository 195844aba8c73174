// GraphiQL served from node_modules (no CDN: the machine may have no internet), with subscriptions
// over graphql-ws on the same /graphql path.
import { createReadStream } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ServerResponse } from "node:http";

const require = createRequire(import.meta.url);
// These files are not in the packages' "exports": locate each package, then the file in it.
const packageFile = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  "react.js": { file: packageFile("react", "umd/react.production.min.js"), type: "text/javascript" },
  "react-dom.js": { file: packageFile("react-dom", "umd/react-dom.production.min.js"), type: "text/javascript" },
  "graphiql.js": { file: packageFile("graphiql", "graphiql.min.js"), type: "text/javascript" },
  "graphiql.css": { file: packageFile("graphiql", "graphiql.min.css"), type: "text/css" },
};

const DEFAULT_QUERY = `# Live agent status: a snapshot, then one delta per change.
subscription {
  agentStatus {
    ... on AgentsSnapshot { epoch seq ts agents { id extension name status available reasons } }
    ... on AgentStatusChanged { epoch seq ts agent { id extension name status available reasons } }
  }
}

# query { agents { extension name status online available deviceState contacts { uri status roundtripUsec } } amiStatus { connected synced reconnects lastEventAt } }
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>GraphiQL · agent availability</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="/graphiql/assets/graphiql.css" />
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="/graphiql/assets/react.js"></script>
  <script src="/graphiql/assets/react-dom.js"></script>
  <script src="/graphiql/assets/graphiql.js"></script>
  <script>
    const url = new URL("/graphql", location.href).href;
    const fetcher = GraphiQL.createFetcher({
      url,
      subscriptionUrl: url.replace(/^http/, "ws"),
      headers: { "apollo-require-preflight": "true" },
    });
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, { fetcher, defaultQuery: ${JSON.stringify(DEFAULT_QUERY)} }),
    );
  </script>
</body>
</html>`;

export function serveGraphiQL(path: string, res: ServerResponse): boolean {
  if (path === "/graphiql" || path === "/graphiql/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" });
    res.end(PAGE);
    return true;
  }
  const asset = path.startsWith("/graphiql/assets/") ? ASSETS[path.slice("/graphiql/assets/".length)] : undefined;
  if (!asset) return false;
  res.writeHead(200, { "content-type": asset.type, "cache-control": "public, max-age=86400" });
  createReadStream(asset.file).pipe(res);
  return true;
}
