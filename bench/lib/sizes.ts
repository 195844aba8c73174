// Sizes of every scenario: the figures for the full run (~15 min), small ones for --quick (CI,
// under a minute). Targets never change with the mode; only how much load proves them.

export interface Sizes {
  mode: "full" | "quick";
  /** Repetitions of each measured run (medians are reported). */
  reps: number;
  sustained: { agents: number; rate: number; seconds: number; headroomRates: number[]; drainMs: number };
  burst: { contacts: number; subscribers: number; teamSize: number; timeoutMs: number };
  fanout: Array<{ subscribers: number; rate: number; seconds: number; teamSize: number; agents: number }>;
  queries: { agents: number; seconds: number; connections: number };
  resync: { contacts: number; timeoutMs: number };
  soak: { agents: number; rate: number; seconds: number; baselineSeconds: number; sampleEveryMs: number };
}

export function sizesFor(quick: boolean): Sizes {
  if (quick) {
    return {
      mode: "quick",
      reps: 1,
      sustained: { agents: 2000, rate: 5000, seconds: 1.5, headroomRates: [], drainMs: 1000 },
      burst: { contacts: 2000, subscribers: 20, teamSize: 50, timeoutMs: 4000 },
      fanout: [{ subscribers: 100, rate: 100, seconds: 1, teamSize: 50, agents: 2000 }],
      queries: { agents: 2000, seconds: 0.7, connections: 16 },
      resync: { contacts: 2000, timeoutMs: 4000 },
      soak: { agents: 2000, rate: 2000, seconds: 2, baselineSeconds: 1, sampleEveryMs: 250 },
    };
  }
  return {
    mode: "full",
    reps: 3,
    sustained: { agents: 2000, rate: 5000, seconds: 8, headroomRates: [10000, 20000], drainMs: 8000 },
    burst: { contacts: 5000, subscribers: 200, teamSize: 50, timeoutMs: 20000 },
    // BENCH_FANOUT=5000: only the sizes named (a targeted look; a full run measures all three).
    fanout: [
      { subscribers: 1000, rate: 100, seconds: 6, teamSize: 50, agents: 2000 },
      // Issue 13's fan-out floor figure: 5,000 dashboards, each told of 2 changes a second.
      { subscribers: 5000, rate: 80, seconds: 5, teamSize: 50, agents: 2000 },
      // 40 changes/s: each of the 10,000 gets one message a second, Hasura's published bar.
      { subscribers: 10000, rate: 40, seconds: 5, teamSize: 50, agents: 2000 },
    ].filter((size) => !process.env.BENCH_FANOUT || process.env.BENCH_FANOUT.split(",").includes(String(size.subscribers))),
    queries: { agents: 2000, seconds: 3, connections: 16 },
    resync: { contacts: 5000, timeoutMs: 20000 },
    soak: { agents: 2000, rate: 2000, seconds: 600, baselineSeconds: 40, sampleEveryMs: 5000 },
  };
}
