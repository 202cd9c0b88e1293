/* Generated from contracts/api/*.json by `npm run contracts`. Do not edit: change the schema and regenerate. */

/**
 * Which rows a grant covers: records whose field starts with the prefix (e.g. a region code 3605) or is one of the values
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RowFilter".
 */
export type RowFilter = RowFilter1 & RowFilter2;
export type RowFilter1 = {
  [k: string]: unknown | undefined;
};
/**
 * Open objections on a record (数据异议): the record is still served while they are checked
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Dispute".
 */
export type Dispute =
  | {
      case: string;
      field: string;
    }[]
  | null;
/**
 * Where delivery starts again: after an offset, or a new snapshot (for a subscriber behind what the event backbone retains)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "ReplayRequest".
 */
export type ReplayRequest = ReplayRequest1 & ReplayRequest2;
export type ReplayRequest1 = {
  [k: string]: unknown | undefined;
};

/**
 * A person away from their post: their cases go to the backup (AB岗)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Absence".
 */
export interface Absence {
  id: string;
  userId: string;
  from: string;
  until: string;
  reason: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AbsenceCreate".
 */
export interface AbsenceCreate {
  from: string;
  until: string;
  reason?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AbsenceList".
 */
export interface AbsenceList {
  items: Absence[];
}
/**
 * 数据使用记录: who read or checked a person's or company's records, newest first
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AccessReport".
 */
export interface AccessReport {
  subject: string;
  items: {
    at: string;
    /**
     * the reading department's name
     */
    department: string | null;
    /**
     * the consuming system's name; null for a person of the providing department or an auditor
     */
    system: string | null;
    purpose: string | null;
    grantId: string | null;
    dataset: string | null;
    datasetName: string | null;
    mode: 'pull' | 'export' | 'subscribe' | 'webhook' | 'verify' | 'report' | 'quality';
    fields: string[];
    /**
     * auditors only: the ID number the system read on behalf of
     */
    operator?: string | null;
    /**
     * auditors only: the read is hidden from the subject until then
     */
    covertUntil?: string | null;
  }[];
  /**
   * ?cursor= for older entries
   */
  next: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AccessReportQuery".
 */
export interface AccessReportQuery {
  from?: string;
  cursor?: string;
  limit?: number;
}
/**
 * Evidence or material, stored as its content digest (the file itself stays with whoever holds it)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Attachment".
 */
export interface Attachment {
  name: string;
  /**
   * hex SHA-256 of the file
   */
  sha256: string;
  size?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditAccessEntry".
 */
export interface AuditAccessEntry {
  seq: number;
  at: string;
  actorKind: string;
  actorId?: string | null;
  departmentId?: string | null;
  systemId?: string | null;
  /**
   * the person the system read for (X-Operator)
   */
  operator?: string | null;
  grantId?: string | null;
  purpose?: string | null;
  dataset?: string | null;
  mode?: string | null;
  subjectKeys: string[];
  fields: string[];
  query?: {
    [k: string]: unknown | undefined;
  } | null;
  recordCount: number;
  /**
   * ok | sent | denied | not_found | error. sent: a webhook batch handed to the network before its answer; a failure follows as an error entry with the same query.delivery
   */
  outcome: string;
  requestId?: string | null;
  prevHash: string;
  hash: string;
  /**
   * which field list the hash covers and how: 1 for entries written before hash versions, then 2, then 3 (the same fields by position; README § Audit)
   */
  hashVersion?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditAccessPage".
 */
export interface AuditAccessPage {
  items: AuditAccessEntry[];
  nextCursor: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditAdminEntry".
 */
export interface AuditAdminEntry {
  seq: number;
  at: string;
  actorKind: string;
  actorId?: string | null;
  actorName?: string | null;
  departmentId?: string | null;
  action: string;
  targetKind?: string | null;
  targetId?: string | null;
  detail?: {
    [k: string]: unknown | undefined;
  };
  requestId?: string | null;
  prevHash: string;
  hash: string;
  /**
   * which field list the hash covers and how: 1 for entries written before hash versions, then 2, then 3 (the same fields by position; README § Audit)
   */
  hashVersion?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditAdminPage".
 */
export interface AuditAdminPage {
  items: AuditAdminEntry[];
  /**
   * pass as ?cursor= for the next (older) page; null at the end
   */
  nextCursor: string | null;
}
/**
 * One line of the audit checkpoint file: at `at`, the chain `log` had `entries` entries and its head entry `seq` had the hash `headHash`. `sig` is the Ed25519 signature (base64) of the platform audit key `keyId` over the canonical JSON of every other member.
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditCheckpoint".
 */
export interface AuditCheckpoint {
  v: 1;
  log: 'admin' | 'access';
  seq: number;
  headHash: string;
  entries: number;
  at: string;
  keyId: string;
  sig: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditQuery".
 */
export interface AuditQuery {
  /**
   * id of the user, node or system that acted
   */
  actor?: string;
  department?: string;
  /**
   * dataset code (access log)
   */
  dataset?: string;
  /**
   * the consuming system that read (access log)
   */
  system?: string;
  /**
   * access log: entries that returned this person's (公民身份号码) or organisation's (统一社会信用代码) records. A search by subject is itself recorded in the access log (mode report), as an access report is
   */
  subject?: string;
  /**
   * action name (admin log), e.g. department.create
   */
  action?: string;
  from?: string;
  to?: string;
  /**
   * nextCursor of the previous page
   */
  cursor?: string;
  limit?: number;
}
/**
 * A full verification running in the background: poll GET /v1/audit/verify/jobs/{id} until state is done or failed
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditVerifyJob".
 */
export interface AuditVerifyJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  progress: {
    stage: 'admin' | 'access' | 'checkpoints';
    checked: number;
    /**
     * null until the stage has begun
     */
    total: number | null;
  }[];
  report: AuditVerifyReport | null;
  /**
   * why the job could not finish (the database went away)
   */
  error: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditVerifyReport".
 */
export interface AuditVerifyReport {
  intact: boolean;
  /**
   * since-checkpoint: each chain from its last signed checkpoint on (GET /v1/audit/verify); full: every entry and every checkpoint (a verification job, or brx audit verify)
   */
  scope: 'since-checkpoint' | 'full';
  /**
   * since-checkpoint: false when a walk started after a checkpoint, so the entries before it were not re-hashed and intact says nothing of them (a full verification does that)
   */
  olderEntriesWalked?: boolean;
  /**
   * since-checkpoint: what was and was not checked, in words
   */
  note?: string;
  /**
   * since-checkpoint: the newest full verification job finished in this process (jobs are forgotten at restart), or null
   */
  lastFullVerification?: {
    startedAt: string;
    finishedAt: string;
    intact: boolean;
  } | null;
  logs: {
    log: 'admin' | 'access';
    intact: boolean;
    /**
     * entries known to hold: all of them when intact, those before the first break otherwise
     */
    entries: number;
    /**
     * hash of the last entry known to hold
     */
    headHash: string;
    /**
     * the walk started after this entry: 0 from the first, else the last checkpoint's
     */
    fromSeq: number;
    /**
     * the time of the checkpoint the walk started from
     */
    checkpointAt?: string;
    /**
     * entries hashed in this verification
     */
    checked: number;
    firstBrokenSeq?: number;
    reason?: string;
  }[];
  /**
   * full scope: every checkpoint of the checkpoint file, checked against the audit key and the database
   */
  checkpoints?: {
    intact: boolean;
    checked: number;
    /**
     * checkpoints whose signature holds and whose entry still has the signed hash
     */
    holding: number;
    problemCount: number;
    /**
     * per log: the newest checkpoint that holds and the entries after it, which no checkpoint in the file vouches for
     */
    coverage?: {
      log: 'admin' | 'access';
      entries: number;
      newest: {
        line: number;
        seq: number;
        at: string;
      } | null;
      after: number;
      /**
       * the newest checkpoint is older than a few checkpoint intervals before the log's last entry
       */
      stale: boolean;
    }[];
    warnings?: string[];
    /**
     * the first problems, in file order
     */
    problems: {
      /**
       * malformed: a line that is no checkpoint; key: signed with another key; signature: the signature does not hold (the line was altered); removed: it signed an entry the log no longer has; rewritten: its entry now has another hash; unanchored: a log with entries has no checkpoint in the file (a fresh install before the first checkpoint, or a file emptied); stale: the newest checkpoint is too old (brx audit verify --strict)
       */
      kind: 'malformed' | 'key' | 'signature' | 'removed' | 'rewritten' | 'unanchored' | 'stale';
      /**
       * line of the checkpoint file, from 1; 0 for the file as a whole (no checkpoint of a log with entries; stale coverage under --strict)
       */
      line: number;
      log?: 'admin' | 'access';
      seq?: number;
      at?: string;
      /**
       * removed, unanchored, stale: the log's last entry now
       */
      head?: number;
      /**
       * removed, rewritten: the entry of the last checkpoint before this one that still holds
       */
      holdsUpTo?: number;
      /**
       * stale: minutes between the newest checkpoint that holds and the log's last entry
       */
      lagMinutes?: number;
      /**
       * in English, for a person
       */
      reason: string;
    }[];
  };
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "BatchList".
 */
export interface BatchList {
  items: BatchSummary[];
  nextCursor: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "BatchSummary".
 */
export interface BatchSummary {
  batchId: string;
  nodeId: string | null;
  /**
   * a person resubmitting a quarantined record
   */
  userId: string | null;
  receivedAt: string;
  records: number;
  accepted: number;
  unchanged: number;
  stale: number;
  rejected: number;
  firstOffset: number | null;
  lastOffset: number | null;
  /**
   * hex SHA-256 of the body as received (a node's signed batch), or of the canonical JSON of batchId and records (an unsigned submission): a replay of the batch id with anything else is refused (409)
   */
  bodySha256: string | null;
  signature: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "BatchParams".
 */
export interface BatchParams {
  code: string;
  batchId: string;
}
/**
 * One record of a batch. Checked one by one: a bad record is rejected with its index, the rest go on.
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "BatchRecord".
 */
export interface BatchRecord {
  op: 'upsert' | 'delete';
  /**
   * the record key: the value of the dataset's key field
   */
  key: string;
  /**
   * the record, valid against the dataset's current contract (upsert only)
   */
  data?: {};
  /**
   * when the change happened in the source system; an older change than the stored one is stale
   */
  sourceTime: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "BatchRequest".
 */
export interface BatchRequest {
  /**
   * chosen by the node, unique per dataset: sending it again returns the first answer and writes nothing
   */
  batchId: string;
  /**
   * BatchRecord items (default at most 5,000). Each is checked on its own: a malformed one is rejected with its index, the others go on.
   */
  records: unknown[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "BatchResult".
 */
export interface BatchResult {
  batchId: string;
  dataset: string;
  received: number;
  /**
   * records that changed the dataset (one event each)
   */
  accepted: number;
  /**
   * records identical to what is stored: no event
   */
  unchanged: number;
  stale: {
    index: number;
    key: string;
    storedSourceTime?: string | null;
    message: string;
  }[];
  rejected: {
    index: number;
    key: string | null;
    errors: RecordError[];
    /**
     * where the record waits for correction
     */
    quarantineId: string;
  }[];
  firstOffset: number | null;
  lastOffset: number | null;
  /**
   * true when this batch id was seen before and this is the first answer again
   */
  replayed: boolean;
  receivedAt: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RecordError".
 */
export interface RecordError {
  /**
   * JSON pointer into the record, e.g. /data/birthDate
   */
  pointer: string;
  message: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "BatchVerification".
 */
export interface BatchVerification {
  batchId: string;
  /**
   * the stored signature verifies with the node key that accepted it
   */
  signatureValid: boolean;
  /**
   * the stored body still hashes to the signed digest
   */
  bodyMatches: boolean;
  detail: string;
}
/**
 * A year's public holidays and make-up working days (调休); other days: Monday–Friday work, weekends rest
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "CalendarYear".
 */
export interface CalendarYear {
  year: number;
  /**
   * the official schedule is entered; until then only weekends count
   */
  confirmed: boolean;
  source: string;
  days: {
    date: string;
    kind: 'holiday' | 'workday';
    name: string;
  }[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "CalendarYearUpdate".
 */
export interface CalendarYearUpdate {
  confirmed?: boolean;
  source?: string;
  /**
   * @maxItems 366
   */
  days: {
    date: string;
    kind: 'holiday' | 'workday';
    name?: string;
  }[];
}
/**
 * A tracked case (注册跟踪): a sharing request (SQ-…) or an objection (YY-…)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Case".
 */
export interface Case {
  trackingNo: string;
  kind: 'request' | 'objection';
  state: string;
  /**
   * open cases: red overdue, yellow due within 2 working days; null while the case is closed or paused
   */
  flag: 'green' | 'yellow' | 'red' | null;
  requester: {
    system: {
      id: string;
      name: string;
    };
    department: {
      id: string;
      name: string;
    };
    person: {
      id: string;
      name: string;
    } | null;
    contact: string | null;
  };
  purpose: string;
  legalBasis: string;
  modes: string[];
  rowScope: RowFilter | null;
  durationDays: number | null;
  receivedOn: string;
  dueOn: string;
  /**
   * working days from today to the deadline on the official calendar: 0 when due today, negative when overdue (working days past it); null while the case is closed, paused or disputed
   */
  workingDaysLeft: number | null;
  paused: boolean;
  extendedDays: number | null;
  supplementItems: string[];
  parts: CasePart[];
  objection?: {
    dataset?: string;
    key?: string;
    field?: string;
    claimedValue?: unknown;
    evidence?: string;
  };
  disputedTo?: string | null;
  /**
   * where the requester may complain, shown on a disputed case
   */
  complaintChannel?: string;
  /**
   * what the caller may do now
   */
  allowedActions: string[];
  timeline?: TimelineEntry[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}
export interface RowFilter2 {
  field: string;
  prefix?: string;
  /**
   * @minItems 1
   * @maxItems 1000
   */
  in?: [string, ...string[]];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "CasePart".
 */
export interface CasePart {
  dataset: string;
  datasetName: string;
  fields: string[];
  state: string;
  department: {
    id: string;
    name: string;
  };
  assignee: {
    id: string;
    name: string;
  } | null;
  actingFor: {
    id: string;
    name: string;
  } | null;
  /**
   * granted at once (unconditional)
   */
  autoFields: string[];
  /**
   * refused at once (not shared)
   */
  refusedFields: string[];
  /**
   * department name, or platform administrators
   */
  escalatedTo: string | null;
  decision: {
    [k: string]: unknown | undefined;
  } | null;
  grantId: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "TimelineEntry".
 */
export interface TimelineEntry {
  at: string;
  action: string;
  actor: {
    kind: string;
    id?: string | null;
    name: string | null;
  };
  department: {
    id: string;
    name: string;
  } | null;
  actingFor: {
    id: string;
    name: string;
  } | null;
  dataset: string | null;
  fromState: string | null;
  toState: string | null;
  note: string;
  attachments: Attachment[];
  detail: {
    [k: string]: unknown | undefined;
  };
}
/**
 * One action on a case. Which fields an action needs: request_supplement items+reason; extend days+reason; transfer toDepartment+reason; escalate reason (hands the case to the supervising level); decide outcome (approve|reject) with reason and legalBasis on rejection; reject reason+legalBasis; withdraw reason; dispute statement; rule outcome (uphold|reopen)+note
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "CaseActionRequest".
 */
export interface CaseActionRequest {
  action:
    | 'accept'
    | 'request_supplement'
    | 'supplement'
    | 'extend'
    | 'transfer'
    | 'escalate'
    | 'decide'
    | 'correct'
    | 'reject'
    | 'withdraw'
    | 'dispute'
    | 'rule';
  note?: string;
  /**
   * @maxItems 50
   */
  attachments?: Attachment[];
  /**
   * everything missing, at once (一次性告知)
   *
   * @minItems 1
   * @maxItems 100
   */
  items?: [string, ...string[]];
  reason?: string;
  /**
   * a supervisor's reason for a second supplement request that asks for something new
   */
  overrideReason?: string;
  days?: number;
  /**
   * the dataset a decision or transfer is about; needed when the case has several
   */
  dataset?: string;
  toDepartment?: string;
  outcome?: 'approve' | 'reject' | 'uphold' | 'reopen';
  /**
   * @maxItems 500
   */
  fields?: string[];
  /**
   * @maxItems 500
   */
  maskedFields?: string[];
  /**
   * @minItems 1
   */
  modes?: ['subscribe' | 'pull' | 'verify' | 'file', ...('subscribe' | 'pull' | 'verify' | 'file')[]];
  rowFilter?: RowFilter | null;
  validUntil?: string;
  requestsPerMinute?: number;
  recordsPerDay?: number;
  /**
   * law enforcement: reads stay hidden from the data subject until then
   */
  covertUntil?: string;
  legalBasis?: string;
  statement?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "CaseList".
 */
export interface CaseList {
  items: Case[];
  nextCursor: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "CaseQuery".
 */
export interface CaseQuery {
  /**
   * mine: filed by my department or system; inbox: waiting for my department; all: everything I may see
   */
  view?: 'mine' | 'inbox' | 'all';
  state?: string;
  kind?: 'request' | 'objection';
  dataset?: string;
  flag?: 'green' | 'yellow' | 'red';
  cursor?: string;
  limit?: number;
}
/**
 * Per providing department and dataset (电子监察)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "CaseStats".
 */
export interface CaseStats {
  items: {
    department: {
      id: string;
      name: string;
    };
    dataset: string;
    datasetName: string;
    received: number;
    decided: number;
    /**
     * decided by the deadline, of all decided
     */
    onTimeRate: number | null;
    /**
     * working days from receipt to decision
     */
    medianDays: number | null;
    p90Days: number | null;
    escalations: number;
    openBacklog: number;
  }[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "CaseStatsQuery".
 */
export interface CaseStatsQuery {
  from?: string;
  until?: string;
  department?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "CertificateVerdict".
 */
export interface CertificateVerdict {
  /**
   * known, signed by its issuer, and neither suspended, revoked nor expired
   */
  valid: boolean;
  status: 'valid' | 'suspended' | 'revoked' | 'expired' | null;
  validTo: string | null;
  /**
   * the issuer's unified social credit code
   */
  issuer: string | null;
  signatureValid: boolean;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "CodeParams".
 */
export interface CodeParams {
  /**
   * dataset code
   */
  code: string;
}
/**
 * A and B posts (AB岗): the primary contact and the backup who acts when the primary is away; people of the provider department
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Contacts".
 */
export interface Contacts {
  primary?: string | null;
  backup?: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Contract".
 */
export interface Contract {
  /**
   * major.minor: minor versions are backward compatible
   */
  version: string;
  schema: {
    [k: string]: unknown | undefined;
  };
  /**
   * every field's catalog entry; `sharingType` is always given: the field's own narrowing, else the dataset's sharing type
   */
  fields: {
    [k: string]: FieldMeta | undefined;
  };
  createdAt: string;
}
/**
 * What the catalog says of one data item (数据项) of a record
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "FieldMeta".
 */
export interface FieldMeta {
  /**
   * Chinese title, e.g. 公民身份号码
   */
  title: string;
  /**
   * data element code where one exists (e.g. DE00001)
   */
  dataElement?: string;
  sensitivity: 'public' | 'internal' | 'personal' | 'sensitive-personal';
  /**
   * per-field sharing type; may only be stricter than the dataset's. Omitted in a new contract, the field has the dataset's; a contract the catalog returns always states the one that applies
   */
  sharingType?: 'unconditional' | 'conditional' | 'none';
  /**
   * consumers may look records up by this field
   */
  searchable?: boolean;
  /**
   * the rule for masked access: id-number 110105********002X, name 张*, phone 138****1234, address to district level
   */
  masking?: 'id-number' | 'name' | 'phone' | 'address' | 'redact' | 'none';
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "ContractCreate".
 */
export interface ContractCreate {
  /**
   * JSON Schema draft-07 of one record: an object whose properties are the data items (a schema that names another draft in `$schema` is refused)
   */
  schema: {};
  /**
   * metadata for every top-level property
   */
  fields: {
    [k: string]: FieldMeta | undefined;
  };
  /**
   * publish an incompatible change as a new major version
   */
  breaking?: boolean;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "ContractList".
 */
export interface ContractList {
  items: Contract[];
}
/**
 * A catalog entry (信息资源目录项) with its current contract
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Dataset".
 */
export interface Dataset {
  id: string;
  /**
   * <region code>-<provider organisation code>-<sequence>, e.g. 360500-014283022-0001
   */
  code: string;
  name: string;
  summary: string;
  providerDepartmentId: string;
  providerName: string;
  class: 'base' | 'thematic' | 'department';
  sharingType: 'unconditional' | 'conditional' | 'none';
  sharingConditions: string;
  legalBasis: string;
  openType: 'open' | 'conditional' | 'closed';
  exchangeModes: string[];
  updateCycle: string;
  keyField: string;
  requestDeadlineDays: number;
  contacts: Contacts;
  tags: string[];
  status: 'draft' | 'published' | 'retired';
  currentVersion: string | null;
  contract?: Contract;
  /**
   * Shown with the contract of a published dataset: the state of the index behind each searchable field
   */
  searchIndexes?: SearchIndex[];
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}
/**
 * The index behind one searchable field of a dataset. Built in the background after publishing: pending (not built yet), building, ready, or invalid (a build failed or was interrupted; rebuilt on the next turn). Until it is ready, searches by that field still answer, more slowly.
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SearchIndex".
 */
export interface SearchIndex {
  field: string;
  state: 'pending' | 'building' | 'ready' | 'invalid';
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DatasetCreate".
 */
export interface DatasetCreate {
  name: string;
  summary?: string;
  providerDepartmentId: string;
  class: 'base' | 'thematic' | 'department';
  sharingType: 'unconditional' | 'conditional' | 'none';
  sharingConditions?: string;
  /**
   * required when sharingType is none
   */
  legalBasis?: string;
  openType: 'open' | 'conditional' | 'closed';
  /**
   * @minItems 1
   */
  exchangeModes: ['subscribe' | 'pull' | 'verify' | 'file', ...('subscribe' | 'pull' | 'verify' | 'file')[]];
  updateCycle: 'realtime' | 'daily' | 'weekly' | 'monthly' | 'yearly';
  keyField: string;
  requestDeadlineDays?: number;
  contacts?: Contacts;
  /**
   * @maxItems 20
   */
  tags?:
    | []
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string, string, string, string]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ];
  contract?: ContractCreate;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DatasetList".
 */
export interface DatasetList {
  items: Dataset[];
  nextCursor: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DatasetQuery".
 */
export interface DatasetQuery {
  /**
   * words of the name, summary, code or tags (Chinese works: substring match)
   */
  q?: string;
  /**
   * provider department id
   */
  provider?: string;
  class?: 'base' | 'thematic' | 'department';
  tag?: string;
  sharingType?: 'unconditional' | 'conditional' | 'none';
  updateCycle?: 'realtime' | 'daily' | 'weekly' | 'monthly' | 'yearly';
  status?: 'draft' | 'published' | 'retired';
  /**
   * nextCursor of the previous page
   */
  cursor?: string;
  limit?: number;
}
/**
 * Catalog fields a provider may change; code, provider and key field are fixed
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DatasetUpdate".
 */
export interface DatasetUpdate {
  name?: string;
  summary?: string;
  class?: 'base' | 'thematic' | 'department';
  sharingType?: 'unconditional' | 'conditional' | 'none';
  sharingConditions?: string;
  legalBasis?: string;
  openType?: 'open' | 'conditional' | 'closed';
  /**
   * @minItems 1
   */
  exchangeModes?: ['subscribe' | 'pull' | 'verify' | 'file', ...('subscribe' | 'pull' | 'verify' | 'file')[]];
  updateCycle?: 'realtime' | 'daily' | 'weekly' | 'monthly' | 'yearly';
  requestDeadlineDays?: number;
  contacts?: Contacts;
  /**
   * @maxItems 20
   */
  tags?:
    | []
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string, string, string, string]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Department".
 */
export interface Department {
  id: string;
  /**
   * unified social credit code (GB 32100)
   */
  code: string;
  name: string;
  parentId: string | null;
  level: 'province' | 'city' | 'county';
  /**
   * GB/T 2260 region code
   */
  regionCode: string | null;
  status: 'active' | 'suspended';
  createdAt: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DepartmentCreate".
 */
export interface DepartmentCreate {
  /**
   * unified social credit code (GB 32100), check character verified
   */
  code: string;
  name: string;
  parentId?: string | null;
  level: 'province' | 'city' | 'county';
  regionCode?: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DepartmentList".
 */
export interface DepartmentList {
  items: Department[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DepartmentQuery".
 */
export interface DepartmentQuery {
  code?: string;
  parentId?: string;
  /**
   * part of the name
   */
  q?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DepartmentUpdate".
 */
export interface DepartmentUpdate {
  name?: string;
  parentId?: string | null;
  regionCode?: string | null;
  status?: 'active' | 'suspended';
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "EventBatch".
 */
export interface EventBatch {
  subscription: string;
  events: SubscriptionEvent[];
  next: SubscriptionPosition;
  /**
   * present when the grant's records a day are spent: the following events wait until then (nothing is dropped)
   */
  quotaRenewsAt?: string;
}
/**
 * One delivered item: a change, a snapshot record, or the marker between snapshot and changes
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SubscriptionEvent".
 */
export interface SubscriptionEvent {
  type: 'change' | 'snapshot' | 'marker';
  /**
   * change: its offset; snapshot: the offset of the record's version; marker: the snapshot's offset, changes follow after it
   */
  offset: number;
  dataset: string;
  /**
   * as the grant shows the key field
   */
  key?: string;
  op?: 'upsert' | 'delete';
  /**
   * the record as granted (masked fields masked); null for a delete (tombstone)
   */
  data?: {
    [k: string]: unknown | undefined;
  } | null;
  contractVersion?: string;
  dispute?: Dispute;
  sourceTime?: string;
  committedAt?: string;
}
/**
 * What to acknowledge: an offset in the change stream, or a cursor while the snapshot is delivered. Post the `next` of a batch back as it is
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SubscriptionPosition".
 */
export interface SubscriptionPosition {
  offset?: number;
  cursor?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "EventsQuery".
 */
export interface EventsQuery {
  limit?: number;
  /**
   * seconds to wait for events when there are none yet (long poll)
   */
  wait?: number;
}
/**
 * What flowed through the exchange per day, how far subscriptions lag, and open data-quality issues, for the datasets the caller's departments provide (all datasets for auditors and platform admins)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "ExchangeStats".
 */
export interface ExchangeStats {
  from: string;
  until: string;
  /**
   * every day of the period, oldest first, days with nothing included
   */
  days: {
    /**
     * a calendar day in China Standard Time
     */
    day: string;
    /**
     * records accepted by ingest (new or changed)
     */
    recordsIn: number;
    /**
     * records handed to consumers: reads, exports, verifications and deliveries that succeeded
     */
    recordsOut: number;
  }[];
  /**
   * live subscriptions, the most behind first (at most 50)
   */
  subscriptions: {
    id: string;
    system: {
      id: string;
      name: string;
    };
    dataset: string;
    datasetName: string;
    delivery: 'pull' | 'webhook';
    status: 'active' | 'failing';
    /**
     * events of the dataset not yet acknowledged (head offset − cursor)
     */
    lag: number;
    lastDeliveryAt: string | null;
  }[];
  /**
   * open data-quality issues per dataset and kind
   */
  qualityIssues: {
    dataset: string;
    datasetName: string;
    kind: string;
    open: number;
  }[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "ExchangeStatsQuery".
 */
export interface ExchangeStatsQuery {
  /**
   * how many calendar days (China Standard Time), ending today
   */
  days?: number;
  /**
   * only this providing department (auditors and platform admins; others see their own departments)
   */
  department?: string;
}
/**
 * One line of an NDJSON export (application/x-ndjson): one record as the caller's grant shows it, with the cursor to resume after it (?after=)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "ExportLine".
 */
export interface ExportLine {
  /**
   * pass as ?after= to resume the export after this line
   */
  cursor: string;
  /**
   * the record key, as the grant shows the key field (absent when it is not granted)
   */
  key?: string;
  /**
   * the granted fields, masked as the grant says
   */
  data: {
    [k: string]: unknown | undefined;
  } | null;
  contractVersion: string;
  /**
   * the event offset of this version
   */
  offset: number;
  sourceTime: string;
  dispute: Dispute;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "ExportQuery".
 */
export interface ExportQuery {
  format?: 'ndjson' | 'csv';
  /**
   * CSV only: start with a UTF-8 byte order mark so spreadsheet programs read Chinese text correctly
   */
  bom?: boolean;
  /**
   * resume after this cursor (the cursor of the last line received)
   */
  after?: string;
}
/**
 * What a consuming system may read of a dataset (共享授权)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Grant".
 */
export interface Grant {
  id: string;
  system: {
    id: string;
    name: string;
  };
  department: {
    id: string;
    name: string;
  };
  dataset: string;
  datasetName: string;
  fields: string[];
  maskedFields: string[];
  rowFilter: RowFilter | null;
  modes: string[];
  purpose: string;
  legalBasis: string;
  validFrom: string;
  validUntil: string | null;
  status: 'active' | 'revoked' | 'expired' | 'superseded' | 'pending';
  revokedAt: string | null;
  revokeReason: string | null;
  requestsPerMinute: number | null;
  recordsPerDay: number | null;
  covertUntil: string | null;
  caseNo: string | null;
  createdAt: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "GrantList".
 */
export interface GrantList {
  items: Grant[];
  nextCursor: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "GrantQuery".
 */
export interface GrantQuery {
  /**
   * held: grants of my systems; granted: grants of my department's datasets (default: both)
   */
  view?: 'held' | 'granted';
  system?: string;
  dataset?: string;
  status?: 'active' | 'revoked' | 'expired' | 'superseded';
  cursor?: string;
  limit?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "GrantRevoke".
 */
export interface GrantRevoke {
  reason: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "IdParams".
 */
export interface IdParams {
  id: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "IssuerKey".
 */
export interface IssuerKey {
  /**
   * Ed25519 public key (SPKI PEM or raw base64) that verifies the department's certificate signatures
   */
  publicKey: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "KeyIssued".
 */
export interface KeyIssued {
  /**
   * shown once; brx keeps only its hash
   */
  apiKey: string;
  previousKeysValidUntil: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "KeyRotate".
 */
export interface KeyRotate {
  /**
   * how long the machine's earlier keys keep working, so it can switch without a gap
   */
  graceSeconds?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "KeysRevoked".
 */
export interface KeysRevoked {
  /**
   * keys that stopped working
   */
  revoked: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "LoginRequest".
 */
export interface LoginRequest {
  username: string;
  password: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "LoginResponse".
 */
export interface LoginResponse {
  /**
   * bearer token: send as Authorization: Bearer <token>
   */
  token: string;
  expiresAt: string;
  user: User;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "User".
 */
export interface User {
  id: string;
  username: string;
  displayName: string;
  status: 'active' | 'disabled';
  roles: RoleGrant[];
  createdAt: string;
}
/**
 * A role, scoped to a department for dept_admin and approver; platform_admin and auditor carry no department
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RoleGrant".
 */
export interface RoleGrant {
  role: 'platform_admin' | 'dept_admin' | 'approver' | 'auditor';
  departmentId?: string | null;
}
/**
 * A node or system of a department
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "MachineParams".
 */
export interface MachineParams {
  /**
   * department id
   */
  id: string;
  machineId: string;
}
/**
 * The caller, as the exchange sees it
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Me".
 */
export interface Me {
  kind: 'user' | 'node' | 'system' | 'subject';
  userId?: string;
  username?: string;
  roles?: RoleGrant[];
  nodeId?: string;
  systemId?: string;
  name?: string;
  departmentId?: string;
  subjectId?: string;
}
/**
 * A department's front-end adapter process (前置机)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Node".
 */
export interface Node {
  id: string;
  departmentId: string;
  name: string;
  /**
   * Ed25519 public key (SPKI PEM) that verifies the node's batch signatures
   */
  publicKey: string;
  status: 'active' | 'disabled';
  /**
   * API keys that are currently accepted
   */
  liveKeys: number;
  createdAt: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeCreate".
 */
export interface NodeCreate {
  name: string;
  /**
   * Ed25519 public key: SPKI PEM, or the raw 32 bytes in base64
   */
  publicKey: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeCreated".
 */
export interface NodeCreated {
  node: Node;
  /**
   * shown once; brx keeps only its hash
   */
  apiKey: string;
}
/**
 * What a front-end node reports of itself every heartbeatSeconds; counts and states only, never a record
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeHeartbeat".
 */
export interface NodeHeartbeat {
  version: string;
  startedAt: string;
  intervalSeconds?: number;
  /**
   * @maxItems 200
   */
  jobs: {
    name: string;
    kind: 'file-drop' | 'postgres' | 'mysql' | 'http-intake' | 'receive';
    dataset?: string;
    /**
     * waiting: the exchange is unreachable and rows wait in the spool; failing: the source, target or exchange refuses
     */
    state: 'starting' | 'backfill' | 'running' | 'waiting' | 'failing' | 'stopped';
    /**
     * records taken in and not yet accepted by the exchange
     */
    spoolDepth: number;
    /**
     * over the last minute
     */
    rowsPerSecond: number;
    backfill?: {
      read: number;
      total: number;
    };
    lastSuccessAt: string | null;
    lastError: string | null;
    lastErrorAt?: string | null;
  }[];
}
/**
 * A node renews its own credentials: always a new API key, and a new Ed25519 signing key when publicKey is given. The earlier ones keep working for graceSeconds.
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeKeyRotate".
 */
export interface NodeKeyRotate {
  /**
   * the new signing key, SPKI PEM (brx node keygen writes one)
   */
  publicKey?: string;
  /**
   * how long the earlier API key and signing key keep working
   */
  graceSeconds?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeKeysRotated".
 */
export interface NodeKeysRotated {
  /**
   * shown once; brx keeps only its hash
   */
  apiKey: string;
  previousKeysValidUntil: string;
  signingKeyRotated: boolean;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeList".
 */
export interface NodeList {
  items: Node[];
}
/**
 * A node as its department's admins see it: online while its heartbeats keep coming, and what it last reported
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeStatus".
 */
export interface NodeStatus {
  id: string;
  name: string;
  departmentId: string;
  /**
   * false once three heartbeats in a row are missing (and for a node that never sent one)
   */
  online: boolean;
  lastHeartbeatAt: string | null;
  /**
   * when the missing heartbeat was due; the department's admins were notified
   */
  offlineSince: string | null;
  report: NodeHeartbeat | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeUpdate".
 */
export interface NodeUpdate {
  publicKey?: string;
  status?: 'active' | 'disabled';
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Notification".
 */
export interface Notification {
  id: number;
  kind:
    | 'accepted'
    | 'supplement_needed'
    | 'decided'
    | 'escalated'
    | 'deadline_near'
    | 'grant_expiring'
    | 'grant_revoked'
    | 'assigned'
    | 'backlog'
    | 'node_offline';
  title: string;
  caseNo: string | null;
  grantId: string | null;
  detail: {
    [k: string]: unknown | undefined;
  };
  createdAt: string;
  readAt: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NotificationList".
 */
export interface NotificationList {
  items: Notification[];
  nextCursor: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NotificationParams".
 */
export interface NotificationParams {
  id: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NotificationQuery".
 */
export interface NotificationQuery {
  unread?: boolean;
  cursor?: string;
  limit?: number;
}
/**
 * An objection (数据异议): a record's field is believed wrong
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "ObjectionCreate".
 */
export interface ObjectionCreate {
  /**
   * the consuming system that found the error; defaults to the calling system
   */
  system?: string;
  dataset: string;
  key: string;
  field: string;
  /**
   * what the value should be
   */
  claimedValue: {
    [k: string]: unknown | undefined;
  };
  evidence: string;
  contact?: string;
  /**
   * @maxItems 50
   */
  attachments?: Attachment[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "OperatorHeaders".
 */
export interface OperatorHeaders {
  /**
   * The official a system reads for: a valid ID number (GB 11643, check character included) or the username of an active person of the system's department. Required on a system's keyed pulls, searches, exports and verifications whenever its grant covers personal data (400 when missing or malformed); recorded in the access log and shown to auditors in access reports.
   */
  'x-operator'?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "PageQuery".
 */
export interface PageQuery {
  cursor?: string;
  limit?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "PasswordIssued".
 */
export interface PasswordIssued {
  /**
   * present when brx generated it; shown once
   */
  password?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "PasswordSet".
 */
export interface PasswordSet {
  /**
   * omit to have one generated and returned once
   */
  password?: string;
  /**
   * required when people change their own password
   */
  currentPassword?: string;
}
/**
 * An error, as RFC 9457 problem details. `code` is stable; `errors` points at each offending field or record.
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Problem".
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  errors: {
    /**
     * JSON pointer into the part named by `in`
     */
    pointer?: string;
    /**
     * index of the offending record in a batch
     */
    index?: number;
    in?: 'body' | 'query' | 'params' | 'headers';
    message: string;
  }[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "QualityIssue".
 */
export interface QualityIssue {
  id: string;
  dataset: string;
  key: string;
  kind: 'conflict' | 'dangling-link';
  field: string;
  /**
   * conflict: every value with its department and source time; dangling-link: the registry and the missing key
   */
  detail: {
    [k: string]: unknown | undefined;
  };
  status: string;
  createdAt: string;
  resolvedAt: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "QualityIssueList".
 */
export interface QualityIssueList {
  items: QualityIssue[];
  nextCursor: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "QualityQuery".
 */
export interface QualityQuery {
  dataset?: string;
  department?: string;
  status?: 'open' | 'resolved';
  cursor?: string;
  limit?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "QuarantineDiscard".
 */
export interface QuarantineDiscard {
  reason: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "QuarantineItem".
 */
export interface QuarantineItem {
  id: string;
  batchId: string;
  nodeId: string | null;
  index: number;
  key: string | null;
  op: string | null;
  /**
   * the record exactly as it was sent
   */
  record: {
    [k: string]: unknown | undefined;
  };
  errors: RecordError[];
  status: 'open' | 'resolved' | 'discarded';
  createdAt: string;
  resolvedAt: string | null;
  resolution: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "QuarantineList".
 */
export interface QuarantineList {
  items: QuarantineItem[];
  nextCursor: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "QuarantineParams".
 */
export interface QuarantineParams {
  code: string;
  id: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "QuarantineQuery".
 */
export interface QuarantineQuery {
  status?: 'open' | 'resolved' | 'discarded';
  key?: string;
  cursor?: string;
  limit?: number;
}
/**
 * The corrected record; it goes through the same checks as a batch record
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "QuarantineResubmit".
 */
export interface QuarantineResubmit {
  record: BatchRecord;
}
/**
 * One record as the caller's grant shows it
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RecordItem".
 */
export interface RecordItem {
  /**
   * the record key, as the grant shows the key field (absent when it is not granted)
   */
  key?: string;
  data: {
    [k: string]: unknown | undefined;
  } | null;
  contractVersion: string;
  /**
   * the event offset of this version
   */
  offset: number;
  sourceTime: string;
  dispute: Dispute;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RecordPage".
 */
export interface RecordPage {
  dataset: string;
  items: RecordItem[];
  /**
   * pass as ?cursor= for the next page; null on the last
   */
  next: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RecordParams".
 */
export interface RecordParams {
  code: string;
  key: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RecordQuery".
 */
export interface RecordQuery {
  /**
   * the record as the exchange held it at that time
   */
  asOf?: string;
  /**
   * for registries: where each field came from
   */
  provenance?: boolean;
}
/**
 * Look records up by searchable fields: ?<field>=<value>, several fields all match. The reserved names are limit and cursor
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RecordSearchQuery".
 */
export interface RecordSearchQuery {
  /**
   * next of the previous page
   */
  cursor?: string;
  limit?: number;
  [k: string]: string | number | undefined;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RecordView".
 */
export interface RecordView {
  dataset: string;
  key: string;
  data: {
    [k: string]: unknown | undefined;
  } | null;
  deleted: boolean;
  contractVersion: string;
  /**
   * the event offset of this version
   */
  offset: number;
  sourceTime: string;
  provenance?: {
    [k: string]:
      | {
          department?: string;
          batch?: string;
          sourceTime?: string;
        }
      | undefined;
  };
  dispute: Dispute;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Registry".
 */
export interface Registry {
  kind: string;
  /**
   * the registry's dataset code
   */
  code: string;
  providerDepartmentId: string;
  sources: {
    departmentId: string;
    fields: string[];
  }[];
  authority: RegistryAuthority;
}
/**
 * Per field, department ids in order of authority; "*" ranks the fields not named. Equal authority: the newest source time wins, and a disagreement is a data-quality issue.
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RegistryAuthority".
 */
export interface RegistryAuthority {
  [k: string]: string[] | undefined;
}
/**
 * A base registry is published with the sharing type and the A/B posts its owner states: brx assumes none. Its sensitive items stay conditional whatever is stated here, and bulk modes always need a person's decision.
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RegistryCreate".
 */
export interface RegistryCreate {
  kind: 'population' | 'legal-person' | 'certificate';
  /**
   * the department that runs the registry (e.g. the data-administration bureau)
   */
  providerDepartmentId: string;
  /**
   * of the registry's base items (the law makes them unconditional; a registry may start stricter)
   */
  sharingType: 'unconditional' | 'conditional';
  sharingConditions?: string;
  /**
   * who decides requests (A post) and who stands in (B post): people of the provider department
   */
  contacts: {
    primary: string;
    backup?: string | null;
  };
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RegistryKindParams".
 */
export interface RegistryKindParams {
  kind: 'population' | 'legal-person' | 'certificate';
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RegistryList".
 */
export interface RegistryList {
  items: Registry[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RegistrySource".
 */
export interface RegistrySource {
  /**
   * fields the department contributes; ["*"] for all
   *
   * @minItems 1
   */
  fields: [string, ...string[]];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RegistrySourceParams".
 */
export interface RegistrySourceParams {
  kind: 'population' | 'legal-person' | 'certificate';
  departmentId: string;
}
export interface ReplayRequest2 {
  /**
   * deliver again every retained event after this offset
   */
  offset?: number;
  /**
   * deliver the current records again, then the changes after them
   */
  snapshot?: true;
}
/**
 * A sharing request (共享申请): one or several datasets, possibly of several providers (并联审批)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RequestCreate".
 */
export interface RequestCreate {
  /**
   * the consuming system; defaults to the calling system
   */
  system?: string;
  /**
   * @minItems 1
   * @maxItems 20
   */
  datasets:
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ]
    | [
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        },
        {
          code: string;
          /**
           * @minItems 1
           * @maxItems 500
           */
          fields: [string, ...string[]];
        }
      ];
  /**
   * 行政依据, 工作参考, 数据校核, 业务协同, or the purpose in words
   */
  purpose: string;
  legalBasis?: string;
  /**
   * @minItems 1
   */
  modes: ['subscribe' | 'pull' | 'verify' | 'file', ...('subscribe' | 'pull' | 'verify' | 'file')[]];
  rowScope?: RowFilter;
  /**
   * how long the grant should last
   */
  durationDays?: number;
  /**
   * the person responsible, when a system files for itself
   */
  contact?: string;
  note?: string;
  /**
   * @maxItems 50
   */
  attachments?: Attachment[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "StatusChange".
 */
export interface StatusChange {
  reason?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SubjectParams".
 */
export interface SubjectParams {
  /**
   * 公民身份号码 of a person or 统一社会信用代码 of an organisation
   */
  id: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SubjectTokenCreate".
 */
export interface SubjectTokenCreate {
  validDays?: number;
}
/**
 * A token with which a person or company reads their own access report; shown once
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SubjectTokenIssued".
 */
export interface SubjectTokenIssued {
  subject: string;
  token: string;
  expiresAt: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Subscription".
 */
export interface Subscription {
  id: string;
  dataset: string;
  systemId: string;
  grantId: string;
  delivery: 'pull' | 'webhook';
  url: string | null;
  start: 'now' | 'beginning' | 'offset';
  /**
   * failing: webhook deliveries have failed for longer than BRX_WEBHOOK_GIVE_UP_HOURS; events wait, none is dropped
   */
  status: 'active' | 'failing' | 'cancelled';
  position: {
    /**
     * the last acknowledged offset
     */
    offset: number;
    /**
     * the snapshot is still being delivered
     */
    inSnapshot: boolean;
  };
  lag: {
    /**
     * events committed and not yet acknowledged
     */
    events: number;
    /**
     * age of the oldest unacknowledged event
     */
    seconds: number;
  };
  /**
   * events acknowledged in all
   */
  delivered: number;
  lastDeliveryAt: string | null;
  lastError: string | null;
  failingSince: string | null;
  /**
   * failed webhook attempts since the last success
   */
  attempts: number;
  nextAttemptAt: string | null;
  /**
   * the grant's records a day, when it sets one: records delivered today (China Standard Time) and, once spent, when the waiting events go on
   */
  quota: {
    recordsPerDay: number;
    usedToday: number;
    waitingUntil: string | null;
  } | null;
  createdAt: string;
}
/**
 * Subscribe (订阅) to a dataset under a grant with the subscribe mode
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SubscriptionCreate".
 */
export interface SubscriptionCreate {
  dataset: string;
  delivery: 'pull' | 'webhook';
  /**
   * webhook: where batches are POSTed
   */
  url?: string;
  /**
   * webhook: the HMAC-SHA256 key batches are signed with
   */
  secret?: string;
  /**
   * now: changes from here on; beginning: a snapshot of the current records, a marker, then changes; offset: changes after the given offset
   */
  start?: 'now' | 'beginning' | 'offset';
  /**
   * start=offset: deliver the events after this offset
   */
  offset?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SubscriptionList".
 */
export interface SubscriptionList {
  items: Subscription[];
}
/**
 * A department's consuming information system (应用系统); it holds grants
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "System".
 */
export interface System {
  id: string;
  departmentId: string;
  name: string;
  description: string | null;
  status: 'active' | 'disabled';
  liveKeys: number;
  createdAt: string;
  notifyUrl: string | null;
  /**
   * whether a notification secret is on file
   */
  notifySecretSet: boolean;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SystemCreate".
 */
export interface SystemCreate {
  name: string;
  description?: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SystemCreated".
 */
export interface SystemCreated {
  system: System;
  /**
   * shown once; brx keeps only its hash
   */
  apiKey: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SystemList".
 */
export interface SystemList {
  items: System[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SystemUpdate".
 */
export interface SystemUpdate {
  description?: string | null;
  status?: 'active' | 'disabled';
  /**
   * where brx POSTs case and grant notifications (HMAC-signed, see README § Webhooks)
   */
  notifyUrl?: string | null;
  /**
   * the HMAC-SHA256 key for notification signatures; never shown again
   */
  notifySecret?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "TrackingParams".
 */
export interface TrackingParams {
  trackingNo: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "UserCreate".
 */
export interface UserCreate {
  username: string;
  displayName: string;
  /**
   * omit to have one generated and returned once
   */
  password?: string;
  /**
   * at least one: a person without a role could do nothing, and one without a department role sees nothing of any department
   *
   * @minItems 1
   * @maxItems 50
   */
  roles: [RoleGrant, ...RoleGrant[]];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "UserCreated".
 */
export interface UserCreated {
  user: User;
  /**
   * present when brx generated it; shown once
   */
  password?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "UserList".
 */
export interface UserList {
  items: User[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "UserUpdate".
 */
export interface UserUpdate {
  displayName?: string;
  status?: 'active' | 'disabled';
  /**
   * at least one: a person without a role could do nothing, and one without a department role sees nothing of any department
   *
   * @minItems 1
   * @maxItems 50
   */
  roles?: [RoleGrant, ...RoleGrant[]];
}
/**
 * either certificateId, or typeCode + number + holderId
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "VerifyCertificate".
 */
export interface VerifyCertificate {
  certificateId?: string;
  typeCode?: string;
  number?: string;
  holderId?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "VerifyLegalPerson".
 */
export interface VerifyLegalPerson {
  uscc: string;
  name?: string;
  legalRepresentativeName?: string;
  legalRepresentativeIdNumber?: string;
}
/**
 * Yes/no answers only. An unknown subject answers exactly like a mismatch.
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "VerifyMatch".
 */
export interface VerifyMatch {
  /**
   * every field asked about matches
   */
  match: boolean;
  fields: {
    [k: string]: boolean | undefined;
  };
  /**
   * only where the grant includes the status field
   */
  status?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "VerifyPerson".
 */
export interface VerifyPerson {
  idNumber: string;
  name: string;
  birthDate?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "YearParams".
 */
export interface YearParams {
  year: number;
}
