// Entry of the wallboard: one live store for the page, rendered by React 18.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { liveUrl } from "./lib/http.ts";
import { LiveAgents } from "./lib/live-agents.ts";
import "./styles.css";

const store = new LiveAgents(liveUrl());
store.start();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
