import type { ComponentChildren } from 'preact';
import type { Problem } from '../../contracts/generated/api.ts';
import type { PageContext } from './context.ts';
import { errorTitles, type Lang, localDetail, localMessage } from './i18n.ts';

export type Section = 'dashboard' | 'catalog' | 'inbox' | 'mine' | 'grants' | 'publishing' | 'audit';

interface NavItem {
  readonly section: Section;
  readonly href: string;
  readonly shows: (ctx: PageContext) => boolean;
}

/** The navigation follows the person's roles: nobody is shown a page the API would refuse them. */
const nav: readonly NavItem[] = [
  { section: 'dashboard', href: '/', shows: () => true },
  { section: 'catalog', href: '/catalog', shows: () => true },
  { section: 'inbox', href: '/cases', shows: (c) => c.has('approver') || c.has('dept_admin') || c.has('platform_admin') },
  { section: 'mine', href: '/requests', shows: (c) => c.has('approver') || c.has('dept_admin') },
  { section: 'grants', href: '/grants', shows: (c) => c.has('approver') || c.has('dept_admin') || c.has('platform_admin') || c.has('auditor') },
  { section: 'publishing', href: '/publishing', shows: (c) => c.has('dept_admin') || c.has('platform_admin') },
  { section: 'audit', href: '/audit', shows: (c) => c.has('auditor') || c.has('platform_admin') },
];

export function Layout(props: { ctx: PageContext; title: string; section?: Section; scripts?: string[]; children: ComponentChildren }) {
  const { ctx, title, section } = props;
  const t = ctx.t;
  return (
    <html lang={ctx.lang === 'zh' ? 'zh-CN' : 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · brx`}</title>
        <link rel="stylesheet" href="/assets/console.css" />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        {(props.scripts ?? []).map((src) => (
          <script key={src} src={src} defer />
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          {t.skip}
        </a>
        <header class="top">
          <span class="product">{t.product}</span>
          <span class="who">{t.signedInAs(ctx.viewer.person.username)}</span>
          <form method="post" action="/language" class="inline">
            <Csrf ctx={ctx} />
            <input type="hidden" name="lang" value={ctx.lang === 'zh' ? 'en' : 'zh'} />
            <input type="hidden" name="back" value={ctx.url} />
            <button type="submit" class="link" lang={ctx.lang === 'zh' ? 'en' : 'zh'}>
              {t.otherLanguage}
            </button>
          </form>
          <form method="post" action="/logout" class="inline">
            <Csrf ctx={ctx} />
            <button type="submit" class="link">
              {t.signOut}
            </button>
          </form>
        </header>
        <nav aria-label={t.nav} class="nav">
          <ul>
            {nav
              .filter((n) => n.shows(ctx))
              .map((n) => (
                <li key={n.section}>
                  <a href={n.href} aria-current={n.section === section ? 'page' : undefined}>
                    {t[n.section]}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <h1>{title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** The page shell for someone not signed in (the sign-in page, errors before a session). */
export function Bare(props: { lang: Lang; title: string; children: ComponentChildren }) {
  return (
    <html lang={props.lang === 'zh' ? 'zh-CN' : 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · brx`}</title>
        <link rel="stylesheet" href="/assets/console.css" />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <main id="main" class="bare">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

export function Csrf({ ctx }: { ctx: { csrf: string } }) {
  return <input type="hidden" name="_csrf" value={ctx.csrf} />;
}

/**
 * A refusal, in the interface language: the title of its code, then each offending field or
 * record with the validator's message translated; a message brx wrote in English stays as it is
 * under the title, so nothing the API said is lost.
 */
/** Refusals whose detail says nothing the title does not (and an internal error's says nothing at all). */
const titleSaysAll = new Set(['BRX_ERR_INTERNAL', 'BRX_ERR_BAD_CREDENTIALS', 'BRX_ERR_UNAUTHENTICATED']);

export function ProblemBox({ lang, problem, labels = {} }: { lang: Lang; problem: Problem; labels?: Record<string, string> }) {
  const title = errorTitles[lang][problem.code] ?? problem.title;
  const fieldOf = (pointer: string | undefined) => {
    if (!pointer) return null;
    const name = pointer.split('/').filter(Boolean)[0] ?? '';
    return labels[name] ?? name;
  };
  return (
    <div class="problem" role="alert">
      <h2>{title}</h2>
      {problem.errors.length > 0 ? (
        <ul>
          {problem.errors.map((e, i) => (
            <li key={i}>
              {fieldOf(e.pointer) ? <strong>{`${fieldOf(e.pointer)}${lang === 'zh' ? '：' : ': '}`}</strong> : null}
              {localMessage(lang, e.message)}
            </li>
          ))}
        </ul>
      ) : (
        <p>{titleSaysAll.has(problem.code) ? null : localDetail(lang, problem.detail)}</p>
      )}
      {problem.requestId ? <p class="muted">{`${lang === 'zh' ? '请求编号' : 'Request id'}: ${problem.requestId}`}</p> : null}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

/** Green, yellow or red: the deadline flag of an open case, in words as well as colour. */
export function Flag({ lang, flag }: { lang: Lang; flag: string | null }) {
  if (!flag) return <span class="flag none">—</span>;
  const words: Record<string, [string, string]> = {
    green: ['正常', 'On time'],
    yellow: ['临期', 'Due soon'],
    red: ['超期', 'Overdue'],
  };
  const [zh, en] = words[flag] ?? [flag, flag];
  return <span class={`flag ${flag}`}>{lang === 'zh' ? zh : en}</span>;
}

export function NextPage({ href, label }: { href: string | null; label: string }) {
  return href ? (
    <p>
      <a href={href} rel="next">
        {label}
      </a>
    </p>
  ) : null;
}

/** A table's header row: each column a label, or `{ num: label }` for a column of numbers (right-aligned). */
export function Head({ columns }: { columns: (string | { num: string })[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          typeof c === 'string' ? (
            <th key={c} scope="col">
              {c}
            </th>
          ) : (
            <th key={c.num} scope="col" class="num">
              {c.num}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}

/** A filter's drop-down with an "any" first choice; options are [value, words]. */
export function Choice(props: { id: string; label: string; value: string | undefined; options: [string, string][]; any: string }) {
  return (
    <label for={props.id}>
      {props.label}
      <select id={props.id} name={props.id}>
        <option value="">{props.any}</option>
        {props.options.map(([v, l]) => (
          <option key={v} value={v} selected={props.value === v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}
