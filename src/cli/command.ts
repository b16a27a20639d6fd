// What a CLI command is and what it writes to: the types every command file implements and
// main.ts dispatches on. Kept apart from main.ts (the entry) so a command never imports the entry.

/** Where a command writes; tests capture it, the process gives stdout and stderr. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface Command {
  summary: string;
  usage: string;
  /** More for `--help` after the usage (exit statuses, notes). */
  help?: string;
  /** The exit status of a failure; 2 where 1 is an answer (diff: the images differ). Default 1. */
  errorExit?: number;
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(argv: string[], io: CliIO): Promise<number>;
}
