import { generateKeyPairSync } from 'node:crypto';
import { ensureFirstAdmin } from '../../exchange/bootstrap.ts';
import { draftDataset, publishDataset } from '../../exchange/catalog/datasets.ts';
import { buildSearchIndexes } from '../../exchange/catalog/search-indexes.ts';
import { findDataset } from '../../exchange/catalog/store.ts';
import type { Config } from '../../exchange/config.ts';
import type { Db } from '../../exchange/db/database.ts';
import { householdDataset } from '../../exchange/demo.ts';
import { createDepartment } from '../../exchange/identity/departments.ts';
import { createNode, createSystem } from '../../exchange/identity/machines.ts';
import { composeIdNumber } from '../../registries/identifiers/id-number.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';

const actor = { actor: { kind: 'platform', name: 'bench' } } as const;

/** The n-th person of a benchmark: a valid ID number, born on one of ~29,000 days in one of two counties. */
export function idOf(i: number): string {
  const region = ['360502', '360521'][i % 2]!;
  const day = Math.floor(i / 2);
  const date = new Date(Date.UTC(1940, 0, 1) + (day % 29_000) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  return composeIdNumber(region, date, Math.floor(day / 29_000));
}

export function personOf(i: number, version = 0): Record<string, unknown> {
  const id = idOf(i);
  return {
    idNumber: id,
    name: '王李张刘陈杨黄赵吴周'[i % 10]! + '伟芳娜敏静丽强磊军洋'[(i * 7 + version) % 10]!,
    gender: Number(id[16]) % 2 ? '1' : '2',
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    householdRegion: id.slice(0, 6),
    address: `江西省新余市渝水区仙来大道${(i + version) % 999}号`,
  };
}

/**
 * 公安 publishing the household dataset through its node, and `consumers` systems of 人社 each
 * holding a grant on it (ID number and address masked, as a typical decision would give).
 */
export async function householdWorld(db: Db, config: Config, consumers: number, modes: string[]) {
  await ensureFirstAdmin(db, config);
  const organ = (n: number, name: string) => ({ code: composeUscc('1', '1', '360500', `0142${String(8300 + n)}`), name, level: 'city' as const });
  const world = await db.transaction().execute(async (trx) => {
    const police = await createDepartment(trx, organ(1, '新余市公安局'), actor);
    const hrss = await createDepartment(trx, organ(2, '新余市人力资源和社会保障局'), actor);
    const node = await createNode(trx, police.id, { name: 'police-node', publicKey: generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString() }, actor);
    const code = await draftDataset(trx, { ...householdDataset, providerDepartmentId: police.id }, actor);
    await publishDataset(trx, code, actor);
    const systems: { id: string; apiKey: string }[] = [];
    for (let i = 0; i < consumers; i++) {
      const s = await createSystem(trx, hrss.id, { name: `bench-consumer-${i + 1}` }, actor);
      systems.push({ id: s.row.id, apiKey: s.apiKey });
    }
    return { police: police.id, nodeId: node.row.id, code, systems };
  });
  const dataset = (await findDataset(db, world.code))!;
  await buildSearchIndexes(db);
  await db
    .insertInto('grants')
    .values(
      world.systems.map((s) => ({
        system_id: s.id,
        dataset_id: dataset.id,
        fields: ['idNumber', 'name', 'gender', 'birthDate', 'address'],
        masked_fields: ['idNumber', 'address'],
        valid_from: new Date(),
        modes,
        purpose: '社会保险待遇资格认证',
      })),
    )
    .execute();
  return { ...world, dataset };
}
