// A CRM front-end on its own origin: ?client=apollo|urql&api=http://host:port (the service).
import { createRoot } from "react-dom/client";
import { ApolloPage } from "./apollo-page.tsx";
import { UrqlPage } from "./urql-page.tsx";

const params = new URLSearchParams(location.search);
const api = params.get("api") ?? "http://localhost:4000";
createRoot(document.getElementById("root")!).render(params.get("client") === "urql" ? <UrqlPage api={api} /> : <ApolloPage api={api} />);
