// One GraphQL execution per (event, cohort) instead of one per subscriber per event. A cohort is every
// subscription with the same document, operation and variables: for the same source event they produce
// the same result, so the first subscriber to reach an event executes it and the others reuse that
// result object. Per-subscriber events (a snapshot built for one subscriber) are separate objects and so
// are executed for that subscriber alone. Results are keyed weakly by the event: once every subscriber
// has passed an event, it and its results can be collected.
//
// The context changes results only through authorisation (the caller's role hides fields), so the
// owner passes `partition`, which puts the role into the cohort key; loaders read the same data.
//
// Root fields whose per-event resolver reads no argument (`argumentFree`: their arguments only chose the
// source stream, which createSourceEventStream already used) are executed per event without them, and
// without the variables only they used: graphql-js would otherwise coerce a dashboard's list of 50
// extensions again for every event (a third of an execution).
//
// Direct delivery: when the owner knows where an operation's messages go (`deliveryOf`, graphql-ws.ts)
// and the source is a SubscriberQueue, events are not handed back through graphql-ws's async iterator
// (a promise, a JSON.stringify and a send promise per subscriber per event): the queue hands each event
// synchronously to a writer that serialises the cohort's result once and writes graphql-ws's exact
// `next` message, `{"id":…,"type":"next","payload":…}`, with the operation's id spliced in, framed once
// for the wire (the delivery's `frame`) and shared by every socket of the cohort. A socket that backs
// up pauses the queue (its usual slow-consumer compaction applies) until the frame is flushed.
import { createSourceEventStream, execute, Kind, visit, type DocumentNode, type ExecutionArgs, type ExecutionResult, type OperationDefinitionNode } from "graphql";
import { SubscriberQueue } from "./subscriber-queue.ts";

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Where one subscription's messages go (one graphql-ws operation on one socket). */
export interface Delivery {
  /** The operation id of graphql-ws's messages. */
  id: string;
  /** The bytes `write` takes for one graphql-ws message (for a WebSocket: the whole text frame). Every
   * delivery of one owner must encode alike: the result is shared by the cohort's deliveries with this id. */
  frame(message: string): Buffer;
  /** Writes one frame; false when the socket is backed up: `drained` is called once it has room again. */
  write(frame: Buffer, drained: () => void): boolean;
}

/** One cohort's result for one event, and its serialised forms (made on first use, shared). */
interface CohortResult {
  result: Result;
  settled?: ExecutionResult;
  payload?: string;
  /** The whole frame for the first operation id that needed it (most clients number operations alike). */
  frameId?: string;
  frame?: Buffer;
}

/** Per cohort of directly delivered subscriptions: the last event one of them took and its entry. A change
 * reaches a cohort's subscriptions one after another, so the rest find it here with one comparison
 * instead of two map lookups each. */
interface CohortMemo {
  event: unknown;
  entry: CohortResult | null;
  /** Subscriptions using it: deleted with the last one. */
  users: number;
}

export class SharedExecution {
  private readonly results = new WeakMap<object, Map<string, CohortResult>>();
  private readonly memos = new Map<string, CohortMemo>();
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  private nextDocumentId = 1;
  /** Per document and operation: the document to execute per event, and the variables it still uses. */
  private readonly eventDocuments = new WeakMap<DocumentNode, Map<string, { document: DocumentNode; variables: readonly string[] } | null>>();

  constructor(
    private readonly partition: (contextValue: unknown) => string = () => "",
    private readonly deliveryOf: (contextValue: unknown) => Delivery | undefined = () => undefined,
    /** Subscription root fields whose per-event resolver (and its auth check) reads no argument. */
    private readonly argumentFree: ReadonlySet<string> = new Set(),
  ) {}
  /** GraphQL executions run (for tests and metrics). */
  executions = 0;

  /** Cohorts with a directly delivered subscription (for tests: none is kept after its last one). */
  get directCohorts(): number {
    return this.memos.size;
  }

