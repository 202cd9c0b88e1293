import type { FastifyRequest } from 'fastify';

/** The console's languages: Chinese by default, English on request (a cookie set by the switcher). */
export const languages = ['zh', 'en'] as const;
export type Lang = (typeof languages)[number];
export const langCookie = 'brx_lang';

export function langOf(request: FastifyRequest): Lang {
  // outside the console's routes (the not-found page) the cookies are not parsed yet
  const chosen = request.cookies?.[langCookie] ?? new RegExp(`(?:^|;\\s*)${langCookie}=(\\w+)`).exec(request.headers.cookie ?? '')?.[1];
  return chosen === 'en' ? 'en' : 'zh';
}

type Same<T> = { [K in keyof T]: T[K] extends (...args: infer A) => string ? (...args: A) => string : string };

/**
 * One page's interface text in both languages; the English side must have every key the Chinese
 * side has, with the same parameters, or the build fails.
 */
export function texts<T extends Record<string, string | ((...args: never[]) => string)>>(t: { zh: T; en: Same<T> }) {
  return (lang: Lang): Same<T> => (lang === 'zh' ? (t.zh as unknown as Same<T>) : t.en);
}

/** Text every page shares: navigation, common words, error titles. */
export const common = texts({
  zh: {
    product: 'brx 政务数据共享交换平台',
    skip: '跳到正文',
    nav: '主导航',
    dashboard: '工作台',
    catalog: '数据目录',
    inbox: '审批待办',
    mine: '我的申请',
    grants: '我的授权',
    publishing: '数据发布',
    audit: '审计',
    signOut: '退出登录',
    signedInAs: (name: string) => `当前用户：${name}`,
    language: '语言',
    otherLanguage: 'English',
    search: '查询',
    reset: '重置',
    next: '下一页',
    none: '无',
    noneFound: '没有符合条件的记录。',
    save: '保存',
    submit: '提交',
    cancel: '取消',
    yes: '是',
    no: '否',
    errorSummary: '请更正以下问题：',
    done: '操作已完成。',
    back: '返回',
    field: (name: string) => `字段「${name}」`,
    record: (index: number) => `第 ${index + 1} 条记录`,
    requestId: '请求编号',
  },
  en: {
    product: 'brx government data-sharing exchange',
    skip: 'Skip to content',
    nav: 'Main navigation',
    dashboard: 'Dashboard',
    catalog: 'Catalog',
    inbox: 'Approvals',
    mine: 'My requests',
    grants: 'My grants',
    publishing: 'Publishing',
    audit: 'Audit',
    signOut: 'Sign out',
    signedInAs: (name: string) => `Signed in as ${name}`,
    language: 'Language',
    otherLanguage: '中文',
    search: 'Search',
    reset: 'Reset',
    next: 'Next page',
    none: 'None',
    noneFound: 'Nothing matches.',
    save: 'Save',
    submit: 'Submit',
    cancel: 'Cancel',
    yes: 'Yes',
    no: 'No',
    errorSummary: 'Please correct the following:',
    done: 'Done.',
    back: 'Back',
    field: (name: string) => `Field “${name}”`,
    record: (index: number) => `Record ${index + 1}`,
    requestId: 'Request id',
  },
});

/** Titles for the API's stable error codes (errors.ts), so a refusal reads in the interface language. */
export const errorTitles: Record<Lang, Record<string, string>> = {
  zh: {
    BRX_ERR_VALIDATION: '提交的内容有误',
    BRX_ERR_MALFORMED_BODY: '提交的内容无法解析',
    BRX_ERR_UNAUTHENTICATED: '请先登录',
    BRX_ERR_BAD_CREDENTIALS: '用户名或密码错误',
    BRX_ERR_FORBIDDEN: '您无权进行此操作',
    BRX_ERR_NOT_FOUND: '未找到，或您无权查看',
    BRX_ERR_CONFLICT: '当前状态下不能进行此操作',
    BRX_ERR_PAYLOAD_TOO_LARGE: '提交的内容过大',
    BRX_ERR_URI_TOO_LONG: '地址过长',
    BRX_ERR_UNSUPPORTED_MEDIA_TYPE: '不支持的内容类型',
    BRX_ERR_THROTTLED: '尝试次数过多，请稍后再试',
    BRX_ERR_INTERNAL: '系统内部错误',
    BRX_ERR_UNAVAILABLE: '服务暂时不可用，请稍后再试',
    BRX_ERR_CSRF: '页面已过期或来源不可信，请刷新页面后重试',
  },
  en: {
    BRX_ERR_VALIDATION: 'What was sent is not valid',
    BRX_ERR_MALFORMED_BODY: 'What was sent cannot be read',
    BRX_ERR_UNAUTHENTICATED: 'Please sign in',
    BRX_ERR_BAD_CREDENTIALS: 'Wrong username or password',
    BRX_ERR_FORBIDDEN: 'You may not do this',
    BRX_ERR_NOT_FOUND: 'Not found, or not yours to see',
    BRX_ERR_CONFLICT: 'This cannot be done in the current state',
    BRX_ERR_PAYLOAD_TOO_LARGE: 'What was sent is too large',
    BRX_ERR_URI_TOO_LONG: 'The address is too long',
    BRX_ERR_UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
    BRX_ERR_THROTTLED: 'Too many attempts; try again later',
    BRX_ERR_INTERNAL: 'Internal error',
    BRX_ERR_UNAVAILABLE: 'The service is unavailable for a moment; try again later',
    BRX_ERR_CSRF: 'The page has expired or was sent from elsewhere; reload it and try again',
  },
};

