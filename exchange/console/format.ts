import type { Lang } from './i18n.ts';

/** The console shows every time in China Standard Time, whatever the server's or browser's zone. */
export const consoleZone = 'Asia/Shanghai';

const dateTime = {
  zh: new Intl.DateTimeFormat('zh-CN', {
    timeZone: consoleZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }),
  en: new Intl.DateTimeFormat('en-GB', {
    timeZone: consoleZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }),
};

/** A timestamp in China Standard Time, e.g. 2026/12/04 13:05 (zh) or 4 Dec 2026, 13:05 (en). */
export function formatTime(lang: Lang, iso: string | null | undefined): string {
  if (!iso) return '—';
  return dateTime[lang].format(new Date(iso));
}

/** The calendar day (YYYY-MM-DD) a timestamp falls on in China Standard Time. */
export function dayInChina(at: Date): string {
  return at.toLocaleDateString('sv-SE', { timeZone: consoleZone });
}

/** A datetime-local input's value (a wall-clock time in China) as an instant. */
export function chinaLocalToIso(local: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local)) return null;
  const at = new Date(`${local.length === 16 ? `${local}:00` : local}+08:00`);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

export function formatNumber(lang: Lang, n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');
}
