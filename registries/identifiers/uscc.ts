import { failure, type IdentifierResult } from './result.ts';

/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters over a 31-symbol
 * alphabet (no I, O, S, V, Z): registration-authority code, organisation-type code, 6-digit
 * region code, 9-character organisation code (GB 11714, with its own check character) and a
 * check character with weights 3^(i−1) mod 31.
 */
export const usccAlphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Registration authorities and the organisation types each may register (GB 32100 table 1). */
const authorities: Record<string, { name: string; types: Record<string, string> }> = {
  '1': { name: '机构编制', types: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' } },
  '2': { name: '外交', types: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': {
    name: '司法行政',
    types: { '1': '律师执业机构', '2': '公证处', '3': '基层法律服务所', '4': '司法鉴定机构', '5': '仲裁委员会', '9': '其他' },
  },
  '4': { name: '文化', types: { '1': '外国在华文化中心', '9': '其他' } },
  '5': { name: '民政', types: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': { name: '旅游', types: { '1': '外国旅游部门常驻代表机构', '2': '港澳台地区旅游部门常驻内地（大陆）代表机构', '9': '其他' } },
  '7': { name: '宗教', types: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { name: '工会', types: { '1': '基层工会', '9': '其他' } },
  '9': { name: '工商', types: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { name: '中央军委改革和编制办公室', types: { '1': '军队事业单位', '9': '其他' } },
  N: { name: '农业', types: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' } },
  Y: { name: '其他', types: { '1': '其他' } },
};

export interface UsccFacts {
  readonly registrationAuthority: string;
  readonly organisationType: string;
  readonly regionCode: string;
  readonly organisationCode: string;
}

const orgWeights = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11714 check character of an 8-character organisation-code body. */
export function organisationCodeCheck(body: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body[i]!;
    const v = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55; // A = 10
    sum += v * orgWeights[i]!;
  }
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

/** GB 32100 check character over the first 17 characters. */
export function usccCheck(first17: string): string {
  let sum = 0;
  let weight = 1;
  for (let i = 0; i < 17; i++) {
    sum += usccAlphabet.indexOf(first17[i]!) * weight;
    weight = (weight * 3) % 31;
  }
  return usccAlphabet[(31 - (sum % 31)) % 31]!;
}

/** Builds a valid code from its parts, computing both check characters (fixtures, demo data). */
export function composeUscc(authority: string, type: string, region: string, orgBody: string): string {
  const first17 = authority + type + region + orgBody + organisationCodeCheck(orgBody);
  return first17 + usccCheck(first17);
}

export function validateUscc(input: string): IdentifierResult<UsccFacts> {
  const value = input.trim().toUpperCase();
  if (value.length !== 18) return failure(value, 'length', `must be 18 characters, got ${value.length}`);
  for (let i = 0; i < 18; i++) {
    if (!usccAlphabet.includes(value[i]!)) {
      return failure(value, 'alphabet', `character ${i + 1} "${value[i]}" is not allowed (I, O, S, V and Z are never used)`);
    }
  }
  const authority = authorities[value[0]!];
  if (!authority) return failure(value, 'registration-authority', `"${value[0]}" is not a registration-authority code`);
  const type = authority.types[value[1]!];
  if (!type) {
    return failure(value, 'organisation-type', `"${value[1]}" is not an organisation type of authority ${value[0]} (${authority.name})`);
  }
  const region = value.slice(2, 8);
  if (!/^[0-9]{6}$/.test(region)) return failure(value, 'region', `characters 3–8 must be a 6-digit region code, got "${region}"`);
  const org = value.slice(8, 17);
  const orgCheck = organisationCodeCheck(org.slice(0, 8));
  if (org[8] !== orgCheck) {
    return failure(value, 'organisation-code-check', `organisation code ${org} has check character "${org[8]}", expected "${orgCheck}"`);
  }
  const check = usccCheck(value.slice(0, 17));
  if (value[17] !== check) return failure(value, 'check', `check character is "${value[17]}", expected "${check}"`);
  return {
    valid: true,
    normalized: value,
    facts: { registrationAuthority: authority.name, organisationType: type, regionCode: region, organisationCode: org },
    errors: [],
  };
}