/**
 * The validator's messages (ajv, English) in Chinese, by their shape; a message of another shape
 * is shown as it is.
 */
const zhMessages: [RegExp, (...m: string[]) => string][] = [
  [/^must have required property '(.+)'$/, (f) => `缺少必填项「${f}」`],
  [/^is required$/, () => '为必填项'],
  [/^a partial approval states its reasons$/, () => '部分同意须说明理由'],
  [/^not in the first request: (.+) — a supervisor may override with overrideReason$/, (x) => `首次告知中没有：${x}（一次性告知；须由上级说明理由方可追加）`],
  [/^at most (\d+) working days$/, (n) => `最多 ${n} 个工作日`],
  [/^allowed in state (\S+): (.+)$/, (_s, a) => `当前状态可进行：${a}`],
  [/^(.+) was not asked for, or was settled at filing$/, (f) => `${f} 不在申请范围内，或已在受理时确定`],
  [/^(.+) is not among the granted fields$/, (f) => `${f} 不在同意共享的字段中`],
  [/^(.+) was not asked for \(asked: (.+)\)$/, (m, a) => `未申请「${m}」方式（申请的：${a}）`],
  [/^(.+) is not offered for (.+) \(offered: (.+)\)$/, (d, m, o) => `${d} 不提供「${m}」方式（提供：${o}）`],
  [/^(.+) has no field (.+)$/, (d, f) => `${d} 没有字段 ${f}`],
  [/^no such department$|^no department (.+)$/, () => '没有该部门'],
  [/^no published dataset (.+)$/, (d) => `没有已发布的数据集 ${d}`],
  [/^must NOT have fewer than (\d+) characters?$/, (n) => `至少需要 ${n} 个字符`],
  [/^must NOT have more than (\d+) characters?$/, (n) => `不能超过 ${n} 个字符`],
  [/^must NOT have fewer than (\d+) items?$/, (n) => `至少选择 ${n} 项`],
  [/^must NOT have more than (\d+) items?$/, (n) => `不能超过 ${n} 项`],
  [/^must be equal to one of the allowed values$/, () => '不是允许的取值'],
  [/^must be integer$/, () => '必须是整数'],
  [/^must be number$/, () => '必须是数字'],
  [/^must be string$/, () => '必须是文字'],
  [/^must be >= (\S+)$/, (n) => `不能小于 ${n}`],
  [/^must be <= (\S+)$/, (n) => `不能大于 ${n}`],
  [/^must match format "(.+)"$/, (f) => `格式不正确（${f}）`],
  [/^must NOT have additional properties$/, () => '含有不允许的项'],
  [/^must NOT have duplicate items.*$/, () => '含有重复项'],
];

export function localMessage(lang: Lang, message: string): string {
  if (lang === 'en') return message;
  for (const [shape, say] of zhMessages) {
    const m = shape.exec(message);
    if (m) return say(...m.slice(1));
  }
  return message;
}

/**
 * The refusals people meet most in the console, composed by brx in English, in Chinese. A detail of
 * another shape is shown as brx wrote it, under the translated title of its code.
 */
const zhDetails: [RegExp, (...m: string[]) => string][] = [
  [/^A (request|objection) in state (\S+) cannot take the action (\S+); allowed: none \(the case is closed\)$/, () => '案件已办结，不能再进行操作'],
  [/^A (request|objection) in state (\S+) cannot take the action (\S+); allowed: (.+)$/, (_k, _s, _a, allowed) => `案件当前状态下不能进行此操作；可进行的操作：${allowed}`],
  [/^Everything missing must be asked for at once/, () => '需补正的材料须一次性告知：本次要求了此前未告知的内容，须由上级说明理由'],
  [/^Only the department that must act on this case/, () => '只有当前承办部门（或升级后的上级部门）可以办理此案件'],
  [/^Only the requester may (.+)$/, () => '只有申请方可以进行此操作'],
  [/^The deadline was already extended once/, () => '办理期限已延长过一次'],
  [/^Too long an extension/, () => '延长的期限超过了允许的工作日数'],
  [/^Only (.+) may do this$/, () => '您的角色不能进行此操作'],
  [/^The action (\S+) needs (.+)$/, (_a, fields) => `此操作须填写：${fields}`],
  [/^The credential is unknown, expired or revoked$/, () => '登录已过期，请重新登录'],
  [/^Too many failed logins for this username; try again in (\d+) s$/, (n) => `该用户名登录失败次数过多，请 ${n} 秒后再试`],
  [/^Cross-site request refused/, () => '拒绝跨站提交：表单不是从本控制台发出的'],
  [/^No (case|grant|user|system|dataset|department|node) (.+)$/, (_w, id) => `未找到 ${id}，或您无权查看`],
  [/^No such page$/, () => '没有这个页面'],
];

export function localDetail(lang: Lang, detail: string): string {
  if (lang === 'en') return detail;
  for (const [shape, say] of zhDetails) {
    const m = shape.exec(detail);
    if (m) return say(...m.slice(1));
  }
  return detail;
}
