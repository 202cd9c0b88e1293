import type { Case } from '../../contracts/generated/api.ts';
import { runCaseScheduler } from '../../exchange/cases/scheduler.ts';
import type { ManualClock } from '../../exchange/clock.ts';
import { buildDepartment, buildNode, buildSystem, buildUser, type TestApp } from './app.ts';
import { buildDataset, licenceContract } from './catalog.ts';

/** 10:00 in China on a day: when offices act. */
export const at = (day: string, time = '10:00') => new Date(`${day}T${time}:00+08:00`);

/**
 * A province data bureau supervising three city departments: market regulation (provider of
 * conditional, unconditional and not-shared datasets, with A and B posts), tax (a second provider),
 * and human resources (the consumer, with a system). Plus an outsider department.
 */
export async function buildCaseWorld(t: TestApp) {
  const province = await buildDepartment(t, { name: '江西省数据局', level: 'province' });
  const city = (name: string) => buildDepartment(t, { name, parentId: province.id });
  const market = await city('新余市市场监督管理局');
  const tax = await city('新余市税务局');
  const hrss = await city('新余市人力资源和社会保障局');
  const outsiders = await city('新余市无关局');
  const approverA = await buildUser(t, [{ role: 'approver', departmentId: market.id }]);
  const backupA = await buildUser(t, [{ role: 'approver', departmentId: market.id }]);
  const headA = await buildUser(t, [{ role: 'dept_admin', departmentId: market.id }]);
  const approverB = await buildUser(t, [{ role: 'approver', departmentId: tax.id }]);
  const provinceApprover = await buildUser(t, [{ role: 'approver', departmentId: province.id }]);
  const consumer = await buildUser(t, [{ role: 'approver', departmentId: hrss.id }]);
  const outsider = await buildUser(t, [{ role: 'approver', departmentId: outsiders.id }]);
  const system = await buildSystem(t, hrss.id);
  const node = await buildNode(t, market.id);
  const contacts = { primary: approverA.user.id, backup: backupA.user.id };
  const licences = await buildDataset(t, market.id, { contacts });
  const taxRecords = await buildDataset(t, tax.id, { name: '纳税信用等级' });
  const openLicences = await buildDataset(t, market.id, { name: '营业执照公示信息', sharingType: 'unconditional', contacts });
  const plain = licenceContract();
  delete plain.fields.legalRepresentative!.sharingType;
  const closed = await buildDataset(t, market.id, {
    name: '企业内部监管记录',
    contract: plain,
    sharingType: 'none',
    legalBasis: '《市场监督管理行政执法内部规定》第十二条：执法内部记录不予共享',
  });
  return { province, market, tax, hrss, outsiders, approverA, backupA, headA, approverB, provinceApprover, consumer, outsider, system, node, licences, taxRecords, openLicences, closed };
}

export type CaseWorld = Awaited<ReturnType<typeof buildCaseWorld>>;

export async function fileRequest(t: TestApp, token: string, body: Record<string, unknown>): Promise<Case> {
  const res = await t.call(token, { method: 'POST', url: '/v1/requests', payload: { purpose: '业务协同', modes: ['pull'], ...body } });
  if (res.statusCode !== 201) throw new Error(`fileRequest: ${res.statusCode} ${res.body}`);
  return res.json();
}

export function act(t: TestApp, token: string, trackingNo: string, body: Record<string, unknown>) {
  return t.call(token, { method: 'POST', url: `/v1/cases/${trackingNo}/actions`, payload: body });
}

export async function acted(t: TestApp, token: string, trackingNo: string, body: Record<string, unknown>): Promise<Case> {
  const res = await act(t, token, trackingNo, body);
  if (res.statusCode !== 200) throw new Error(`${body.action}: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function caseOf(t: TestApp, token: string, trackingNo: string): Promise<Case> {
  const res = await t.call(token, { method: 'GET', url: `/v1/cases/${trackingNo}` });
  if (res.statusCode !== 200) throw new Error(`caseOf: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Moves the clock to a day and runs the scheduler there. */
export async function schedulerOn(t: TestApp, clock: ManualClock, day: string, time = '10:00') {
  clock.set(at(day, time));
  return runCaseScheduler(t.database.db, clock.now(), t.config);
}
