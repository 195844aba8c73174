// Entry of the wallboard: one live store for the page, rendered by React 18.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { CredentialsContext, liveUrl } from "./lib/http.ts";
import { Credentials } from "./lib/credentials.ts";
import { LiveAgents } from "./lib/live-agents.ts";
import "./styles.css";

const credentials = new Credentials();
const store = new LiveAgents(liveUrl(), credentials);
store.start();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <CredentialsContext.Provider value={credentials}>
      <App store={store} credentials={credentials} />
    </CredentialsContext.Provider>
  </StrictMode>,
);
