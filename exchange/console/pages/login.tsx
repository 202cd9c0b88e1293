import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LoginResponse, Problem } from '../../../contracts/generated/api.ts';
import { ApiError, ConsoleApi } from '../api.ts';
import { localPath, one, sendPage } from '../context.ts';
import { type Lang, langOf, texts } from '../i18n.ts';
import { clearSession, csrfBinding, setSession, viewerOf } from '../session.ts';
import { Bare, ProblemBox } from '../ui.tsx';

const text = texts({
  zh: {
    title: '登录',
    intro: '政务数据共享交换平台控制台：数据目录、共享审批、数据发布与审计。',
    username: '用户名',
    password: '密码',
    signIn: '登录',
    signedOut: '您已退出登录。',
  },
  en: {
    title: 'Sign in',
    intro: 'Console of the data-sharing exchange: catalog, approvals, publishing and audit.',
    username: 'Username',
    password: 'Password',
    signIn: 'Sign in',
    signedOut: 'You have signed out.',
  },
});

function LoginPage(props: { lang: Lang; csrf: string; next: string; username?: string; problem?: Problem; signedOut?: boolean }) {
  const t = text(props.lang);
  return (
    <Bare lang={props.lang} title={t.title}>
      <p>{t.intro}</p>
      {props.signedOut ? (
        <p class="notice" role="status">
          {t.signedOut}
        </p>
      ) : null}
      {props.problem ? <ProblemBox lang={props.lang} problem={props.problem} labels={{ username: t.username, password: t.password }} /> : null}
      <form method="post" action="/login" class="stack">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="next" value={props.next} />
        <label for="username">{t.username}</label>
        <input id="username" name="username" autocomplete="username" required value={props.username ?? ''} />
        <label for="password">{t.password}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">{t.signIn}</button>
      </form>
      <form method="post" action="/language" class="inline">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="lang" value={props.lang === 'zh' ? 'en' : 'zh'} />
        <input type="hidden" name="back" value="/login" />
        <button type="submit" class="link" lang={props.lang === 'zh' ? 'en' : 'zh'}>
          {props.lang === 'zh' ? 'English' : '中文'}
        </button>
      </form>
    </Bare>
  );
}

/** Sign-in and sign-out: the session token the API issues becomes an HttpOnly, SameSite=Strict cookie. */
export async function loginPages(c: FastifyInstance) {
  const csrfToken = (request: FastifyRequest, reply: FastifyReply) => reply.generateCsrf({ userInfo: csrfBinding(request) });

  c.get<{ Querystring: { next?: string; bye?: string } }>('/login', async (request, reply) => {
    if (await viewerOf(request)) return reply.redirect(localPath(request.query.next), 303);
    const page = <LoginPage lang={langOf(request)} csrf={await csrfToken(request, reply)} next={localPath(request.query.next)} signedOut={request.query.bye === '1'} />;
    return sendPage(reply, page);
  });

  c.post('/login', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | string[]>;
    const username = one(form.username);
    const next = localPath(one(form.next));
    const api = new ConsoleApi(c, null, request.id);
    try {
      const session = await api.post<LoginResponse>('/v1/auth/login', { username, password: one(form.password) });
      setSession(reply, session.token, c.config.sessionTtlSeconds);
      return reply.redirect(next, 303);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const page = <LoginPage lang={langOf(request)} csrf={await csrfToken(request, reply)} next={next} username={username} problem={error.problem} />;
      return sendPage(reply, page, error.status);
    }
  });

  c.post('/logout', async (request, reply) => {
    const viewer = await viewerOf(request);
    // the session is revoked in the database, not only forgotten by this browser
    if (viewer) await new ConsoleApi(c, viewer.token, request.id).post('/v1/auth/logout');
    clearSession(reply);
    return reply.redirect('/login?bye=1', 303);
  });
}
