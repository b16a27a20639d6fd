// One timed pass of the serve suite, in a fresh process: GET the URL, read the body to its end
// (counting, not keeping), print {ms, bytes} as JSON. The same reader for every contender, so
// the only difference between rows is the path the bytes take. It also prints its own CPU time
// (user + system): the reader's share of the machine in each row.
const [url] = process.argv.slice(2);
const t0 = performance.now();
const res = await fetch(url);
if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
let bytes = 0;
for await (const chunk of res.body) bytes += chunk.length;
const cpu = process.cpuUsage();
console.log(JSON.stringify({ ms: performance.now() - t0, bytes, readerCpuMs: (cpu.user + cpu.system) / 1000 }));
