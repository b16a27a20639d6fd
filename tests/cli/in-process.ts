// The CLI run in-process (main() with captured output), for tests that read its text or JSON.
import { main } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function cli(...argv: string[]): Promise<CliRun> {
  const chunks: Buffer[] = [];
  let err = "";
  const code = await main(argv, {
    stdout: (t: string) => void chunks.push(Buffer.from(t, "utf8")),
    stderr: (t: string) => void (err += t),
    stdoutBytes: (b: Uint8Array) => void chunks.push(Buffer.from(b)),
  } as Parameters<typeof main>[1]);
  return { code, out: Buffer.concat(chunks).toString("utf8"), err };
}

/** The run's stdout; throws with its stderr when it did not exit 0. */
export async function ok(...argv: string[]): Promise<string> {
  const r = await cli(...argv);
  if (r.code !== 0) throw new Error(`layerlens ${argv.join(" ")} exited ${r.code}: ${r.err}`);
  return r.out;
}
