// Every known-answer case, in the order the harnesses run them. To add a suite (pool, graph,
// image readers, ...), write tests/runtimes/cases/<topic>.ts exporting a KnownAnswerCase[]
// and spread it into the list below; every runtime picks it up with no other change.

import { cacheCases } from "./cache.js";
import { poolCases } from "./pool.js";
import { graphCases } from "./graph.js";
import { imageCases } from "./images.js";
import { zstdCases } from "./zstd.js";
import { sha256Cases } from "./sha256.js";
import { inflateCases } from "./inflate.js";
import { l2Cases } from "./l2.js";
import type { KnownAnswerCase } from "./types.js";

export type { CaseContext, CaseResult, KnownAnswerCase, Lib, RuntimeReport } from "./types.js";

export const cases: KnownAnswerCase[] = [
  ...cacheCases,
  ...poolCases,
  ...graphCases,
  ...imageCases,
  ...zstdCases,
  ...sha256Cases,
  ...inflateCases,
  ...l2Cases,
];
