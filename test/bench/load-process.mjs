// HTTP load in a process of its own, so that the CPU time of a server running in the benchmark's
// process is the server's alone. Options come as JSON on stdin; the result goes as JSON to stdout.
import autocannon from 'autocannon';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const r = await autocannon(JSON.parse(input));
process.stdout.write(
  JSON.stringify({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors }),
);
