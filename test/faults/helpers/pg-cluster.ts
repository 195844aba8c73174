// A throw-away PostgreSQL cluster for one fault test: initdb into a temporary directory, a free port,
// the machine's own binaries (/usr/lib/postgresql/<newest>/bin). The test may stop, kill -9 and restart it;
// the machine's server on 5432 is never touched.
//
//   const cluster = await PgCluster.create({ password: "s3cret" });   // scram auth for TCP when a password is set
//   cluster.url("app")          // postgresql://postgres[:pw]@127.0.0.1:<port>/app
//   await cluster.createDatabase("app");
//   await cluster.stop("immediate" | "fast"); await cluster.kill9(); await cluster.start();
//   await cluster.destroy();
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../../scenarios/free-port.ts";
import { sleep } from "../../helpers/wait-for.ts";

const exec = promisify(execFile);

export function postgresBinDir(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], "bin") : null;
}

/** initdb refuses to run as root: run initdb and the server as the `postgres` user then. */
const asRoot = userInfo().uid === 0;

async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  if (!asRoot) return null;
  const uid = Number((await exec("id", ["-u", "postgres"])).stdout.trim());
  const gid = Number((await exec("id", ["-g", "postgres"])).stdout.trim());
  return { uid, gid };
}

export class PgCluster {
  private server: ChildProcess | null = null;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly password: string | null,
    private readonly bin: string,
    private readonly user: { uid: number; gid: number } | null,
  ) {}

  /** `parentDir`: where the cluster's directory goes (default the system's temporary directory). */
  static async create(options: { password?: string; parentDir?: string } = {}): Promise<PgCluster> {
    const bin = postgresBinDir();
    if (!bin) throw new Error("no PostgreSQL binaries in /usr/lib/postgresql/*/bin");
    const dir = await mkdtemp(path.join(options.parentDir ?? tmpdir(), "aa-pg-"));
    const data = path.join(dir, "data");
    const user = await postgresUser();
    if (user) await chown(dir, user.uid, user.gid);
    await chmod(dir, 0o700);
    const pwFile = path.join(dir, "pw");
    if (options.password) {
      await writeFile(pwFile, `${options.password}\n`, { mode: 0o600 });
      if (user) await chown(pwFile, user.uid, user.gid);
    }
    const auth = options.password ? ["--auth-host=scram-sha-256", "--auth-local=trust", `--pwfile=${pwFile}`] : ["--auth=trust"];
    await exec(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C", ...auth], { ...(user ?? {}) });
    const cluster = new PgCluster(dir, await freePort(), options.password ?? null, bin, user);
    await cluster.start();
    return cluster;
  }

  url(database = "postgres"): string {
    const credentials = this.password ? `postgres:${encodeURIComponent(this.password)}` : "postgres";
    return `postgresql://${credentials}@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    if (this.server && (await this.answers())) return;
    if (this.server) await this.stop("immediate");
    // fsync off: a throw-away cluster; the faults under test are the service's, not the disk's.
    const args = ["-D", path.join(this.dir, "data"), "-p", String(this.port), "-k", this.dir, "-h", "127.0.0.1", "-c", "fsync=off", "-c", "logging_collector=off"];
    const server = spawn(path.join(this.bin, "postgres"), args, { stdio: "ignore", ...(this.user ?? {}) });
    this.server = server;
    server.once("exit", () => {
      if (this.server === server) this.server = null;
    });
    for (let i = 0; i < 200; i++) {
      if (await this.answers()) return;
      if (!this.server) throw new Error(`PostgreSQL on ${this.port} exited during start`);
      await sleep(50);
    }
    throw new Error(`PostgreSQL on ${this.port} did not start`);
  }

  /** fast: a clean shutdown (connections closed); immediate: no checkpoint, like a crash of every backend. */
  async stop(mode: "fast" | "immediate" = "fast"): Promise<void> {
    const server = this.server;
    if (!server) return;
    const exited = new Promise((resolve) => server.once("exit", resolve));
    // SIGINT = fast shutdown, SIGQUIT = immediate.
    server.kill(mode === "fast" ? "SIGINT" : "SIGQUIT");
    await exited;
    this.server = null;
  }

  /** kill -9 of the postmaster and its backends, as an OOM killer or a crash would. */
  async kill9(): Promise<void> {
    const server = this.server;
    if (!server?.pid) return;
    const exited = new Promise((resolve) => server.once("exit", resolve));
    await exec("pkill", ["-KILL", "-P", String(server.pid)]).catch(() => undefined); // its backends, by parent pid
    server.kill("SIGKILL");
    await exited;
    this.server = null;
    await rm(path.join(this.dir, "data", "postmaster.pid"), { force: true });
  }

  async createDatabase(name: string): Promise<void> {
    await this.admin(`CREATE DATABASE "${name}"`);
  }

  /** One statement as the superuser on the `postgres` database. */
  async admin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, database = "postgres"): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url(database), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  async destroy(): Promise<void> {
    await this.stop("immediate").catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async answers(): Promise<boolean> {
    try {
      await exec(path.join(this.bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(this.port), "-q"]);
      return true;
    } catch {
      return false;
    }
  }
}