  /** graphql-ws's `subscribe`: the source stream of `args`, each event executed once per cohort. */
  subscribe = async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source; // errors before the stream started
    const cohort = this.cohortKey(args);
    const perEvent = this.eventArgs(args);
    const delivery = this.deliveryOf(args.contextValue);
    if (delivery && source instanceof SubscriberQueue) return this.deliverDirectly(source as SubscriberQueue<unknown>, cohort, perEvent, delivery);
    return mapResults(source[Symbol.asyncIterator](), (event) => this.entryFor(event, cohort, perEvent).result);
  };

  /** `args` as each event is executed: without the arguments of argument-free root fields (see above). */
  private eventArgs(args: ExecutionArgs): ExecutionArgs {
    let byOperation = this.eventDocuments.get(args.document);
    if (!byOperation) this.eventDocuments.set(args.document, (byOperation = new Map()));
    const name = args.operationName ?? "";
    let prepared = byOperation.get(name);
    if (prepared === undefined) byOperation.set(name, (prepared = this.withoutStreamArguments(args.document, args.operationName ?? null)));
    if (prepared === null) return args;
    const raw = (args.variableValues ?? {}) as Record<string, unknown>;
    const variableValues: Record<string, unknown> = {};
    for (const variable of prepared.variables) if (variable in raw) variableValues[variable] = raw[variable];
    return { ...args, document: prepared.document, variableValues };
  }

  /** The document with the argument-free root fields' arguments dropped, and the variables still used; null: nothing to drop. */
  private withoutStreamArguments(document: DocumentNode, operationName: string | null): { document: DocumentNode; variables: readonly string[] } | null {
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operationName === null ? (operations.length === 1 ? operations[0] : undefined) : operations.find((o) => o.name?.value === operationName);
    if (!operation || operation.operation !== "subscription") return null;
    let dropped = false;
    const selections = operation.selectionSet.selections.map((selection) => {
      if (selection.kind !== Kind.FIELD || !this.argumentFree.has(selection.name.value) || !selection.arguments?.length) return selection;
      dropped = true;
      return { ...selection, arguments: [] };
    });
    if (!dropped) return null;
    const reduced: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections } };
    // Variables still read anywhere else (nested arguments, directives, fragments) are kept.
    const used = new Set<string>();
    const collect = { Variable: (node: { name: { value: string } }) => void used.add(node.name.value) };
    visit(reduced.selectionSet, collect);
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, collect);
    for (const directive of reduced.directives ?? []) visit(directive, collect);
    const withVariables: OperationDefinitionNode = { ...reduced, variableDefinitions: (operation.variableDefinitions ?? []).filter((v) => used.has(v.variable.name.value)) };
    return { document: { ...document, definitions: document.definitions.map((d) => (d === operation ? withVariables : d)) }, variables: [...used] };
  }

  /**
   * Writes every event of `queue` to `delivery` as it comes. The iterator returned to graphql-ws yields
   * nothing: it ends when the queue closes (graphql-ws then sends `complete`) and its return() (the
   * client's `complete`, the socket closing) closes the queue.
   */
  private deliverDirectly(queue: SubscriberQueue<unknown>, cohort: string, args: ExecutionArgs, delivery: Delivery): AsyncIterableIterator<ExecutionResult> {
    let finish!: (step: IteratorResult<ExecutionResult>) => void;
    let fail!: (error: unknown) => void;
    const ended = new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const prefix = `{"id":${JSON.stringify(delivery.id)},"type":"next","payload":`;
    const resume = () => queue.resume();
    const failed = (error: unknown) => {
      fail(error); // graphql-ws answers with an `error` message, as for a failing iterator
      queue.close();
    };
    const write = (entry: CohortResult): boolean => delivery.write(this.frameOf(entry, delivery, prefix), resume);
    const memo = this.memoOf(cohort);
    queue.attach(
      (event) => {
        try {
          let entry = memo.event === event ? memo.entry : null;
          if (entry === null) {
            entry = this.entryFor(event, cohort, args);
            if (typeof event === "object" && event !== null) {
              memo.event = event;
              memo.entry = entry;
            }
          }
          if (entry.settled) return write(entry);
          // An asynchronous execution: the queue waits for it, so that messages keep their order.
          (entry.result as Promise<ExecutionResult>).then(() => write(entry) && queue.resume(), failed);
          return false;
        } catch (error) {
          failed(error);
          return false;
        }
      },
      () => {
        if (--memo.users === 0) this.memos.delete(cohort);
        finish({ value: undefined, done: true });
      },
    );
    return {
      next: () => ended,
      return: () => {
        queue.close();
        return Promise.resolve({ value: undefined, done: true });
      },
      throw: (error?: unknown) => {
        queue.close();
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** graphql-ws's `next` message for this result, byte for byte what its own stringifyMessage makes, as the delivery frames it. */
  private frameOf(entry: CohortResult, delivery: Delivery, prefix: string): Buffer {
    const id = delivery.id;
    if (entry.frameId === id) return entry.frame!;
    if (entry.payload === undefined) {
      const { errors, ...rest } = entry.settled!;
      entry.payload = JSON.stringify(errors ? { ...rest, errors: errors.map((e) => e.toJSON()) } : rest);
    }
    const frame = delivery.frame(`${prefix}${entry.payload}}`);
    if (entry.frameId === undefined) {
      entry.frameId = id;
      entry.frame = frame;
    }
    return frame;
  }

  /** The cohort's memo, counted as used by one more subscription. */
  private memoOf(cohort: string): CohortMemo {
    let memo = this.memos.get(cohort);
    if (!memo) this.memos.set(cohort, (memo = { event: undefined, entry: null, users: 0 }));
    memo.users++;
    return memo;
  }

  private entryFor(event: unknown, cohort: string, args: ExecutionArgs): CohortResult {
    if (typeof event !== "object" || event === null) return this.run(event, args);
    let byCohort = this.results.get(event);
    if (!byCohort) {
      byCohort = new Map();
      this.results.set(event, byCohort);
    }
    let entry = byCohort.get(cohort);
    if (entry === undefined) {
      entry = this.run(event, args);
      byCohort.set(cohort, entry);
    }
    return entry;
  }

  private run(event: unknown, args: ExecutionArgs): CohortResult {
    this.executions++;
    // What graphql-js's subscribe() does per event: execute with the event as root value.
    const result = execute({ ...args, rootValue: event });
    const entry: CohortResult = { result };
    if (result instanceof Promise) void result.then((settled) => (entry.settled = settled), () => undefined);
    else entry.settled = result;
    return entry;
  }

  private cohortKey(args: ExecutionArgs): string {
    let id = this.documentIds.get(args.document);
    if (id === undefined) {
      id = this.nextDocumentId++;
      this.documentIds.set(args.document, id);
    }
    return `${this.partition(args.contextValue)}|${id}|${args.operationName ?? ""}|${stableJson(args.variableValues ?? {})}`;
  }
}

/** An iterator over the source that maps each event and passes return()/throw() through (closing it). */
function mapResults(source: AsyncIterator<unknown>, map: (event: unknown) => Result): AsyncIterableIterator<ExecutionResult> {
  const mapped = async (step: IteratorResult<unknown>): Promise<IteratorResult<ExecutionResult>> =>
    step.done ? { value: undefined, done: true } : { value: await map(step.value), done: false };
  return {
    next: () => source.next().then(mapped),
    return: () => (source.return ? source.return().then(mapped) : Promise.resolve({ value: undefined, done: true })),
    throw: (error?: unknown) => (source.throw ? source.throw(error).then(mapped) : Promise.reject(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` variables fall in the same cohort. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
