/**
 * Another exchange process's event relay, as a process of its own, so a test can kill it
 * (SIGKILL: no shutdown code runs). The database URL is the first argument; the Kafka settings
 * come from the environment as for brx itself. Prints "relaying" once started, then each
 * dataset it leases as "leased <id>" and each offset it has relayed as "relayed <id> <offset>".
 */
import { loadConfig } from '../../exchange/config.ts';
import { createDb } from '../../exchange/db/database.ts';
import { KafkaEventLog } from '../../exchange/events/kafka/kafka-event-log.ts';

const db = createDb({ url: process.argv[2]!, poolSize: 4 });
const log = new KafkaEventLog(db, loadConfig({ ...process.env, BRX_HOME: '/nonexistent' }).kafka!, (m) => console.error(m)).start();
const told = new Map<string, number>();
setInterval(async () => {
  for (const id of log.relay.leased) {
    if (!told.has(id)) console.log(`leased ${id}`);
    const head = await log.head(id);
    if (head !== told.get(id)) console.log(`relayed ${id} ${head}`);
    told.set(id, head);
  }
}, 20);
console.log('relaying');
