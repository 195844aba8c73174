import { describe, expect, it } from "vitest";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { parse, type DocumentNode, type ExecutionResult } from "graphql";
import { SharedExecution, type Delivery } from "../../src/events/shared-execution.ts";
import { SubscriberQueue } from "../../src/events/subscriber-queue.ts";

interface Change {
  extension: string;
  status: string;
  seq: number;
}

/** A tiny source: every subscriber gets its own iterator over the same published event objects. */
class Topic {
  private readonly queues: Array<{ push(event: object): void }> = [];

  iterator(filter: string[] | null): AsyncIterableIterator<object> {
    const buffer: object[] = [];
    const waiting: Array<(r: IteratorResult<object>) => void> = [];
    this.queues.push({
      push: (event) => {
        if (filter && !filter.includes((event as Change).extension)) return;
        const waiter = waiting.shift();
        if (waiter) waiter({ value: event, done: false });
        else buffer.push(event);
      },
    });
    return {
      next: () => (buffer.length ? Promise.resolve({ value: buffer.shift()!, done: false }) : new Promise((resolve) => waiting.push(resolve))),
      return: () => Promise.resolve({ value: undefined, done: true }),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  publish(event: object): void {
    for (const queue of this.queues) queue.push(event);
  }
}

function setup() {
  const topic = new Topic();
  const schema = makeExecutableSchema({
    typeDefs: `type Query { ok: Boolean }
      type Change { extension: ID! status: String! seq: Int! }
      type Subscription { changes(extensions: [ID!]): Change! }`,
    resolvers: {
      Subscription: {
        changes: { subscribe: (_: unknown, args: { extensions?: string[] }) => topic.iterator(args.extensions ?? null), resolve: (event: Change) => event },
      },
    },
  });
  const shared = new SharedExecution();
  /** `document` is shared between calls the way graphql-ws.ts's parse cache shares it. */
  const subscribe = async (document: DocumentNode, variableValues?: Record<string, unknown>) => {
    const stream = await shared.subscribe({ schema, document, variableValues, contextValue: {} });
    if (!(Symbol.asyncIterator in stream)) throw new Error(JSON.stringify(stream));
    return stream;
  };
  return { topic, shared, subscribe };
}

const take = async (stream: AsyncIterableIterator<ExecutionResult>, n: number) => {
  const results: ExecutionResult[] = [];
  for (let i = 0; i < n; i++) results.push((await stream.next()).value as ExecutionResult);
  return results;
};

const BOARD = parse("subscription Board($extensions: [ID!]) { changes(extensions: $extensions) { extension status } }");
const WALL = parse("subscription Wall($extensions: [ID!]) { changes(extensions: $extensions) { extension status seq } }");
const change = (extension: string, status: string, seq: number): Change => ({ extension, status, seq });

describe("SharedExecution", () => {
  it("executes each event once per cohort and hands every subscriber of it the same result, in order", async () => {
    const { topic, shared, subscribe } = setup();
    const subscribers = await Promise.all([subscribe(BOARD), subscribe(BOARD), subscribe(BOARD, {})]);
    topic.publish(change("1000", "AVAILABLE", 1));
    topic.publish(change("1001", "ON_CALL", 2));
    topic.publish(change("1000", "OFFLINE", 3));
    const results = await Promise.all(subscribers.map((s) => take(s, 3)));
    expect(results[0]!.map((r) => r.data)).toEqual([
      { changes: { extension: "1000", status: "AVAILABLE" } },
      { changes: { extension: "1001", status: "ON_CALL" } },
      { changes: { extension: "1000", status: "OFFLINE" } },
    ]);
    for (const other of results.slice(1)) other.forEach((result, i) => expect(result).toBe(results[0]![i])); // the same object
    expect(shared.executions).toBe(3);
  });

  it("executes separately for different selection sets and different variables", async () => {
    const { topic, shared, subscribe } = setup();
    const board = await subscribe(BOARD);
    const wall = await subscribe(WALL);
    const team = await subscribe(BOARD, { extensions: ["1000"] });
    topic.publish(change("1000", "RINGING", 7));
    const [[b], [w], [t]] = await Promise.all([take(board, 1), take(wall, 1), take(team, 1)]);
    expect(b!.data).toEqual({ changes: { extension: "1000", status: "RINGING" } });
    expect(w!.data).toEqual({ changes: { extension: "1000", status: "RINGING", seq: 7 } });
    expect(t!.data).toEqual(b!.data);
    expect(t).not.toBe(b);
    expect(shared.executions).toBe(3);
  });

  it("gives a filtered subscriber only its extensions, and events made for one subscriber are executed for it alone", async () => {
    const { topic, shared, subscribe } = setup();
    const team = await subscribe(BOARD, { extensions: ["1001"] });
    const all = await subscribe(BOARD);
    topic.publish(change("1000", "AVAILABLE", 1));
    topic.publish(change("1001", "BUSY", 2));
    const [[first], teamResults] = await Promise.all([take(all, 1), take(team, 1)]);
    expect(first!.data).toEqual({ changes: { extension: "1000", status: "AVAILABLE" } });
    expect(teamResults[0]!.data).toEqual({ changes: { extension: "1001", status: "BUSY" } });
    expect(shared.executions).toBe(2);
  });

  it("sorts variables so that the same values in another key order share a cohort", async () => {
    const { topic, shared, subscribe } = setup();
    const doc = parse("subscription S($extensions: [ID!], $x: Int) { changes(extensions: $extensions) { extension } }");
    const a = await subscribe(doc, { extensions: ["1000"], x: 1 });
    const b = await subscribe(doc, { x: 1, extensions: ["1000"] });
    topic.publish(change("1000", "AVAILABLE", 1));
    const [[ra], [rb]] = await Promise.all([take(a, 1), take(b, 1)]);
    expect(ra).toBe(rb);
    expect(shared.executions).toBe(1);
  });

  it("returns errors of the source stream instead of a stream", async () => {
    const { shared } = setup();
    const schema = makeExecutableSchema({
      typeDefs: "type Query { ok: Boolean } type Subscription { broken: Int }",
      resolvers: { Subscription: { broken: { subscribe: () => { throw new Error("no stream"); } } } },
    });
    const result = await shared.subscribe({ schema, document: parse("subscription { broken }") });
    expect(Symbol.asyncIterator in result).toBe(false);
    expect((result as ExecutionResult).errors?.[0]?.message).toBe("no stream");
  });
});

describe("SharedExecution, argument-free root fields", () => {
  function argumentSetup() {
    const topic = new Topic();
    const seen: Array<Record<string, unknown>> = [];
    const schema = makeExecutableSchema({
      typeDefs: `type Query { ok: Boolean }
        type Change { extension: ID! status: String! seq: Int! tag: String }
        type Subscription { changes(extensions: [ID!]): Change! tagged(extensions: [ID!], tag: String!): Change! }`,
      resolvers: {
        Subscription: {
          changes: { subscribe: (_: unknown, args: { extensions?: string[] }) => topic.iterator(args.extensions ?? null), resolve: (event: Change, args: Record<string, unknown>) => (seen.push(args), event) },
          tagged: { subscribe: (_: unknown, args: { extensions?: string[] }) => topic.iterator(args.extensions ?? null), resolve: (event: Change, args: { tag: string }) => ({ ...event, tag: args.tag }) },
        },
      },
    });
    const shared = new SharedExecution(undefined, undefined, new Set(["changes"]));
    const subscribe = async (document: DocumentNode, variableValues?: Record<string, unknown>) => {
      const stream = await shared.subscribe({ schema, document, variableValues, contextValue: {} });
      if (!(Symbol.asyncIterator in stream)) throw new Error(JSON.stringify(stream));
      return stream;
    };
    return { topic, seen, subscribe };
  }

  it("executes each event without the field's arguments, keeping the stream they chose and the variables used elsewhere", async () => {
    const { topic, seen, subscribe } = argumentSetup();
    const doc = parse("subscription S($extensions: [ID!], $verbose: Boolean!) { changes(extensions: $extensions) { extension status seq @include(if: $verbose) } }");
    const verbose = await subscribe(doc, { extensions: ["1001"], verbose: true });
    const terse = await subscribe(doc, { extensions: ["1001"], verbose: false });
    topic.publish(change("1000", "AVAILABLE", 1)); // not chosen by either stream
    topic.publish(change("1001", "BUSY", 2));
    const [[v], [t]] = await Promise.all([take(verbose, 1), take(terse, 1)]);
    expect(v!.errors).toBeUndefined();
    expect(v!.data).toEqual({ changes: { extension: "1001", status: "BUSY", seq: 2 } });
    expect(t!.data).toEqual({ changes: { extension: "1001", status: "BUSY" } });
    expect(seen).toEqual([{}, {}]); // no list of extensions coerced per event
  });

  it("keeps the arguments of a root field not declared argument-free", async () => {
    const { topic, subscribe } = argumentSetup();
    const stream = await subscribe(parse("subscription T($tag: String!) { tagged(tag: $tag) { extension tag } }"), { tag: "east" });
    topic.publish(change("1000", "AVAILABLE", 1));
    const [result] = await take(stream, 1);
    expect(result!.data).toEqual({ tagged: { extension: "1000", tag: "east" } });
  });
});

describe("SharedExecution, direct delivery to a socket", () => {
  /** Subscribers on SubscriberQueues (as the hub's), each with a recording Delivery. */
  function direct() {
    const queues: Array<{ queue: SubscriberQueue<object>; filter: string[] | null }> = [];
    const schema = makeExecutableSchema({
      typeDefs: `type Query { ok: Boolean }
        type Change { extension: ID! status: String! seq: Int! late: String }
        type Subscription { changes(extensions: [ID!]): Change! }`,
      resolvers: {
        Change: { late: (change: Change & { late?: boolean }) => (change.late ? Promise.resolve("later") : null) },
        Subscription: {
          changes: {
            subscribe: (_: unknown, args: { extensions?: string[] }) => {
              const queue = new SubscriberQueue<object>((event) => (event as Change).extension, 2, () => undefined);
              queues.push({ queue, filter: args.extensions ?? null });
              return queue;
            },
            resolve: (event: Change) => event,
          },
        },
      },
    });
    const deliveries = new Map<object, Delivery>();
    const shared = new SharedExecution(() => "", (context) => deliveries.get(context as object));
    const publish = (event: Change & { late?: boolean }) => {
      for (const { queue, filter } of queues) if (!filter || filter.includes(event.extension)) queue.push(event);
    };
    const subscribe = async (id: string, document: DocumentNode, variableValues?: Record<string, unknown>) => {
      const frames: Buffer[] = [];
      let full = false;
      let drained: (() => void) | null = null;
      const contextValue = {};
      deliveries.set(contextValue, {
        id,
        frame: (message) => Buffer.from(message),
        write: (frame, onDrained) => {
          frames.push(frame);
          if (!full) return true;
          drained = onDrained;
          return false;
        },
      });
      const stream = (await shared.subscribe({ schema, document, variableValues, contextValue })) as AsyncIterableIterator<ExecutionResult>;
      return {
        stream,
        texts: () => frames.map(String),
        frames,
        backUp: () => (full = true),
        drain: () => {
          full = false;
          const resume = drained;
          drained = null;
          resume?.();
        },
      };
    };
    return { shared, publish, subscribe, queues };
  }
  /** What graphql-ws's own emit.next would have sent for this result. */
  const graphqlWsFrame = (id: string, result: ExecutionResult) => JSON.stringify({ id, type: "next", payload: result });

  it("writes graphql-ws's exact next frames, serialised once per cohort, the operation id spliced in", async () => {
    const { shared, publish, subscribe } = direct();
    const [a, b, c] = [await subscribe("1", BOARD_DIRECT), await subscribe("1", BOARD_DIRECT), await subscribe("op-\"7\"", BOARD_DIRECT)];
    publish(change("1000", "AVAILABLE", 1));
    publish(change("1001", "ON_CALL", 2));
    const data = (extension: string, status: string) => ({ data: { changes: { extension, status } } });
    expect(a.texts()).toEqual([graphqlWsFrame("1", data("1000", "AVAILABLE")), graphqlWsFrame("1", data("1001", "ON_CALL"))]);
    expect(c.texts()).toEqual([graphqlWsFrame('op-"7"', data("1000", "AVAILABLE")), graphqlWsFrame('op-"7"', data("1001", "ON_CALL"))]);
    expect(b.frames[0]).toBe(a.frames[0]); // the same bytes, not just equal ones
    expect(shared.executions).toBe(2);
  });

  it("keeps the order across an asynchronous execution, and a backed-up socket queues (latest per agent) until drained", async () => {
    const { publish, subscribe, queues } = direct();
    const doc = parse("subscription { changes { extension status late } }");
    const s = await subscribe("1", doc);
    publish({ ...change("1000", "RINGING", 1), late: true });
    publish(change("1001", "AVAILABLE", 2));
    expect(s.texts()).toEqual([]); // waits for the first one
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.texts().map((t) => JSON.parse(t).payload.data.changes.extension)).toEqual(["1000", "1001"]);

    s.backUp();
    publish(change("1000", "ON_CALL", 3)); // written, and the socket says it is full
    for (let seq = 4; seq < 10; seq++) publish(change(seq % 2 ? "1001" : "1002", `S${seq}`, seq));
    expect(s.frames).toHaveLength(3);
    expect(queues[0]!.queue.length).toBeGreaterThan(0);
    s.drain();
    const statuses = s.texts().slice(3).map((t) => JSON.parse(t).payload.data.changes.status);
    expect(statuses).toEqual(["S8", "S9"]); // compacted past maxQueue: the latest of each agent, in order
  });

  it("ends when the queue closes; return() (the client's complete) closes the queue", async () => {
    const { subscribe, queues, publish } = direct();
    const s = await subscribe("1", BOARD_DIRECT);
    const next = s.stream.next();
    await s.stream.return!();
    expect(await next).toEqual({ value: undefined, done: true });
    publish(change("1000", "AVAILABLE", 1));
    expect(s.frames).toHaveLength(0);
    const t = await subscribe("2", BOARD_DIRECT);
    const ended = t.stream.next();
    queues[1]!.queue.close();
    expect(await ended).toEqual({ value: undefined, done: true });
  });

  it("a change reaches every subscription of a cohort from one execution, in any order of cohorts; nothing is kept per cohort after its last subscription", async () => {
    const { shared, publish, subscribe, queues } = direct();
    const wall = parse("subscription Wall($extensions: [ID!]) { changes(extensions: $extensions) { extension status seq } }");
    const subs = [await subscribe("1", BOARD_DIRECT), await subscribe("1", wall), await subscribe("1", BOARD_DIRECT), await subscribe("1", wall)];
    expect(shared.directCohorts).toBe(2);
    publish(change("1000", "AVAILABLE", 1));
    publish(change("1001", "ON_CALL", 2));
    expect(shared.executions).toBe(4); // two events × two cohorts
    expect(subs[2]!.frames[1]).toBe(subs[0]!.frames[1]);
    expect(subs[3]!.texts()).toEqual(subs[1]!.texts());
    expect(JSON.parse(subs[3]!.texts()[1]!).payload.data.changes).toEqual({ extension: "1001", status: "ON_CALL", seq: 2 });
    for (const { queue } of queues) queue.close();
    expect(shared.directCohorts).toBe(0);
  });
});

const BOARD_DIRECT = parse("subscription Board($extensions: [ID!]) { changes(extensions: $extensions) { extension status } }");
