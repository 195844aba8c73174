// The floor of idle memory: bare Apollo Server (standalone, one trivial query), run by plain `node`
// like the production command. Prints its URL on stdout once listening.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const server = new ApolloServer({ typeDefs: "type Query { hello: String }", resolvers: { Query: { hello: () => "world" } } });
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
process.stdout.write(`${url}\n`);
