// One GraphQL execution per (event, cohort) instead of one per subscriber per event. A cohort is every
// subscription with the same document, operation and variables: for the same source event they produce
// the same result, so the first subscriber to reach an event executes it and the others reuse that
// result object. Per-subscriber events (a snapshot built for one subscriber) are separate objects and so
// are executed for that subscriber alone. Results are keyed weakly by the event: once every subscriber
// has passed an event, it and its results can be collected.
//
// The context changes results only through authorisation (the caller's role hides fields), so the
// owner passes `partition`, which puts the role into the cohort key; loaders read the same data.
import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from "graphql";

type Result = ExecutionResult | Promise<ExecutionResult>;

export class SharedExecution {
  private readonly results = new WeakMap<object, Map<string, Result>>();
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  private nextDocumentId = 1;

  constructor(private readonly partition: (contextValue: unknown) => string = () => "") {}
  /** GraphQL executions run (for tests and metrics). */
  executions = 0;

  /** graphql-ws's `subscribe`: the source stream of `args`, each event executed once per cohort. */
  subscribe = async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source; // errors before the stream started
    const cohort = this.cohortKey(args);
    return mapResults(source[Symbol.asyncIterator](), (event) => this.resultFor(event, cohort, args));
  };

  private resultFor(event: unknown, cohort: string, args: ExecutionArgs): Result {
    if (typeof event !== "object" || event === null) return this.run(event, args);
    let byCohort = this.results.get(event);
    if (!byCohort) {
      byCohort = new Map();
      this.results.set(event, byCohort);
    }
    let result = byCohort.get(cohort);
    if (result === undefined) {
      result = this.run(event, args);
      byCohort.set(cohort, result);
    }
    return result;
  }

  private run(event: unknown, args: ExecutionArgs): Result {
    this.executions++;
    // What graphql-js's subscribe() does per event: execute with the event as root value.
    return execute({ ...args, rootValue: event });
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
